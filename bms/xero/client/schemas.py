"""Pydantic models for the parts of Xero's Accounting API we use.

Money is Decimal (responses are parsed with parse_float=Decimal), dates accept both Xero forms,
and enum-like fields are plain strings: Xero returns values its own spec doesn't list (xero-notes
trap 16), and one unknown account type must not sink a whole page.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bms.xero.client.xerodates import parse_xero_date, parse_xero_datetime

XeroDate = Annotated[date | None, BeforeValidator(parse_xero_date)]
XeroDateTime = Annotated[datetime | None, BeforeValidator(parse_xero_datetime)]


class XeroModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ValidationMessage(XeroModel):
    message: str = Field(alias="Message")


class Organisation(XeroModel):
    organisation_id: str = Field(alias="OrganisationID")
    name: str = Field(alias="Name")
    legal_name: str | None = Field(default=None, alias="LegalName")
    short_code: str | None = Field(default=None, alias="ShortCode")
    base_currency: str | None = Field(default=None, alias="BaseCurrency")
    country_code: str | None = Field(default=None, alias="CountryCode")
    timezone: str | None = Field(default=None, alias="Timezone")
    period_lock_date: XeroDate = Field(default=None, alias="PeriodLockDate")
    end_of_year_lock_date: XeroDate = Field(default=None, alias="EndOfYearLockDate")
    edition: str | None = Field(default=None, alias="Edition")
    is_demo_company: bool | None = Field(default=None, alias="IsDemoCompany")

    @property
    def lock_date(self) -> date | None:
        """The later of the two lock dates: nothing on or before it can be posted."""
        dates = [d for d in (self.period_lock_date, self.end_of_year_lock_date) if d]
        return max(dates) if dates else None


def validation_messages(element: dict[str, Any]) -> list[str]:
    return [str(item.get("Message", "")) for item in element.get("ValidationErrors") or [] if item.get("Message")]


def money(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


class BatchElement(XeroModel):
    """Fields every element of a `summarizeErrors=false` response carries."""

    status_attribute_string: str | None = Field(default=None, alias="StatusAttributeString")
    validation_errors: list[ValidationMessage] = Field(default_factory=list, alias="ValidationErrors")
    warnings: list[ValidationMessage] = Field(default_factory=list, alias="Warnings")

    @property
    def is_error(self) -> bool:
        return self.status_attribute_string == "ERROR" or bool(self.validation_errors)

    @property
    def error_messages(self) -> list[str]:
        return [item.message for item in self.validation_errors]


class Address(XeroModel):
    address_type: str = Field(alias="AddressType")  # POBOX | STREET | DELIVERY
    address_line1: str | None = Field(default=None, alias="AddressLine1")
    address_line2: str | None = Field(default=None, alias="AddressLine2")
    city: str | None = Field(default=None, alias="City")
    region: str | None = Field(default=None, alias="Region")
    postal_code: str | None = Field(default=None, alias="PostalCode")
    country: str | None = Field(default=None, alias="Country")


class Phone(XeroModel):
    phone_type: str = Field(alias="PhoneType")  # DEFAULT | DDI | MOBILE | FAX | OFFICE
    phone_number: str | None = Field(default=None, alias="PhoneNumber")


class Bill(XeroModel):
    day: int | None = Field(default=None, alias="Day")
    type: str | None = Field(default=None, alias="Type")


class PaymentTerm(XeroModel):
    sales: Bill | None = Field(default=None, alias="Sales")


class Contact(BatchElement):
    contact_id: str | None = Field(default=None, alias="ContactID")
    contact_number: str | None = Field(default=None, alias="ContactNumber")
    contact_status: str | None = Field(default=None, alias="ContactStatus")
    name: str | None = Field(default=None, alias="Name")
    email_address: str | None = Field(default=None, alias="EmailAddress")
    tax_number: str | None = Field(default=None, alias="TaxNumber")
    addresses: list[Address] | None = Field(default=None, alias="Addresses")
    phones: list[Phone] | None = Field(default=None, alias="Phones")
    payment_terms: PaymentTerm | None = Field(default=None, alias="PaymentTerms")
    # Only on paged and single reads (SPEC, Contact.MergedToContactID): where a merged-away contact went.
    merged_to_contact_id: str | None = Field(default=None, alias="MergedToContactID")
    updated_date_utc: XeroDateTime = Field(default=None, alias="UpdatedDateUTC")


class Tracking(XeroModel):
    """A line's tracking: category and option by name, and by id when BMS read them from Xero."""

    name: str = Field(alias="Name")
    option: str = Field(alias="Option")
    tracking_category_id: str | None = Field(default=None, alias="TrackingCategoryID")
    tracking_option_id: str | None = Field(default=None, alias="TrackingOptionID")


