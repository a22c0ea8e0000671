"""The demo data (`bms seed_demo`): two organisations in different time zones and a branch, an
Australian chart of accounts, customers, products, invoices in every status, a few credit notes and
30 days of dispatches. Deterministic and idempotent: every record has a natural key and is skipped when it
exists, so a second run changes nothing."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from bms.billing.models import Invoice
from bms.billing.services import (
    InvoiceLineData,
    invoice_approve,
    invoice_cancel,
    invoice_create,
    invoice_mark_processed,
    payment_record,
)
from bms.cogs.services import journals_build_due
from bms.core.roles import Role
from bms.core.tz import local_time_utc, trading_day
from bms.customers.models import Customer, PaymentTerms, PaymentTermType
from bms.demo.chart import ACCOUNTS, DEFAULTS, TAX_RATES
from bms.demo.credit_notes import seed_credit_notes
from bms.entities.models import Entity, EntityKind
from bms.ledger.models import Account, AccountDefaults, TaxRate
from bms.preferences.models import GeneralSettings, IntegrationPackage
from bms.stock.models import Dispatch, Product
from bms.stock.services import dispatch_allocate, dispatch_cancel, dispatch_create, dispatch_ship
from bms.xero.models import EntityTracking

D = Decimal
SEED = 2026
DEMO_USERS = [("admin", Role.ADMIN, True, "Alex", "Admin"), ("finance", Role.FINANCE, False, "Fiona", "Finance"),
              ("staff", Role.STAFF, False, "Sam", "Staff")]
ENTITIES = [
    # code, name, trading name, prefix, zone, default, region, division, organisation
    ("AU", "Acme Distribution Pty Ltd", "Acme Machinery", "AU-", "Australia/Sydney", True, "Sydney", "Machinery", None),
    ("NZ", "Acme Distribution NZ Ltd", "Acme NZ", "NZ-", "Pacific/Auckland", False, "Auckland", "Machinery", None),
    ("MEL", "Acme Melbourne", "Acme Machinery Melbourne", "MEL-", "Australia/Melbourne", False, "Melbourne",
     "Parts", "AU"),
]
TERMS = [
    ("30 days after invoice date", PaymentTermType.DAYS_AFTER_INVOICE_DATE, 30),
    ("7 days after invoice date", PaymentTermType.DAYS_AFTER_INVOICE_DATE, 7),
    ("20th of the following month", PaymentTermType.OF_FOLLOWING_MONTH, 20),
    ("End of the current month", PaymentTermType.OF_CURRENT_MONTH, 31),
    ("14 days after end of invoice month", PaymentTermType.DAYS_AFTER_INVOICE_MONTH, 14),
]
FIRST = ["Bright", "Southern", "Harbour", "Coastal", "Summit", "Ironbark", "Kauri", "Pacific", "Red Gum", "Tasman",
         "Outback", "Silver Fern", "Blue Mountains", "Golden Plains", "Murray", "Canterbury", "Waratah", "Kiwi",
         "Eastside", "Northern"]
SECOND = ["Tools", "Engineering", "Fabrication", "Machining", "Constructions", "Agriculture", "Mining Supplies",
          "Joinery", "Motors", "Plumbing", "Electrical", "Workshops", "Builders", "Logistics", "Manufacturing"]
CITIES_AU = [("Sydney", "NSW", "2000"), ("Parramatta", "NSW", "2150"), ("Newcastle", "NSW", "2300"),
             ("Melbourne", "VIC", "3000"), ("Geelong", "VIC", "3220"), ("Brisbane", "QLD", "4000")]
CITIES_NZ = [("Auckland", "AUK", "1010"), ("Hamilton", "WKO", "3204"), ("Christchurch", "CAN", "8011")]
STREETS = ["George St", "Industrial Ave", "Station Rd", "Harbour Dr", "Factory Ln", "Quarry Rd", "Enterprise Way"]
PRODUCT_LINES = [
    ("MCH", "Machine", ["Lathe", "Milling Machine", "Drill Press", "Band Saw", "Surface Grinder", "Welder"],
     (D("1200"), D("9000")), "41110", "51110"),
    ("PRT", "Parts", ["Chuck", "Tool Post", "Spindle Bearing", "Drive Belt", "Coolant Pump", "Collet Set"],
     (D("20"), D("600")), "41120", "51120"),
    ("CON", "Consumables", ["Cutting Oil 5L", "Grinding Disc", "Welding Wire", "Drill Bit Set", "Saw Blade"],
     (D("5"), D("120")), "41130", "51130"),
]


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int = 1) -> None:
        if count:
            self.created[name] = self.created.get(name, 0) + count

    def summary(self) -> str:
        if not self.created:
            return "Demo data already loaded: nothing to add."
        return "Created " + ", ".join(f"{count} {name}" for name, count in self.created.items()) + "."


def seed_demo(*, today: date | None = None) -> SeedReport:
    report = SeedReport()
    rng = random.Random(SEED)
    with transaction.atomic():
        _settings(report)
        _users(report)
        taxes = _tax_rates(report)
        accounts = _accounts(report, taxes)
        _defaults(accounts)
        terms = _terms(report)
        entities = _entities(report)
        customers = _customers(report, rng, terms)
        products = _products(report, rng, accounts, taxes)
    today = today or trading_day(timezone.now(), "Australia/Sydney")
    _invoices(report, random.Random(SEED + 1), entities, customers, products, today)
    _dispatches(report, entities, customers, products, today)
    _journals(report, entities)
    seed_credit_notes(report, today=today)
    return report


def _journals(report: SeedReport, entities) -> None:
    """The nights before the demo started, caught up as the worker would at 01:00: Admin → Journals
    has something to show and push at once. Days built already are left as they are."""
    for entity in entities.values():
        report.add("journals", len(journals_build_due(entity=entity).built))


def _settings(report: SeedReport) -> None:
    settings_row, created = GeneralSettings.objects.get_or_create(pk=1)
    if created or not Entity.objects.exists():  # a fresh demo (a re-run keeps what people changed)
        settings_row.default_currency = "AUD"
        settings_row.default_time_zone = "Australia/Sydney"
        settings_row.integration_package = IntegrationPackage.XERO
        settings_row.save()
        report.add("settings")


def _users(report: SeedReport) -> None:
    users = get_user_model()
    for username, role, is_superuser, first, last in DEMO_USERS:
        if users.objects.filter(username=username).exists():
            continue
        user = users(username=username, role=role, is_superuser=is_superuser, is_staff=is_superuser,
                     first_name=first, last_name=last, email=f"{username}@example.com")
        # Demo only: the password equals the user name, deliberately bypassing the validators.
        user.set_password(username)
        user.save()
        report.add("users")


def _tax_rates(report: SeedReport) -> dict[str, TaxRate]:
    for tax_type, name, rate in TAX_RATES:
        _, created = TaxRate.objects.get_or_create(xero_tax_type=tax_type,
                                                   defaults={"name": name, "rate_percent": D(rate)})
        report.add("tax rates", int(created))
    return {rate.xero_tax_type: rate for rate in TaxRate.objects.all()}


def _accounts(report: SeedReport, taxes: dict[str, TaxRate]) -> dict[str, Account]:
    for code, name, account_class, account_type, tax_type, flags in ACCOUNTS:
        _, created = Account.objects.get_or_create(
            code=code, defaults={"name": name, "account_class": account_class, "account_type": account_type,
                                 "tax_rate": taxes.get(tax_type), **flags},
        )
        report.add("accounts", int(created))
    return {account.code: account for account in Account.objects.all()}


def _defaults(accounts: dict[str, Account]) -> None:
    defaults, _ = AccountDefaults.objects.get_or_create(pk=1)
    if defaults.sales_account_id is None:
        for name, code in DEFAULTS.items():
            setattr(defaults, name, accounts[code])
        defaults.save()


def _terms(report: SeedReport) -> list[PaymentTerms]:
    for name, term_type, day in TERMS:
        _, created = PaymentTerms.objects.get_or_create(name=name, defaults={"term_type": term_type, "day": day})
        report.add("payment terms", int(created))
    return list(PaymentTerms.objects.order_by("name"))


def _entities(report: SeedReport) -> dict[str, Entity]:
    for code, name, trading, prefix, zone, default, region, division, parent in ENTITIES:
        if Entity.objects.filter(code=code).exists():
            continue
        entity = Entity.objects.create(
            code=code, name=name, trading_name=trading, prefix=prefix, time_zone=zone, is_default=default,
            kind=EntityKind.BRANCH if parent else EntityKind.ORGANISATION,
            organisation=Entity.objects.get(code=parent) if parent else None,
        )
        # Tracking as an older BMS held it, as text: connecting the entity matches it to the Xero
        # organisation's own options (the path an upgraded instance takes).
        for position, (category, option) in enumerate((("Region", region), ("Division", division)), start=1):
            EntityTracking.objects.create(entity=entity, position=position, legacy_category_name=category,
                                          legacy_option_name=option)
        report.add("entities")
    return {entity.code: entity for entity in Entity.objects.all()}


def _customers(report: SeedReport, rng: random.Random, terms: list[PaymentTerms]) -> list[Customer]:
    for number in range(1, 51):
        code = f"C{number:04d}"
        # Draw every value even for existing customers, so the sequence stays the same on a re-run.
        name = f"{rng.choice(FIRST)} {rng.choice(SECOND)} {'Ltd' if number % 5 == 0 else 'Pty Ltd'}"
        is_nz = number % 5 == 0
        city, region, postcode = rng.choice(CITIES_NZ if is_nz else CITIES_AU)
        street = f"{rng.randint(1, 400)} {rng.choice(STREETS)}"
        term = rng.choice(terms)
        tax_number = f"{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
        if Customer.objects.filter(code=code).exists():
            continue
        Customer.objects.create(
            code=code, name=f"{name} ({code})" if Customer.objects.filter(name=name).exists() else name,
            email=f"accounts@{name.split()[0].lower()}{number}.example.com",
            phone=f"+{'64 9' if is_nz else '61 2'} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
            postal_address_line1=f"PO Box {rng.randint(100, 9999)}", postal_city=city, postal_region=region,
            postal_postcode=postcode, postal_country="New Zealand" if is_nz else "Australia",
            street_address_line1=street, street_city=city, street_region=region, street_postcode=postcode,
            street_country="New Zealand" if is_nz else "Australia",
            tax_number=tax_number, payment_terms=term,
        )
        report.add("customers")
    return list(Customer.objects.order_by("code"))


def _products(report, rng, accounts, taxes) -> list[Product]:
    number = 0
    for prefix, family, names, (low, high), sales_code, cost_code in PRODUCT_LINES:
        for index in range(67 if prefix != "CON" else 66):
            number += 1
            sku = f"{prefix}-{index + 1:03d}"
            base = rng.choice(names)
            size = rng.choice(["", " Mk II", " Compact", " Heavy Duty", " 240V", " Pro"])
            cost = (low + (high - low) * D(rng.random())).quantize(D("0.01"))
            margin = D("1.25") + D(rng.randint(0, 60)) / 100
            if Product.objects.filter(sku=sku).exists():
                continue
            # A few products carry their own accounts, overriding the defaults.
            own = index % 10 == 0
            Product.objects.create(
                sku=sku, name=f"{base}{size} ({family})", unit_cost=cost,
                unit_price=(cost * margin).quantize(D("0.01")),
                tax_rate=taxes["OUTPUT"], sales_account=accounts[sales_code] if own else None,
                cost_account=accounts[cost_code] if own else None,
            )
            report.add("products")
    return list(Product.objects.select_related("sales_account", "tax_rate").order_by("sku"))


STATUS_PLAN = ["draft"] * 60 + ["approved"] * 80 + ["processed"] * 80 + ["completed"] * 50 + ["cancelled"] * 30


def _invoices(report, rng, entities, customers, products, today) -> None:
    revenue = Account.objects.get(code=DEFAULTS["sales_account"])
    nz_gst = TaxRate.objects.get(xero_tax_type="OUTPUT2")
    finance = get_user_model().objects.filter(username="finance").first()
    codes = ["AU", "AU", "NZ", "MEL"]
    for number, status in enumerate(STATUS_PLAN, start=1):
        reference = f"PO-{4000 + number}"
        entity = entities[codes[number % len(codes)]]
        customer = rng.choice(customers)
        issued_on = today - timedelta(days=rng.randint(0, 60))
        picks = [rng.choice(products) for _ in range(rng.randint(1, 4))]
        quantities = [D(rng.randint(1, 5)) for _ in picks]
        paid_fraction = D(rng.randint(20, 80)) / 100
        if Invoice.objects.filter(entity=entity, reference=reference).exists():
            continue
        lines = [
            InvoiceLineData(description=p.name, quantity=q, unit_price=p.unit_price,
                            account=p.sales_account or revenue,
                            tax_rate=nz_gst if entity.code == "NZ" else p.tax_rate, product=p)
            for p, q in zip(picks, quantities, strict=True)
        ]
        with transaction.atomic():
            invoice = invoice_create(entity=entity, customer=customer, issued_on=issued_on, lines=lines,
                                     currency="NZD" if entity.code == "NZ" else "AUD", reference=reference,
                                     created_by=finance)
            if status == "cancelled":
                invoice_cancel(invoice=invoice)
            elif status != "draft":
                invoice = invoice_approve(invoice=invoice)
                if status == "processed":
                    invoice = invoice_mark_processed(invoice=invoice)
                if status == "completed":
                    # Settled in BMS before any accounting system: once connected, those dated on or
                    # after the go-live date are sent with these payments (PRODUCT.md §3.8).
                    paid_on = min(today, issued_on + timedelta(days=rng.randint(1, 20)))
                    part = (invoice.total_amount * paid_fraction).quantize(D("0.01"))
                    payment_record(invoice=invoice, amount=part, paid_on=paid_on, reference="EFT")
                    payment_record(invoice=invoice, amount=invoice.total_amount - part, paid_on=paid_on,
                                   reference="EFT balance")
        report.add("invoices")


def _dispatches(report, entities, customers, products, today) -> None:
    for entity in entities.values():
        # An entity that already has dispatches is left alone, even when this run is on a later
        # day: back-filling shipments into days since the first seed would change the demo on every
        # run and could land in days whose cost-of-sales journals the worker has already built.
        if Dispatch.objects.filter(entity=entity).exists():
            continue
        # One generator per entity, so an entity's dispatches do not depend on which others exist.
        rng = random.Random(f"{SEED}:dispatches:{entity.code}")
        # All of an entity's dispatches or none, which is what makes the check above sufficient.
        with transaction.atomic():
            report.add("dispatches", _entity_dispatches(rng, entity, customers, products, today))


def _entity_dispatches(rng, entity, customers, products, today) -> int:
    created = 0
    for days_ago in range(30, 0, -1):
        day = today - timedelta(days=days_ago)
        for slot in range(rng.randint(4, 9)):
            reference = f"{entity.prefix}D{day:%y%m%d}-{slot + 1:02d}"
            # Spread over the local working day, including late evening shipments near midnight.
            minutes = rng.choice([rng.randint(7 * 60, 18 * 60), rng.randint(22 * 60, 23 * 60 + 59)])
            shipped_at = local_time_utc(day, time(minutes // 60, minutes % 60), entity.time_zone)
            picks = [(rng.choice(products), D(rng.randint(1, 6))) for _ in range(rng.randint(1, 4))]
            fate = rng.random()
            dispatch = dispatch_create(entity=entity, customer=rng.choice(customers), reference=reference,
                                       lines=picks)
            if days_ago <= 1 and fate < 0.3:
                dispatch_allocate(dispatch=dispatch)  # picked, not shipped yet
            else:
                dispatch_ship(dispatch=dispatch, shipped_at=shipped_at)
                if fate > 0.97:
                    # Never in the future: a late shipment yesterday plus two hours can pass a run after midnight.
                    dispatch_cancel(dispatch=dispatch, now=min(shipped_at + timedelta(hours=2), timezone.now()))
            created += 1
    return created
