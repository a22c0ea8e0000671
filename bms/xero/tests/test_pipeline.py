"""Several batches of one push in flight at once (within the tenant's concurrent-call limit), with
every outcome still settled exactly once on the calling thread."""

import pytest

from bms.billing.models import Invoice, InvoiceStatus
from bms.testing import factories as f
from bms.xero.client.errors import RetryableError
from bms.xero.models import InvoiceLink, LinkStatus, XeroAttempt
from bms.xero.tests.test_invoices import _push, _released, _xero_invoices

pytestmark = pytest.mark.django_db


def test_it_keeps_several_batches_in_flight_without_exceeding_the_concurrent_limit(connected, sandbox, au_entity,
                                                                                    settings):
    settings.XERO_PUSH_IN_FLIGHT = 4
    customers = [f.customer(code=f"P{n:03d}", name=f"Pipeline Customer {n}") for n in range(5)]
    invoices = _released(au_entity, customers, 300)  # six batches of fifty
    sandbox.set_faults(connected.xero_tenant_id, latency_ms=150)  # Xero's answers take time; ours overlap

    outcome, _ = _push(connected, invoices)

    assert outcome.created == 300
    peaks = sandbox.log_summary(connected.xero_tenant_id)["peaks"][connected.xero_tenant_id]
    assert 2 <= peaks["max_in_flight"] <= 5
    assert sorted(i["InvoiceNumber"] for i in _xero_invoices(sandbox, connected)) == sorted(
        i.display_number for i in invoices)
    assert not Invoice.objects.filter(pk__in=[i.pk for i in invoices]).exclude(status=InvoiceStatus.PROCESSED).exists()
    # Attempts made on worker threads reach the attempt log (written on the calling thread).
    assert XeroAttempt.objects.filter(xero_tenant_id=connected.xero_tenant_id, operation="createInvoices").count() == 6


def test_a_batch_that_must_wait_lets_the_batches_already_sent_settle_first(connected, sandbox, au_entity, settings):
    settings.XERO_PUSH_IN_FLIGHT = 4
    settings.XERO_RETRY_BASE_S = 0.001
    customers = [f.customer(code=f"Q{n:03d}", name=f"Storm Customer {n}") for n in range(3)]
    invoices = _released(au_entity, customers, 200)
    _push(connected, invoices[:3])  # contacts, organisation and chart read: the storm hits the invoice calls only
    sandbox.set_faults(connected.xero_tenant_id, error_503_rate=1.0)

    with pytest.raises(RetryableError):
        _push(connected, invoices[3:])

    sandbox.clear_faults(connected.xero_tenant_id)
    # Nothing landed and nothing was lost: every link waits to be sent again with its key.
    statuses = set(InvoiceLink.objects.filter(invoice__in=invoices[3:]).values_list("status", flat=True))
    assert statuses == {LinkStatus.PENDING}
    outcome, _ = _push(connected, invoices[3:])
    assert outcome.created == 197
    assert len(_xero_invoices(sandbox, connected)) == 200