class TrackingOption(XeroModel):
    tracking_option_id: str | None = Field(default=None, alias="TrackingOptionID")
    name: str = Field(alias="Name")
    status: str | None = Field(default=None, alias="Status")  # ACTIVE | ARCHIVED | DELETED


class TrackingCategory(XeroModel):
    tracking_category_id: str | None = Field(default=None, alias="TrackingCategoryID")
    name: str = Field(alias="Name")
    status: str | None = Field(default=None, alias="Status")
    options: list[TrackingOption] | None = Field(default=None, alias="Options")


class LineItem(XeroModel):
    line_item_id: str | None = Field(default=None, alias="LineItemID")
    description: str | None = Field(default=None, alias="Description")
    quantity: Decimal | None = Field(default=None, alias="Quantity")
    unit_amount: Decimal | None = Field(default=None, alias="UnitAmount")
    account_code: str | None = Field(default=None, alias="AccountCode")
    tax_type: str | None = Field(default=None, alias="TaxType")
    tax_amount: Decimal | None = Field(default=None, alias="TaxAmount")
    line_amount: Decimal | None = Field(default=None, alias="LineAmount")
    tracking: list[Tracking] | None = Field(default=None, alias="Tracking")


class ContactRef(XeroModel):
    contact_id: str | None = Field(default=None, alias="ContactID")
    name: str | None = Field(default=None, alias="Name")


class InvoicePayment(XeroModel):
    payment_id: str | None = Field(default=None, alias="PaymentID")
    amount: Decimal | None = Field(default=None, alias="Amount")
    date: XeroDate = Field(default=None, alias="Date")


class Invoice(BatchElement):
    type: str | None = Field(default=None, alias="Type")
    invoice_id: str | None = Field(default=None, alias="InvoiceID")
    invoice_number: str | None = Field(default=None, alias="InvoiceNumber")
    reference: str | None = Field(default=None, alias="Reference")
    contact: ContactRef | None = Field(default=None, alias="Contact")
    date: XeroDate = Field(default=None, alias="Date")
    due_date: XeroDate = Field(default=None, alias="DueDate")
    status: str | None = Field(default=None, alias="Status")
    line_amount_types: str | None = Field(default=None, alias="LineAmountTypes")
    currency_code: str | None = Field(default=None, alias="CurrencyCode")
    currency_rate: Decimal | None = Field(default=None, alias="CurrencyRate")  # read only: BMS sends none
    line_items: list[LineItem] | None = Field(default=None, alias="LineItems")
    sub_total: Decimal | None = Field(default=None, alias="SubTotal")
    total_tax: Decimal | None = Field(default=None, alias="TotalTax")
    total: Decimal | None = Field(default=None, alias="Total")
    amount_due: Decimal | None = Field(default=None, alias="AmountDue")
    amount_paid: Decimal | None = Field(default=None, alias="AmountPaid")
    amount_credited: Decimal | None = Field(default=None, alias="AmountCredited")
    payments: list[InvoicePayment] | None = Field(default=None, alias="Payments")
    url: str | None = Field(default=None, alias="Url")
    updated_date_utc: XeroDateTime = Field(default=None, alias="UpdatedDateUTC")


class InvoiceRef(XeroModel):
    invoice_id: str | None = Field(default=None, alias="InvoiceID")
    invoice_number: str | None = Field(default=None, alias="InvoiceNumber")


class CreditNoteRef(XeroModel):
    credit_note_id: str | None = Field(default=None, alias="CreditNoteID")
    credit_note_number: str | None = Field(default=None, alias="CreditNoteNumber")


