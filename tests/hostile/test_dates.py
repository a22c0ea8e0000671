"""One sane date range (01/01/1900–31/12/2999) on every form, list filter, service and command:
a date outside it is refused with the range's words, never a 500, and nothing is written."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from bms.billing.models import Invoice, InvoiceStatus
from bms.billing.services import invoice_create
from bms.billing.services.payments import payment_record
from bms.core.dates import RANGE_MESSAGE, DateInRangeField, parse_date_in_range
from bms.core.errors import DomainError
from bms.core.testing import persona
from bms.testing import factories as f
from bms.xero.management.commands.reconcile import _day as reconcile_day

pytestmark = pytest.mark.django_db

OUTSIDE = ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"]
MESSAGE = RANGE_MESSAGE.encode()


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-04-23", date(2026, 4, 23)), (" 1900-01-01 ", date(1900, 1, 1)), ("2999-12-31", date(2999, 12, 31)),
    ("1899-12-31", None), ("3000-01-01", None), ("9999-12-31", None), ("0001-01-01", None), ("2999-12-32", None),
    ("2026-02-30", None), ("20260423", None), ("", None), (None, None), ("abc", None), ("２０２６-04-23", None),
    ("2026-04-23\x00", None), ("-001-01-01", None),
])
def test_it_reads_only_dates_inside_the_range(text, expected):
    assert parse_date_in_range(text) == expected


@pytest.mark.parametrize("text", OUTSIDE)
def test_the_form_field_refuses_a_date_outside_the_range_in_the_ranges_words(text):
    field = DateInRangeField()
    with pytest.raises(Exception, match="between 01/01/1900 and 31/12/2999"):
        field.clean(text)
    assert field.clean("2999-12-31") == date(2999, 12, 31)


@pytest.fixture
def finance(db):
    client = Client()
    client.force_login(persona("finance"))
    return client


@pytest.mark.parametrize("text", OUTSIDE)
def test_an_invoice_dated_outside_the_range_is_refused_at_the_form_and_nothing_is_written(finance, text):
    books = {"entity": f.entity("AU"), "customer": f.customer(), "revenue": f.account()}
    data = {"entity": books["entity"].pk, "customer": books["customer"].pk, "issued_on": text, "currency": "AUD",
            "line_amount_type": "Exclusive", "reference": "", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
            "lines-0-description": "Lathe", "lines-0-quantity": "1", "lines-0-unit_price": "10",
            "lines-0-account": books["revenue"].pk}
    response = finance.post(reverse("billing:invoice_create"), data)
    assert response.status_code == 200 and MESSAGE in response.content
    assert not Invoice.objects.exists()


def test_an_invoice_saved_with_year_9999_is_refused_on_approve_not_a_server_error(finance):
    f.entity("AU"), f.customer(), f.account()
    invoice = f.draft_invoice()
    Invoice.objects.filter(pk=invoice.pk).update(issued_on=date(9999, 12, 31))  # as if saved before the rule
    response = finance.post(reverse("billing:invoice_approve", args=[invoice.pk]), follow=True)
    assert response.status_code == 200 and MESSAGE in response.content
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_the_services_refuse_a_date_outside_the_range_whoever_calls_them(db):
    entity, customer, account = f.entity("AU"), f.customer(), f.account()
    with pytest.raises(DomainError, match="between 01/01/1900") as refused:
        invoice_create(entity=entity, customer=customer, issued_on=date(1, 1, 1), lines=[])
    assert refused.value.field == "issued_on" and not Invoice.objects.exists()
    invoice = f.approved_invoice()
    with pytest.raises(DomainError, match="between 01/01/1900"):
        payment_record(invoice=invoice, amount=Decimal("1.00"), paid_on=date(9999, 12, 31))
    assert not invoice.payments.exists() and account.pk


@pytest.mark.parametrize(("url_name", "params"), [
    ("cogs:journal_list", {"date_from": "9999-12-31"}), ("cogs:journal_list", {"date_to": "0001-01-01"}),
    ("stock:dispatch_list", {"shipped_from": "9999-12-31", "shipped_to": "9999-12-31"}),
    ("stock:dispatch_list", {"shipped_to": "0001-01-01"}),
])
def test_a_list_filtered_by_a_date_outside_the_range_says_so_and_answers(db, url_name, params):
    f.entity("AU")
    client = Client()
    client.force_login(persona("admin"))
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200 and MESSAGE in response.content


@pytest.mark.parametrize("args", [["build", "--date", "9999-12-31"],
                                  ["build", "--from", "0001-01-01", "--to", "2026-01-01"],
                                  ["build", "--from", "2026-01-01", "--to", "2999-12-32"]])
def test_the_journals_command_refuses_a_date_outside_the_range(db, args):
    with pytest.raises(CommandError, match="from 1900-01-01 to 2999-12-31"):
        call_command("journals", *args)


@pytest.mark.parametrize("text", [*OUTSIDE, "2999-12-32", "yesterday"])
def test_the_reconcile_command_refuses_a_date_outside_the_range(text):
    with pytest.raises(CommandError, match="from 1900-01-01 to 2999-12-31"):
        reconcile_day(text)
    assert reconcile_day("2026-04-23") == date(2026, 4, 23)
