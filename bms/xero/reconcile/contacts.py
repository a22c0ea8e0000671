"""Contacts: every customer BMS linked to a contact in the organisation, beside all of Xero's
contacts, archived ones included (`includeArchived=true`, xero-notes §5), read in pages of 1000.
Contacts carry no date, so the range does not apply to them.

Compared: what BMS sends (name, contact code, email, tax number; payloads.contact_payload) and the
contact's status: an archived contact (a merged one is archived too) holds the customer's invoices."""

from __future__ import annotations

from datetime import datetime

from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Contact
from bms.xero.models import ContactLink
from bms.xero.payloads import contact_payload
from bms.xero.reconcile.causes import Cause
from bms.xero.reconcile.models import Verdict
from bms.xero.reconcile.registry import PAGE_SIZE, Finding, KindResult, ReconcileKind, Scope, read_pages, register_kind

FIELDS = (("name", "name"), ("contact_number", "contact code"), ("email_address", "email"),
          ("tax_number", "tax number"))


def contact_differences(sent: Contact, xero: Contact) -> list[tuple[str, str, str]]:
    """(field, BMS's value, Xero's value) for each field BMS sends that Xero holds otherwise."""
    return [(word, getattr(sent, field) or "", getattr(xero, field) or "") for field, word in FIELDS
            if (getattr(sent, field) or "") != (getattr(xero, field) or "")]


class ContactKind(ReconcileKind):
    name = "contact"
    title = "Contacts"

    def run(self, *, client: XeroAccountingClient, scope: Scope, since: datetime | None) -> KindResult:
        read = read_pages(lambda page: client.get_contacts(include_archived=True, page=page, page_size=PAGE_SIZE,
                                                           if_modified_since=since))
        xero = {item.contact_id: item for item in read if item.contact_id}
        result = KindResult(xero_read=len(read), reread_xero_ids=set(xero))
        links = ContactLink.objects.filter(tenant=scope.tenant, xero_id__isnull=False).select_related(
            "customer__payment_terms")
        linked, codes = set(), {}
        for link in links:
            customer = link.customer
            linked.add(link.xero_id)
            codes[customer.code] = customer
            result.compared += 1
            theirs = xero.get(link.xero_id or "")
            label = f"{customer.code} {customer.name}"
            if theirs is None:
                if since is None:
                    result.findings.append(Finding(
                        verdict=Verdict.ONLY_BMS, cause=Cause.MISSING_IN_XERO, label=label, bms_id=customer.pk,
                        xero_id=link.xero_id or "", bms_value=customer.name, xero_value="—",
                        message=f"Customer {customer.code} is linked to a Xero contact that Xero does not have."))
                continue
            result.reread_bms_ids.add(customer.pk)
            finding = _compare(label, customer.pk, contact_payload(customer), theirs)
            if finding is not None:
                result.findings.append(finding)
        result.findings += [
            Finding(verdict=Verdict.ONLY_XERO, cause=Cause.MISSING_IN_BMS, label=f"{item.contact_number} {item.name}",
                    xero_id=item.contact_id or "", bms_id=codes[item.contact_number].pk, bms_value="—",
                    xero_value=item.name or "",
                    message=f"Xero holds a second contact with customer code {item.contact_number}; BMS is linked "
                            "to another one.")
            for item in read
            if item.contact_id not in linked and item.contact_number in codes and item.contact_status == "ACTIVE"]
        return result


def _compare(label: str, customer_id: int, sent: Contact, xero: Contact) -> Finding | None:
    if (xero.contact_status or "ACTIVE") != "ACTIVE":
        return Finding(verdict=Verdict.DIFFER, cause=Cause.CONTACT_ARCHIVED, label=label, bms_id=customer_id,
                       xero_id=xero.contact_id or "", bms_value="Active", xero_value=xero.contact_status or "",
                       message=f"The Xero contact of {label} is {xero.contact_status}: invoices for this customer "
                               "are held until it is unarchived in Xero or the customer is relinked.")
    differences = contact_differences(sent, xero)
    if not differences:
        return None
    return Finding(verdict=Verdict.DIFFER, cause=Cause.CONTACT_FIELDS, label=label, bms_id=customer_id,
                   xero_id=xero.contact_id or "", bms_value="; ".join(f"{w}: {b}" for w, b, _ in differences)[:500],
                   xero_value="; ".join(f"{w}: {x}" for w, _, x in differences)[:500],
                   message=f"{', '.join(w for w, _, _ in differences).capitalize()} "
                           f"{'differs' if len(differences) == 1 else 'differ'} from BMS's.")


register_kind(ContactKind())
