"""The fields of Xero's elements, as Xero's OpenAPI description (xero_accounting.yaml, v16.1.0)
lists them under components.schemas: what a `where` filter may name. Xero refuses any other name
with a 400 QueryParseException "No property or field 'X' exists in type 'Payment'"
(XeroAPI/xero-node#47, freakboy3742/pyxero#272; a nested one: XeroAPI/Xero-Net#251).
xero_sandbox/tests/test_where.py checks these lists against the description when it is there."""

from __future__ import annotations

FIELDS: dict[str, frozenset[str]] = {
    "Account": frozenset({
        "AccountID", "AddToWatchlist", "BankAccountNumber", "BankAccountType", "Class", "Code",
        "CurrencyCode", "Description", "EnablePaymentsToAccount", "HasAttachments", "Name", "ReportingCode",
        "ReportingCodeName", "ShowInExpenseClaims", "Status", "SystemAccount", "TaxType", "Type",
        "UpdatedDateUTC", "ValidationErrors"
    }),
    "Contact": frozenset({
        "AccountNumber", "AccountsPayableTaxType", "AccountsReceivableTaxType", "Addresses", "Attachments",
        "Balances", "BankAccountDetails", "BatchPayments", "BrandingTheme", "CompanyNumber",
        "ContactGroups", "ContactID", "ContactNumber", "ContactPersons", "ContactStatus", "DefaultCurrency",
        "Discount", "EmailAddress", "FirstName", "HasAttachments", "HasValidationErrors", "IsCustomer",
        "IsSupplier", "LastName", "MergedToContactID", "Name", "PaymentTerms", "Phones",
        "PurchasesDefaultAccountCode", "PurchasesDefaultLineAmountType", "PurchasesTrackingCategories",
        "SalesDefaultAccountCode", "SalesDefaultLineAmountType", "SalesTrackingCategories",
        "StatusAttributeString", "TaxNumber", "TaxNumberType", "TrackingCategoryName",
        "TrackingCategoryOption", "UpdatedDateUTC", "ValidationErrors", "Website", "XeroNetworkKey"
    }),
    "Invoice": frozenset({
        "AmountCredited", "AmountDue", "AmountPaid", "Attachments", "BrandingThemeID", "CISDeduction",
        "CISRate", "Contact", "CreditNotes", "CurrencyCode", "CurrencyRate", "Date", "DueDate",
        "ExpectedPaymentDate", "FullyPaidOnDate", "HasAttachments", "HasErrors", "InvoiceAddresses",
        "InvoiceID", "InvoiceNumber", "IsDiscounted", "LineAmountTypes", "LineItems", "Overpayments",
        "Payments", "PlannedPaymentDate", "Prepayments", "Reference", "RepeatingInvoiceID", "SentToContact",
        "Status", "StatusAttributeString", "SubTotal", "Total", "TotalDiscount", "TotalTax", "Type",
        "UpdatedDateUTC", "UpdatedDateUTCString", "Url", "ValidationErrors", "Warnings"
    }),
    "CreditNote": frozenset({
        "Allocations", "AppliedAmount", "BrandingThemeID", "CISDeduction", "CISRate", "Contact", "CreditNoteID",
        "CreditNoteNumber", "CurrencyCode", "CurrencyRate", "Date", "DueDate", "FullyPaidOnDate", "HasAttachments",
        "HasErrors", "InvoiceAddresses", "LineAmountTypes", "LineItems", "Payments", "Reference", "RemainingCredit",
        "SentToContact", "Status", "StatusAttributeString", "SubTotal", "Total", "TotalTax", "Type",
        "UpdatedDateUTC", "UpdatedDateUTCString", "ValidationErrors", "Warnings"
    }),
    "ManualJournal": frozenset({
        "Attachments", "Date", "HasAttachments", "JournalLines", "LineAmountTypes", "ManualJournalID",
        "Narration", "ShowOnCashBasisReports", "Status", "StatusAttributeString", "UpdatedDateUTC", "Url",
        "ValidationErrors", "Warnings"
    }),
    "Payment": frozenset({
        "Account", "Amount", "BankAccountNumber", "BankAmount", "BatchPayment", "BatchPaymentID", "Code",
        "CreditNote", "CreditNoteNumber", "CurrencyRate", "Date", "Details", "HasAccount",
        "HasValidationErrors", "Invoice", "InvoiceNumber", "IsReconciled", "Overpayment", "Particulars",
        "PaymentID", "PaymentType", "Prepayment", "Reference", "Status", "StatusAttributeString",
        "UpdatedDateUTC", "UpdatedDateUTCString", "ValidationErrors", "Warnings"
    }),
    "Currency": frozenset({"Code", "Description"}),
    "TaxRate": frozenset({
        "CanApplyToAssets", "CanApplyToEquity", "CanApplyToExpenses", "CanApplyToLiabilities",
        "CanApplyToRevenue", "DisplayTaxRate", "EffectiveRate", "Name", "ReportTaxType", "Status",
        "TaxComponents", "TaxType"
    }),
}
# Fields that hold another element, by the element's type: `Invoice.InvoiceID`, `Contact.ContactID`.
NESTED: dict[tuple[str, str], str] = {
    ("Invoice", "Contact"): "Contact",
    ("Payment", "Invoice"): "Invoice",
    ("Payment", "Account"): "Account",
    ("Payment", "CreditNote"): "CreditNote",
    ("CreditNote", "Contact"): "Contact",
}


def unknown_field(path: str, schema: str) -> str | None:
    """Xero's message for the first part of `path` that `schema` does not have; None when every
    part is known (or belongs to an element type this module does not list)."""
    current: str | None = schema
    for part in path.split("."):
        if current is None or current not in FIELDS:
            return None
        name = next((field for field in FIELDS[current] if field.lower() == part.lower()), None)
        if name is None:
            return f"No property or field '{part}' exists in type '{current}'"
        current = NESTED.get((current, name))
    return None
