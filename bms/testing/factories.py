"""Small builders for test data, shared by every app's tests.

Each builder makes one row with sensible defaults and takes keywords for what a test cares about.
Accounts and tax rates are get-or-create by code, so calling them twice gives the same row.
"""

from datetime import date
from decimal import Decimal

from bms.billing.services import InvoiceLineData, invoice_create
from bms.customers.models import Customer, PaymentTerms, PaymentTermType
from bms.entities.models import Entity, EntityKind
from bms.ledger.models import Account, AccountClass, AccountType, TaxRate
from bms.stock.models import Product

D = Decimal


def entity(code="AU", *, name=None, prefix=None, time_zone="Australia/Sydney", kind=EntityKind.ORGANISATION,
           organisation=None, **extra) -> Entity:
    return Entity.objects.create(
        code=code, name=name or f"Acme {code}", prefix=prefix or f"{code}-", time_zone=time_zone, kind=kind,
        organisation=organisation, **extra,
    )


def tax_rate(tax_type="OUTPUT", rate="10", name="GST on Income") -> TaxRate:
    return TaxRate.objects.get_or_create(xero_tax_type=tax_type, defaults={"name": name, "rate_percent": D(rate)})[0]


def account(code="41110", name="Hardware Sale - Machine", account_class=AccountClass.REVENUE,
            account_type=AccountType.REVENUE, **extra) -> Account:
    return Account.objects.get_or_create(
        code=code, defaults={"name": name, "account_class": account_class, "account_type": account_type, **extra}
    )[0]


def terms(term_type=PaymentTermType.DAYS_AFTER_INVOICE_DATE, day=30, name=None) -> PaymentTerms:
    return PaymentTerms.objects.get_or_create(
        name=name or f"{day} {term_type}", defaults={"term_type": term_type, "day": day}
    )[0]


def customer(code="C0001", name="Bright Tools Pty Ltd", **extra) -> Customer:
    return Customer.objects.create(code=code, name=name, **extra)


def product(sku="MACH-01", name="Lathe", unit_cost="100.0000", unit_price="250.0000", **extra) -> Product:
    return Product.objects.create(sku=sku, name=name, unit_cost=D(unit_cost), unit_price=D(unit_price), **extra)


def line(description="Lathe", quantity="2", unit_price="250.00", *, account_row=None, tax=True,
         product_row=None) -> InvoiceLineData:
    """One invoice line on 41110 at GST 10 % (tax=False: no tax rate)."""
    return InvoiceLineData(
        description=description, quantity=D(quantity), unit_price=D(unit_price), account=account_row or account(),
        tax_rate=tax_rate() if tax else None, product=product_row,
    )


def draft_invoice(*, on_entity=None, for_customer=None, lines=None, issued_on=None, **extra):
    """A draft on the first entity and customer (made if missing); by default one line of
    2 × 250.00 + 10 % GST = 550.00."""
    return invoice_create(
        entity=on_entity or Entity.objects.first() or entity(),
        customer=for_customer or Customer.objects.first() or customer(),
        issued_on=issued_on or date(2026, 4, 23),
        lines=[line()] if lines is None else lines,
        currency="AUD",
        **extra,
    )


def approved_invoice(**kwargs):
    from bms.billing.services import invoice_approve

    return invoice_approve(invoice=draft_invoice(**kwargs))


def chart_of_every_kind() -> dict[str, Account]:
    """A chart with an account of every kind the select menus must tell apart: right and wrong
    classes, archived, system, bank, and one Xero refuses manual journals on; by role name."""
    return {
        "revenue": account("41110", "Hardware Sale - Machine", "REVENUE", "REVENUE"),
        "other_income": account("42000", "Freight Recovered", "REVENUE", "OTHERINCOME"),
        "archived_revenue": account("41999", "Old Sales", "REVENUE", "REVENUE", status="ARCHIVED"),
        "cogs": account("51110", "Hardware Cost - Machine", "EXPENSE", "DIRECTCOSTS"),
        "overheads": account("56000", "Rent", "EXPENSE", "OVERHEADS"),
        "expense": account("57110", "Sales Expense General", "EXPENSE", "EXPENSE"),
        "archived_expense": account("57999", "Old Expense", "EXPENSE", "EXPENSE", status="ARCHIVED"),
        "depreciation": account("58000", "Depreciation", "EXPENSE", "DEPRECIATN"),
        "stock": account("14410", "Stock on Hand", "ASSET", "CURRENT"),
        "inventory": account("14420", "Inventory", "ASSET", "INVENTORY"),
        "tracked_inventory": account("14430", "Tracked Inventory", "ASSET", "INVENTORY",
                                     accepts_manual_journals=False),
        "fixed": account("16000", "Plant", "ASSET", "FIXED"),
        "bank": account("10100", "Operating Account", "ASSET", "BANK", is_bank=True),
        "receivables": account("11000", "Accounts Receivable", "ASSET", "CURRENT", is_system=True),
        "rounding": account("86000", "Rounding", "EXPENSE", "EXPENSE", is_system=True),
        "payables": account("20000", "Accounts Payable", "LIABILITY", "CURRLIAB", is_system=True),
        "retained": account("33000", "Retained Earnings", "EQUITY", "EQUITY", is_system=True),
    }


def entity_as_the_database_stands(code="AU") -> Entity:
    """For tests that step migrations back: an entity written through the historical model of the
    database as it now stands (a column added later would not exist yet), read back with only the
    columns it has."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    loader = MigrationExecutor(connection).loader
    historical = loader.project_state(list(loader.applied_migrations)).apps.get_model("entities", "Entity")
    row = historical.objects.create(code=code, name=f"Acme {code}", prefix=f"{code}-", time_zone="Australia/Sydney")
    current = {field.name for field in Entity._meta.concrete_fields}
    return Entity.objects.only(*[field.name for field in historical._meta.concrete_fields
                                 if field.name in current]).get(pk=row.pk)