class AccountRef(XeroModel):
    account_id: str | None = Field(default=None, alias="AccountID")
    code: str | None = Field(default=None, alias="Code")


class Payment(BatchElement):
    payment_id: str | None = Field(default=None, alias="PaymentID")
    date: XeroDate = Field(default=None, alias="Date")
    amount: Decimal | None = Field(default=None, alias="Amount")
    reference: str | None = Field(default=None, alias="Reference")
    status: str | None = Field(default=None, alias="Status")  # AUTHORISED | DELETED
    payment_type: str | None = Field(default=None, alias="PaymentType")
    invoice: InvoiceRef | None = Field(default=None, alias="Invoice")
    credit_note: CreditNoteRef | None = Field(default=None, alias="CreditNote")  # a refund of credit
    account: AccountRef | None = Field(default=None, alias="Account")
    updated_date_utc: XeroDateTime = Field(default=None, alias="UpdatedDateUTC")


class ManualJournalLine(XeroModel):
    line_amount: Decimal = Field(alias="LineAmount")  # debits positive, credits negative
    account_code: str = Field(alias="AccountCode")
    description: str | None = Field(default=None, alias="Description")
    tax_type: str | None = Field(default=None, alias="TaxType")
    tracking: list[Tracking] | None = Field(default=None, alias="Tracking")


class ManualJournal(BatchElement):
    manual_journal_id: str | None = Field(default=None, alias="ManualJournalID")
    narration: str = Field(alias="Narration")
    date: XeroDate = Field(default=None, alias="Date")
    status: str | None = Field(default=None, alias="Status")
    line_amount_types: str | None = Field(default=None, alias="LineAmountTypes")
    journal_lines: list[ManualJournalLine] | None = Field(default=None, alias="JournalLines")
    url: str | None = Field(default=None, alias="Url")  # "Go to BMS" in Xero
    updated_date_utc: XeroDateTime = Field(default=None, alias="UpdatedDateUTC")


class Account(XeroModel):
    account_id: str | None = Field(default=None, alias="AccountID")
    code: str | None = Field(default=None, alias="Code")
    name: str | None = Field(default=None, alias="Name")
    type: str | None = Field(default=None, alias="Type")
    account_class: str | None = Field(default=None, alias="Class")
    status: str | None = Field(default=None, alias="Status")
    tax_type: str | None = Field(default=None, alias="TaxType")
    system_account: str | None = Field(default=None, alias="SystemAccount")
    enable_payments_to_account: bool | None = Field(default=None, alias="EnablePaymentsToAccount")
    description: str | None = Field(default=None, alias="Description")
    updated_date_utc: XeroDateTime = Field(default=None, alias="UpdatedDateUTC")


class TaxRate(XeroModel):
    name: str | None = Field(default=None, alias="Name")
    tax_type: str | None = Field(default=None, alias="TaxType")
    status: str | None = Field(default=None, alias="Status")
    effective_rate: Decimal | None = Field(default=None, alias="EffectiveRate")
    display_tax_rate: Decimal | None = Field(default=None, alias="DisplayTaxRate")
    report_tax_type: str | None = Field(default=None, alias="ReportTaxType")
    can_apply_to_revenue: bool | None = Field(default=None, alias="CanApplyToRevenue")
    can_apply_to_expenses: bool | None = Field(default=None, alias="CanApplyToExpenses")
    can_apply_to_assets: bool | None = Field(default=None, alias="CanApplyToAssets")


class Currency(XeroModel):
    code: str | None = Field(default=None, alias="Code")
    description: str | None = Field(default=None, alias="Description")


class Pagination(XeroModel):
    page: int | None = None
    page_size: int | None = Field(default=None, alias="pageSize")
    page_count: int | None = Field(default=None, alias="pageCount")
    item_count: int | None = Field(default=None, alias="itemCount")


def to_xero(model: XeroModel) -> dict[str, Any]:
    """A request element: Xero's field names, nothing unset, Decimals and dates kept as such."""
    return model.model_dump(by_alias=True, exclude_none=True, exclude={
        "status_attribute_string", "validation_errors", "warnings", "updated_date_utc",
    } & set(type(model).model_fields))
