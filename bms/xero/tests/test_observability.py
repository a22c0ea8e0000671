"""What an operator watches: a structured line per Xero call, and the Xero lines of `bms status`
(the command belongs to the jobs app; bms/xero/status_lines.py contributes these)."""

from io import StringIO

import pytest
from django.core.management import call_command

from bms.jobs.services import job_enqueue
from bms.xero.models import GrantStatus, InvoiceLink, LinkStatus, XeroGrant
from bms.xero.tests.conftest import xero_client


def test_every_xero_call_logs_job_tenant_operation_outcome_and_remaining_limits(connected, caplog):
    caplog.set_level("INFO", logger="bms.xero.calls")
    with xero_client(connected) as client:
        client.get_organisations()
    [record] = [r for r in caplog.records if r.name == "bms.xero.calls"]
    fields = record.fields
    assert (fields["tenant"], fields["operation"], fields["outcome"], fields["status"]) == (
        connected.xero_tenant_id, "getOrganisations", "ok", 200)
    assert fields["minute_remaining"] is not None and fields["day_remaining"] is not None
    assert "job" in fields and "app_minute_remaining" in fields


@pytest.mark.django_db
def test_status_shows_queue_jobs_parked_organisations_and_connections_to_re_authenticate(connected):
    from bms.testing import factories as f

    invoice = f.approved_invoice(on_entity=connected.entities.first().entity)
    InvoiceLink.objects.create(tenant=connected, invoice=invoice, status=LinkStatus.PARKED)
    XeroGrant.objects.filter(pk=connected.grant_id).update(status=GrantStatus.NEEDS_REAUTH,
                                                          status_reason="invalid_grant")
    job_enqueue(kind="jobs.prune_logs", description="Tidy old job logs")
    out = StringIO()
    call_command("status", stdout=out)
    text = out.getvalue()
    assert "Queue depth: " in text
    # (the test's transaction never commits)
    assert "Queued: 1, Working: 0, Completed: 0, Completed with errors: 0, Failed: 0" in text
    assert f"{connected.name}: 1 record parked — invalid_grant" in text
    assert f"Dana Demo ({connected.name}, " in text and text.rstrip().endswith("): invalid_grant")


@pytest.mark.django_db
def test_status_says_none_when_all_is_well():
    out = StringIO()
    call_command("status", stdout=out)
    assert out.getvalue().splitlines()[3:] == ["Parked Xero organisations: none",
                                               "Connections needing re-authentication: none"]
