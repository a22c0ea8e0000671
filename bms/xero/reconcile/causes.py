"""Why BMS and Xero disagree about a record: each cause has a name a finance user reads, a line on
what it means, and the repairs the screen offers for it (repairs.py holds what each one does)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Cause(StrEnum):
    MISSING_IN_XERO = "missing_in_xero"
    MISSING_IN_BMS = "missing_in_bms"
    STATUS = "status"
    TAX = "tax"
    TOTALS = "totals"
    AMOUNT_DUE = "amount_due"
    CONTACT_FIELDS = "contact_fields"
    CONTACT_ARCHIVED = "contact_archived"
    JOURNAL_ACCOUNTS = "journal_accounts"
    DIFFERS_LINK = "differs_link"
    CREDIT_LEFT = "credit_left"


@dataclass(frozen=True)
class CauseInfo:
    label: str
    meaning: str
    repairs: tuple[str, ...]  # names in repairs.REPAIRS, in the order the screen offers them


CAUSES: dict[Cause, CauseInfo] = {
    Cause.MISSING_IN_XERO: CauseInfo(
        "Missing in Xero", "BMS sent it and holds its Xero identifier, but Xero does not have it.",
        ("resend", "hold")),
    Cause.MISSING_IN_BMS: CauseInfo(
        "Missing in BMS", "Xero holds a record BMS made (its number, code or reference is BMS's) that no BMS "
        "record is linked to: usually a duplicate, or one whose link was deleted.", ("relink",)),
    Cause.STATUS: CauseInfo(
        "Status differs", "Voided or deleted on one side and open on the other.",
        ("cancel_in_bms", "accept", "resend", "hold")),
    Cause.TAX: CauseInfo(
        "Tax differs", "Xero's total tax is not BMS's (often a line Xero taxed by its account's default).",
        ("resend", "cancel_in_bms", "hold")),
    Cause.TOTALS: CauseInfo(
        "Totals differ", "Xero's subtotal or total is not BMS's.", ("resend", "cancel_in_bms", "hold")),
    Cause.AMOUNT_DUE: CauseInfo(
        "Amount due differs", "Payments or credits in Xero that BMS has not pulled (or could not apply).",
        ("pull",)),
    Cause.CONTACT_FIELDS: CauseInfo(
        "Contact details differ", "Name, contact code, email or tax number differ from the BMS customer.",
        ("resend", "hold")),
    Cause.CONTACT_ARCHIVED: CauseInfo(
        "Archived or merged in Xero", "The contact BMS is linked to is archived (or was merged into another) "
        "in Xero: invoices for this customer are held until it is unarchived or relinked.",
        ("unarchive", "hold")),
    Cause.JOURNAL_ACCOUNTS: CauseInfo(
        "Journal per-account totals differ", "The net movement per account in Xero's manual journal is not "
        "the BMS journal's (or the journal was voided or deleted in Xero).", ("hold",)),
    Cause.DIFFERS_LINK: CauseInfo(
        "Held as Differs, Xero now agrees", "BMS held the invoice as \"Xero's total differs\" after its last write, "
        "but Xero's totals now equal BMS's (corrected in Xero): re-send to compare again and clear it.",
        ("resend", "hold")),
    Cause.CREDIT_LEFT: CauseInfo(
        "Credit left differs", "A credit note's remaining credit in Xero is not BMS's: an allocation or refund made "
        "on one side that the other does not hold yet (or could not apply).", ("pull", "hold")),
}


def cause_label(cause: str) -> str:
    try:
        return CAUSES[Cause(cause)].label
    except ValueError:
        return cause
