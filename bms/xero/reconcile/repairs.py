"""The one-click repairs of Admin → Reconciliation, in one registry: each names the record kinds it
applies to and what it does to a batch of rows (one row's button, or every row of a cause), using
the services that already do that job: the push (re-send), the payments pull (pull),
services/invoice_changes.py (cancel in BMS, accept) and, when the contacts work provides them,
services/contact_repairs.py (unarchive, relink). A row that cannot be repaired says why and never
stops the others; every repair is audited.

Another repair is one `register_repair` call; the causes (causes.py) say which repairs they offer.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bms.billing.models import Invoice
from bms.billing.services import invoice_cancel
from bms.core.audit import audit_record
from bms.core.errors import DomainError
from bms.core.text import counted
from bms.jobs.services import job_enqueue
from bms.users.models import User
from bms.xero.models import ContactLink, CreditNoteLink, InvoiceLink, JournalLink, LinkStatus, PullCursor, XeroTenant
from bms.xero.reconcile.causes import CAUSES, Cause
from bms.xero.reconcile.models import ReconciliationRow
from bms.xero.selectors import entities_for_tenant
from bms.xero.services.invoice_changes import invoice_accept_xero_status, invoice_cancel_to_match_xero
from bms.xero.services.pull_apply import GONE_IN_XERO

HELD_CAUSE = "Held from the reconciliation"
LinkModel = type[InvoiceLink] | type[ContactLink] | type[JournalLink] | type[CreditNoteLink]
LINKS: dict[str, tuple[LinkModel, str]] = {
    "invoice": (InvoiceLink, "invoice_id"), "contact": (ContactLink, "customer_id"),
    "journal": (JournalLink, "journal_id"), "credit_note": (CreditNoteLink, "credit_note_id")}
PUSH_JOBS = {"invoice": ("xero.invoices.push", "invoice_ids"), "contact": ("xero.customers.sync", "customer_ids"),
             "journal": ("xero.journals.push", "journal_ids"),
             "credit_note": ("xero.credit_notes.push", "credit_note_ids")}
Apply = Callable[[XeroTenant, list[ReconciliationRow], User], list[str]]  # → one note per row, in order


@dataclass(frozen=True)
class Repair:
    name: str
    label: str  # the button
    kinds: frozenset[str]
    apply: Apply


REPAIRS: dict[str, Repair] = {}


def register_repair(name: str, label: str, kinds: set[str], apply: Apply) -> None:
    REPAIRS[name] = Repair(name=name, label=label, kinds=frozenset(kinds), apply=apply)


def repairs_for(*, kind: str, cause: str) -> list[Repair]:
    """The repairs the screen offers for a row of this kind and cause, in the cause's order."""
    names = CAUSES[Cause(cause)].repairs if cause in Cause._value2member_map_ else ()
    return [REPAIRS[name] for name in names if name in REPAIRS and kind in REPAIRS[name].kinds]


def reconciliation_repair(*, rows: list[ReconciliationRow], repair: str, user: User) -> tuple[int, list[str]]:
    """Apply one repair to rows of one run (those it applies to and not yet repaired): returns how
    many were repaired and the reasons the others were not."""
    chosen = REPAIRS.get(repair)
    if chosen is None:
        raise DomainError(f"There is no repair called {repair!r}.")
    fit = [row for row in rows if row.repaired_at is None and chosen in repairs_for(kind=row.kind, cause=row.cause)]
    if not fit:
        raise DomainError(f"{chosen.label} does not apply to these rows (or they were repaired already).")
    tenant = fit[0].run.tenant
    repaired, problems = 0, []
    for kind in sorted({row.kind for row in fit}):
        batch = [row for row in fit if row.kind == kind]
        notes = chosen.apply(tenant, batch, user)
        now = timezone.now()
        for row, note in zip(batch, notes, strict=True):
            if note.startswith("!"):
                problems.append(f"{row.label}: {note[1:]}")
                continue
            repaired += 1
            ReconciliationRow.objects.filter(pk=row.pk).update(repaired_at=now, repair=chosen.name,
                                                               repair_note=note[:500])
    audit_record(actor=user, action="xero.reconciliation_repaired", target=f"reconciliation of {tenant.name}",
                 after={"repair": chosen.name, "rows": [row.label for row in fit][:200], "repaired": repaired,
                        "refused": problems[:50]})
    return repaired, problems


