"""Compare to Xero and Sync from Xero (PRODUCT.md §3.3), against the sandbox."""

import pytest
from django.urls import reverse

from bms.jobs.models import Job, JobStatus
from bms.ledger.models import Account, AccountStatus, TaxRate
from bms.testing import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_compares_the_chart_per_organisation(admin_client, connected):
    f.account("41110", "Hardware Sale - Machine", tax_rate=f.tax_rate("OUTPUT"))
    f.account("41120", "Parts Sales (old name)", tax_rate=f.tax_rate("OUTPUT"))
    f.account("41900", "Hardware Sale - Legacy Range")
    f.account("99999", "Only In BMS")
    page = admin_client.get(reverse("xero:chart_compare"))
    rows = {(d.code, d.kind) for d in page.context["differences"]}
    assert ("99999", "Only in BMS") in rows
    assert ("41120", "Name differs") in rows
    assert ("41900", "Archived in Xero") in rows
    assert ("47000", "Only in Xero") in rows
    assert ("41110", "Name differs") not in rows
    assert b"Compare to Xero" in admin_client.get(reverse("ledger:account_list")).content


def test_it_syncs_accounts_and_tax_rates_from_xero_without_deleting(admin_client, connected):
    keep = f.account("99999", "Only In BMS")
    admin_client.post(reverse("xero:chart_sync"), {"tenant": connected.pk})
    job = Job.objects.get(kind="xero.chart.sync")
    assert job.status == JobStatus.COMPLETED and "accounts added" in job.result
    assert Account.objects.get(code="47000").name == "Sundry Income"
    assert Account.objects.get(code="41900").status == AccountStatus.ARCHIVED
    assert Account.objects.get(code="11000").is_system and Account.objects.get(code="10100").is_bank
    assert TaxRate.objects.filter(xero_tax_type="EXEMPTOUTPUT").exists()
    assert Account.objects.filter(pk=keep.pk).exists()  # never deletes


def test_a_second_sync_from_xero_counts_only_what_changed(connected):
    """Issue 17: "1 accounts added, 27 updated" when nothing differed. Run twice, the second run
    changes nothing and says so; one account renamed in BMS is the one update."""
    from bms.xero.services.chart import chart_sync_from_xero
    from bms.xero.tests.conftest import xero_client

    with xero_client(connected) as client:
        first = chart_sync_from_xero(client=client)
        assert first.counts.get("accounts added", 0) > 1
        again = chart_sync_from_xero(client=client)
        assert again.counts == {} and again.summary() == (
            "nothing changed: BMS's accounts and tax rates already match Xero's")
        Account.objects.filter(code="47000").update(name="Renamed in BMS")
        once = chart_sync_from_xero(client=client)
    assert once.counts == {"accounts updated": 1} and once.summary() == "1 account updated"
    assert Account.objects.get(code="47000").name == "Sundry Income"
