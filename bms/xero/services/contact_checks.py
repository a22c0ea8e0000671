"""Pre-send checks on a customer's Xero contact (PRODUCT.md §3.8: "a push checks contact status
(archived → held with 'unarchive in Xero or relink')"). Pure: they read only what
services/contact_status.py stored on the link, so a dry run can call them with no writes.

Xero refuses an invoice to an archived or GDPR-request contact ("The contact … has been archived
and can't be used on a new transaction", xero-notes §5); holding it before sending says why and
what to do, where Xero's refusal would only say no."""

from __future__ import annotations

from bms.xero.services.fixes import customer_fix
from bms.xero.sync.verdicts import Verdict

ARCHIVED_CAUSE = "contact archived in Xero"
GDPR_CAUSE = "contact under a GDPR request in Xero"
MERGED_CAUSE = "contact merged in Xero"


def contact_state_verdict(*, customer_code: str, customer_id: int, xero_contact_status: str,
                          xero_merged_to_id: str) -> Verdict | None:
    """Why an invoice of this customer may not go to Xero now; None when its contact can take it.
    The fix is the customer's Xero Integration panel, with Unarchive and Relink."""
    if not xero_merged_to_id and xero_contact_status not in ("ARCHIVED", "GDPRREQUEST"):
        return None  # the common case, before any URL is built
    fix = customer_fix(customer_id)
    if xero_merged_to_id:
        return Verdict.fail(
            f"Not sent: customer {customer_code}'s Xero contact was merged in Xero into a contact another customer "
            f"is linked to (ContactID {xero_merged_to_id}). An admin chooses: Relink the customer (its Xero "
            "Integration panel) or delete its integration, then sync again.", MERGED_CAUSE, fix=fix)
    if xero_contact_status == "ARCHIVED":
        return Verdict.fail(
            f"Held: customer {customer_code}'s Xero contact is archived in Xero. Unarchive in Xero or relink "
            "(Unarchive or Relink on the customer's Xero Integration panel); the invoice is then sent.",
            ARCHIVED_CAUSE, fix=fix)
    return Verdict.fail(
        f"Held: customer {customer_code}'s Xero contact is under a GDPR request in Xero and can never be used "
        "again. Relink the customer to another Xero contact (Relink on its Xero Integration panel); the "
        "invoice is then sent.", GDPR_CAUSE, fix=fix)


def contact_update_verdict(*, customer_code: str, customer_id: int, xero_contact_status: str,
                           xero_merged_to_id: str) -> Verdict | None:
    """A contact sync sends edits to an archived contact (Xero keeps it archived), but never to one
    under a GDPR request (Xero refuses any change) or merged away (the admin chooses first)."""
    if xero_merged_to_id or xero_contact_status == "GDPRREQUEST":
        return contact_state_verdict(customer_code=customer_code, customer_id=customer_id,
                                     xero_contact_status=xero_contact_status, xero_merged_to_id=xero_merged_to_id)
    return None
