"""Small builders for test data; other apps' tests reuse them.

Each builder makes one row with sensible defaults and takes keywords for what a test cares about.
Accounts and tax rates are get-or-create by code, so calling them twice gives the same row.
"""

from datetime import date
from decimal import Decimal

from bms.billing.models import Customer, PaymentTerms, PaymentTermType
from bms.billing.services import InvoiceLineData, invoice_create
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
