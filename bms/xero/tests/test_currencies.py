"""Invoice currencies against the organisation's own (issue 16 item 3), over HTTP: an invoice in a
currency the organisation has not enabled is held before sending; a foreign-currency invoice
carries its CurrencyCode and gets Xero's own day rate; GET /Currencies is kept per tenant."""

import json
from datetime import date
from decimal import Decimal

import pytest

from bms.billing.services import InvoiceLineData, invoice_approve, invoice_create
from bms.testing import factories as f
from bms.xero.models import InvoiceLink, LinkStatus, XeroTenant
from bms.xero.tests.test_invoices import _push, _xero_invoices

pytestmark = pytest.mark.django_db


def _invoice(entity, customer, currency):
    revenue = f.account("41110", "Sales 41110")
    invoice = invoice_create(entity=entity, customer=customer, issued_on=date(2026, 4, 23), currency=currency,
                             lines=[InvoiceLineData("Lathe", Decimal("2"), Decimal("100.00"), revenue, f.tax_rate())])
    return invoice_approve(invoice=invoice)


def _currency_reads(sandbox, tenant) -> int:
    return len([e for e in sandbox.log(tenant.xero_tenant_id) if e["path"].endswith("/Currencies")])


def test_an_invoice_in_a_currency_the_organisation_lacks_is_held_then_sent_once_it_is_added(
    connected, sandbox, au_entity
):
    invoice = _invoice(au_entity, f.customer(), "EUR")  # ISO 4217, but not enabled in the AU organisation
    outcome, _log = _push(connected, [invoice])
    link = InvoiceLink.objects.get(invoice=invoice)
    assert (outcome.failed, link.status, link.error_cause) == (1, LinkStatus.FAILED, "currency EUR not enabled in Xero")
    assert "has no EUR currency in Xero (it has AUD, NZD, USD)" in link.last_error
    assert _xero_invoices(sandbox, connected) == []  # held before sending, not refused by Xero
    sandbox.enable_currency(connected.xero_tenant_id, "EUR")
    outcome, _ = _push(connected, [invoice])  # the kept list lacks EUR: read again once before holding
    assert outcome.created == 1
    [sent] = _xero_invoices(sandbox, connected)
    assert (sent["CurrencyCode"], Decimal(str(sent["CurrencyRate"]))) == ("EUR", Decimal("0.605"))


def test_a_foreign_currency_invoice_carries_its_code_and_gets_xeros_day_rate(connected, sandbox, au_entity):
    sandbox.configure(record_traffic=True)
    customer = f.customer()
    first, second = _invoice(au_entity, customer, "USD"), _invoice(au_entity, customer, "USD")
    _push(connected, [first])
    _push(connected, [second])
    sent = {i["InvoiceNumber"]: i for i in _xero_invoices(sandbox, connected)}
    assert sent[first.display_number]["CurrencyCode"] == "USD"
    assert Decimal(str(sent[first.display_number]["CurrencyRate"])) == Decimal("0.655")  # Xero's, BMS sends none
    bodies = [json.loads(e["request_body"]) for e in sandbox.traffic()
              if e["method"] == "PUT" and e["path"].endswith("/Invoices")]
    assert all("CurrencyRate" not in i and i["CurrencyCode"] == "USD" for body in bodies for i in body["Invoices"])
    assert _currency_reads(sandbox, connected) == 1  # kept on the tenant: the second push asked nothing
    assert XeroTenant.objects.get(pk=connected.pk).currencies == "AUD NZD USD"


def test_an_invoice_in_the_base_currency_costs_no_currency_read(connected, sandbox, au_entity):
    _push(connected, [_invoice(au_entity, f.customer(), "AUD")])
    assert _currency_reads(sandbox, connected) == 0