def _link(tenant: XeroTenant, row: ReconciliationRow
          ) -> InvoiceLink | ContactLink | JournalLink | CreditNoteLink | None:
    model, field = LINKS[row.kind]
    return model.objects.filter(tenant=tenant, **{field: row.bms_id}).first() if row.bms_id else None


def _resend(tenant: XeroTenant, rows: list[ReconciliationRow], user: User) -> list[str]:
    """Make each record due again (one Xero lacks is created afresh: the push looks it up by number
    before creating, so a record Xero does hold is never duplicated) and queue one push for all."""
    notes, ids = [], []
    for row in rows:
        link = _link(tenant, row)
        if link is None:
            notes.append("!BMS has no link to this organisation for it.")
            continue
        # A fresh key: Xero must not answer from what it cached for the write that came out wrong.
        fields: dict[str, object] = {"status": LinkStatus.PENDING, "revision_pushed": 0, "last_error": "",
                                     "error_cause": "", "key_epoch": F("key_epoch") + 1}
        if row.cause == Cause.MISSING_IN_XERO:
            fields["xero_id"] = None
            if isinstance(link, InvoiceLink | CreditNoteLink):
                fields["line_item_ids"] = {}
        LINKS[row.kind][0].objects.filter(pk=link.pk).update(**fields)
        ids.append(row.bms_id)
        notes.append("Re-send queued.")
    if ids:
        kind, param = PUSH_JOBS[rows[0].kind]
        job_enqueue(kind=kind, description=f"Re-send {counted(len(ids), 'record')} to {tenant.name} (reconciliation)",
                    params={"tenant_id": tenant.pk, param: ids}, requested_by=user)
    return notes


def _pull(tenant: XeroTenant, rows: list[ReconciliationRow], user: User) -> list[str]:
    """The payments pull re-reads every invoice whose link carries a pull error: mark these so; for a
    credit note, it reads the credit notes again from the start (each is applied once, however often read)."""
    if any(row.kind == "credit_note" for row in rows):
        PullCursor.objects.filter(tenant=tenant, resource="credit_notes").update(modified_since=None)
    ids = [row.bms_id for row in rows if row.bms_id and row.kind == "invoice"]
    InvoiceLink.objects.filter(tenant=tenant, invoice_id__in=ids, xero_id__isnull=False, pull_error="").update(
        pull_error="Pull requested from the reconciliation.", pull_error_cause="Reconciliation")
    job_enqueue(kind="xero.payments.pull", description=f"Pull payments from {tenant.name} (reconciliation)",
                params={"tenant_id": tenant.pk}, requested_by=user)
    return ["Pull queued." if row.bms_id else "!Not a record BMS holds." for row in rows]


def _hold(tenant: XeroTenant, rows: list[ReconciliationRow], user: User) -> list[str]:
    """Held: the schedule leaves the record alone until it changes in BMS or someone re-sends it."""
    notes = []
    for row in rows:
        link = _link(tenant, row)
        if link is None:
            notes.append("!BMS has no link to this organisation for it.")
            continue
        LINKS[row.kind][0].objects.filter(pk=link.pk).update(
            status=LinkStatus.FAILED, error_cause=HELD_CAUSE, updated_at=timezone.now(),
            last_error=f"Held by {user.get_full_name() or user.username} from the reconciliation: {row.message}")
        notes.append("Held.")
    return notes


def _each(action: Callable[[XeroTenant, ReconciliationRow, User], str]) -> Apply:
    def apply(tenant: XeroTenant, rows: list[ReconciliationRow], user: User) -> list[str]:
        notes = []
        for row in rows:
            try:
                with transaction.atomic():
                    notes.append(action(tenant, row, user))
            except DomainError as exc:
                notes.append(f"!{exc.message}")
        return notes

    return apply


