"""Payments back from Xero (PRODUCT.md §3.5), against the sandbox."""

from decimal import Decimal

import pytest

from bms.billing.models import Invoice, InvoiceStatus
from bms.testing import factories as f
from bms.xero.models import InvoiceLink, PaymentLink
from bms.xero.services.invoices import invoices_push
from bms.xero.services.payments import RECORDED, REVERSED, payments_pull
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import xero_client
from bms.xero.tests.test_invoices import _released

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def pushed(connected, au_entity):
    invoices = _released(au_entity, [f.customer()], 2)
    with xero_client(connected) as client:
        invoices_push(tenant=connected, invoices=invoices, client=client, log=CollectingLog())
    return [Invoice.objects.get(pk=i.pk) for i in invoices]


def _pull(tenant):
    with xero_client(tenant) as client:
        return payments_pull(tenant=tenant, client=client, log=CollectingLog())


def _pay_in_xero(sandbox, tenant, invoice, amount):
    return sandbox.control("POST", f"tenants/{tenant.xero_tenant_id}/payments", invoice_number=invoice.display_number,
                           amount=str(amount), date="2026-05-01")


def test_it_records_each_xero_payment_once_and_completes_the_invoice(connected, sandbox, pushed):
    invoice = pushed[0]
    _pay_in_xero(sandbox, connected, invoice, D("100.00"))
    assert _pull(connected).counts[RECORDED] == 1
    invoice.refresh_from_db()
    assert invoice.balance_amount == invoice.total_amount - D("100.00") and invoice.status == InvoiceStatus.PROCESSED
    _pay_in_xero(sandbox, connected, invoice, invoice.balance_amount)
    assert _pull(connected).counts[RECORDED] == 1
    assert _pull(connected).counts[RECORDED] == 0  # overlapping pulls record nothing twice
    invoice.refresh_from_db()
    assert (invoice.balance_amount, invoice.status) == (D("0.00"), InvoiceStatus.COMPLETED)
    assert PaymentLink.objects.count() == 2 and invoice.payments.count() == 2
    assert InvoiceLink.objects.get(invoice=invoice).last_pulled_at is not None


def test_it_reverses_a_payment_deleted_in_xero(connected, sandbox, pushed):
    invoice = pushed[1]
    paid = _pay_in_xero(sandbox, connected, invoice, invoice.total_amount)
    _pull(connected)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.COMPLETED
    # Someone deletes the payment in Xero (BMS itself only holds accounting.payments.read).
    sandbox.delete_payment(connected.xero_tenant_id, paid["PaymentID"])
    assert _pull(connected).counts[REVERSED] == 1
    invoice.refresh_from_db()
    assert invoice.balance_amount == invoice.total_amount and invoice.status == InvoiceStatus.PROCESSED
    assert invoice.payments.get().reversed_at is not None


def test_it_takes_xeros_balance_when_a_credit_lowers_it_without_a_payment(connected, sandbox, pushed):
    invoice = pushed[0]
    org = sandbox.sandbox.store.orgs[connected.xero_tenant_id]
    xero_invoice = next(i for i in org["invoices"].values() if i["InvoiceNumber"] == invoice.display_number)
    with sandbox.sandbox.store.lock:  # a credit note allocated in Xero
        xero_invoice["AmountCredited"] = D("50.00")
        xero_invoice["AmountDue"] -= D("50.00")
        xero_invoice["UpdatedDateUTC"] = sandbox.sandbox.clock.now()
    _pull(connected)
    invoice.refresh_from_db()
    assert invoice.balance_amount == invoice.total_amount - D("50.00")
