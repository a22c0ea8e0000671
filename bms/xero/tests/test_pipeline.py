"""Several batches of one push in flight at once (within the tenant's concurrent-call limit), with
every outcome still settled exactly once on the calling thread."""

import pytest

from bms.billing.models import Invoice, InvoiceStatus
from bms.testing import factories as f
from bms.xero.auth.crypto import decrypt_secret
from bms.xero.client.errors import RetryableError
from bms.xero.models import GrantStatus, InvoiceLink, LinkStatus, XeroAttempt, XeroGrant, XeroIncident
from bms.xero.services.chart_check import ChartCheck
from bms.xero.tests.conftest import xero_client
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
    _push(connected, invoices[:3])  # contacts and organisation read
    with xero_client(connected) as client:
        chart = ChartCheck(client)
        assert chart.account_problem("41110") == ""  # read now: the storm hits the invoice calls only
    sandbox.set_faults(connected.xero_tenant_id, error_503_rate=1.0)

    with pytest.raises(RetryableError):
        _push(connected, invoices[3:], chart=chart)
    assert XeroAttempt.objects.filter(operation="createInvoices", status_code=503).exists()

    sandbox.clear_faults(connected.xero_tenant_id)
    # Nothing landed and nothing was lost: every link waits to be sent again with its key.
    statuses = set(InvoiceLink.objects.filter(invoice__in=invoices[3:]).values_list("status", flat=True))
    assert statuses == {LinkStatus.PENDING}
    outcome, _ = _push(connected, invoices[3:])
    assert outcome.created == 197
    assert len(_xero_invoices(sandbox, connected)) == 200


def test_batches_queued_behind_a_failure_are_not_sent_and_wait_with_their_keys(connected, sandbox, au_entity,
                                                                               settings):
    settings.XERO_PUSH_IN_FLIGHT = 2  # two in flight, two queued behind them: the fifth finds the failure
    settings.XERO_RETRY_BASE_S = 0.001
    customers = [f.customer(code=f"W{n:03d}", name=f"Queue Customer {n}") for n in range(3)]
    invoices = _released(au_entity, customers, 253)
    _push(connected, invoices[:3])  # contacts and organisation read
    with xero_client(connected) as client:
        chart = ChartCheck(client)
        assert chart.account_problem("41110") == ""  # read now: the storm hits the invoice calls only
    sandbox.set_faults(connected.xero_tenant_id, error_503_rate=1.0)

    with pytest.raises(RetryableError):
        _push(connected, invoices[3:], chart=chart)  # five batches

    sent = set(XeroAttempt.objects.filter(xero_tenant_id=connected.xero_tenant_id, operation="createInvoices")
               .values_list("idempotency_key", flat=True))
    assert 2 <= len(sent) - 1 <= 4  # (the first push's batch) the last batch never left
    statuses = set(InvoiceLink.objects.filter(invoice__in=invoices[3:]).values_list("status", flat=True))
    assert statuses == {LinkStatus.PENDING}  # nothing landed, nothing left "sending" to look up
    sandbox.clear_faults(connected.xero_tenant_id)
    outcome, _ = _push(connected, invoices[3:])
    assert outcome.created == 250
    assert len(_xero_invoices(sandbox, connected)) == 253


def test_a_token_xero_expired_early_is_refreshed_once_for_the_batches_in_flight(connected, sandbox, au_entity,
                                                                               settings):
    settings.XERO_PUSH_IN_FLIGHT = 4
    customers = [f.customer(code=f"T{n:03d}", name=f"Token Customer {n}") for n in range(3)]
    invoices = _released(au_entity, customers, 203)
    _push(connected, invoices[:3])  # contacts and organisation read
    with xero_client(connected) as client:
        chart = ChartCheck(client)
        assert chart.account_problem("41110") == ""  # read now: the batches are the first calls to meet it
    grant = XeroGrant.objects.get()
    before = decrypt_secret(grant.access_token_encrypted)
    sandbox.expire_tokens(sandbox.state()["grants"][0]["grant_id"])  # BMS still thinks it has 30 minutes

    outcome, _ = _push(connected, invoices[3:], chart=chart)

    assert outcome.created == 200  # four batches, sent on the workers
    grant.refresh_from_db()
    assert grant.status == GrantStatus.ACTIVE and decrypt_secret(grant.access_token_encrypted) != before
    assert not XeroIncident.objects.exists()  # nothing parked, nobody told
    answers = list(XeroAttempt.objects.filter(operation="createInvoices").order_by("pk")
                   .values_list("status_code", flat=True))[1:]  # (the first push's batch)
    assert answers.count(200) == 4 and 1 <= answers.count(401) <= 4  # each batch sent again once at most
    assert len(_xero_invoices(sandbox, connected)) == 203