def _cancel_in_bms(tenant: XeroTenant, row: ReconciliationRow, user: User) -> str:
    link = InvoiceLink.objects.select_related("invoice").filter(tenant=tenant, invoice_id=row.bms_id or 0).first()
    if link is None:
        raise DomainError("BMS has no link to this organisation for it.")
    if link.xero_status in GONE_IN_XERO:
        invoice_cancel_to_match_xero(invoice=link.invoice, link_id=link.pk, user=user)
        return "Cancelled in BMS to match Xero."
    invoice_cancel(invoice=link.invoice, cancelled_by=user)  # its void in Xero is queued at once
    return "Cancelled in BMS; its void in Xero is queued."


def _accept(tenant: XeroTenant, row: ReconciliationRow, user: User) -> str:
    link = InvoiceLink.objects.select_related("invoice").filter(tenant=tenant, invoice_id=row.bms_id or 0).first()
    if link is None:
        raise DomainError("BMS has no link to this organisation for it.")
    invoice_accept_xero_status(invoice=link.invoice, link_id=link.pk, user=user)
    return f"Accepted as {link.xero_status} in Xero."


def _relink_invoice(tenant: XeroTenant, row: ReconciliationRow, user: User) -> str:
    """Link the BMS invoice of that number (whose own link Xero lacks) to the invoice Xero holds."""
    invoice = None
    for entity in entities_for_tenant(tenant):
        rest = row.label.removeprefix(entity.prefix) if entity.prefix else ""
        if row.label.startswith(entity.prefix) and rest.isdigit():
            invoice = Invoice.objects.filter(entity=entity, number=int(rest)).first() or invoice
    if invoice is None:
        raise DomainError(f"No BMS invoice is numbered {row.label}: void or delete it in Xero.")
    InvoiceLink.objects.update_or_create(tenant=tenant, invoice=invoice, defaults={
        "xero_id": row.xero_id, "status": LinkStatus.SYNCED, "xero_number": row.label, "last_error": ""})
    return f"{row.label} is now linked to the invoice Xero holds."


def _contact_link(tenant: XeroTenant, row: ReconciliationRow) -> ContactLink:
    link = ContactLink.objects.filter(tenant=tenant, customer_id=row.bms_id or 0).first()
    if link is None:
        raise DomainError("BMS has no link to this organisation for this customer.")
    return link


def _contact_repairs() -> ModuleType | None:
    """services/contact_repairs.py (contact_unarchive, contact_relink) comes with the contacts work;
    until it is there the screen offers neither Unarchive nor Relink for contacts."""
    try:
        return importlib.import_module("bms.xero.services.contact_repairs")
    except ImportError:
        return None


def _unarchive(tenant: XeroTenant, row: ReconciliationRow, user: User) -> str:
    module = _contact_repairs()
    if module is None:
        raise DomainError("Unarchive is not available in this version: unarchive the contact in Xero.")
    module.contact_unarchive(link=_contact_link(tenant, row), actor=user)
    return "Unarchived in Xero."


def _relink(tenant: XeroTenant, row: ReconciliationRow, user: User) -> str:
    if row.kind == "invoice":
        return _relink_invoice(tenant, row, user)
    module = _contact_repairs()
    if module is None:
        raise DomainError("Relink is not available in this version for contacts.")
    module.contact_relink(link=_contact_link(tenant, row), xero_contact_id=row.xero_id, actor=user)
    return "Relinked to the contact Xero holds."


register_repair("resend", "Re-send", {"invoice", "contact", "journal", "credit_note"}, _resend)
register_repair("pull", "Pull", {"invoice", "credit_note"}, _pull)
register_repair("hold", "Hold", {"invoice", "contact", "journal", "credit_note"}, _hold)
register_repair("cancel_in_bms", "Cancel in BMS", {"invoice"}, _each(_cancel_in_bms))
register_repair("accept", "Accept", {"invoice"}, _each(_accept))
register_repair("relink", "Relink", {"invoice", "contact"} if _contact_repairs() else {"invoice"}, _each(_relink))
if _contact_repairs() is not None:
    register_repair("unarchive", "Unarchive", {"contact"}, _each(_unarchive))
