"""Acceptance (issue 17), property-based: every action URL (approve, cancel, release, allocate, refund,
re-trigger, re-send, Sync from Xero, pull payments, reconcile now, settings, connect) posted with
hostile values — dates, amounts (1e30, -0, NaN, Infinity, 15 decimals), ids, lengths, unicode — by
an admin or a finance user: never a server error, and a refused post leaves every table as it was."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bms.billing.services import credit_note_create_standalone, credit_note_release
from bms.billing.services.credit_lines import CreditNoteLineData
from bms.core.testing import persona
from bms.jobs.models import Job, JobStatus
from bms.ledger.selectors import account_defaults
from bms.preferences.selectors import general_settings
from bms.testing import factories as f
from tests.hostile.crawl import HOSTILE, Writes, _refused

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

AMOUNTS = ["1e30", "-0", "NaN", "Infinity", "-Infinity", "0.123456789012345", "99999999999999999999.99", "0.001"]
DATES = ["9999-12-31", "0001-01-01", "2999-12-32", "1899-12-31", "3000-01-01", "2026-02-30", "2026-04-30"]
IDS = ["-1", "0", str(10**20), "abc", "9223372036854775808", "1", "2"]
value = st.one_of(st.sampled_from(HOSTILE + AMOUNTS + DATES + IDS), st.text(max_size=40).filter(
    lambda text: "\x00" not in text))
FIELDS = ["amount", "paid_on", "allocated_on", "issued_on", "invoice", "reference", "tenant", "date_from", "date_to",
          "full", "cause", "next", "entity", "go_live_on", "mode", "default_currency", "invoice_status",
          "payments_account", "zero_rate_tax_type", "journal_tax_type", "confirm_relink", "repair", "row"]
ACTIONS = ["billing:invoice_approve", "billing:invoice_cancel", "billing:credit_note_release",
           "billing:credit_note_cancel", "billing:credit_allocate", "billing:refund_record",
           "billing:credit_note_from_invoice", "jobs:job_retry", "jobs:job_resend", "xero:chart_sync",
           "xero:payments_pull_now", "xero:customer_sync", "xero:invoice_sync", "xero:connect_tenant",
           "xero:remove_authentication", "xero:check_start", "reconcile:run_now", "preferences:general",
           "ledger:account_defaults", "xero:customers_sync_all", "xero:invoices_push_all", "xero:tracking"]


@pytest.fixture
def world(db):
    books = {"entity": f.entity("AU"), "customer": f.customer(), "revenue": f.account(), "gst": f.tax_rate()}
    books["draft"] = f.draft_invoice()
    books["approved"] = f.approved_invoice(lines=[f.line("Lathe", "3", "250.00")])
    books["credit_note"] = credit_note_release(credit_note=credit_note_create_standalone(
        customer=books["customer"], entity=books["entity"], issued_on=date(2026, 4, 23), currency="AUD",
        lines=[CreditNoteLineData(description="Rebate", quantity=Decimal("1"), unit_price=Decimal("50.00"),
                                  account=books["revenue"])]))
    books["job"] = Job.objects.create(kind="xero.invoices.push", description="Push", params={},
                                      status=JobStatus.FAILED, error_count=1)
    account_defaults()
    general_settings()
    clients = {}
    for role in ("admin", "finance"):
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(persona(role))
    return books, clients


def _url(name: str, books) -> str:
    pk = {"billing:invoice_approve": books["draft"].pk, "billing:invoice_cancel": books["draft"].pk,
          "billing:credit_note_from_invoice": books["approved"].pk, "xero:invoice_sync": books["approved"].pk,
          "jobs:job_retry": books["job"].pk, "jobs:job_resend": books["job"].pk,
          "xero:customer_sync": books["customer"].pk}.get(name)
    if name.startswith("billing:credit") or name == "billing:refund_record":
        pk = books["credit_note"].pk
    if name.startswith(("xero:payments", "xero:connect", "xero:remove")):
        pk = books["entity"].pk
    return reverse(name, args=[pk] if pk is not None else [])


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(action=st.sampled_from(ACTIONS), role=st.sampled_from(["admin", "finance"]),
       data=st.dictionaries(st.sampled_from(FIELDS), value, min_size=1, max_size=8))
def test_every_action_survives_hostile_values_and_a_refusal_writes_nothing(world, action, role, data):
    books, clients = world
    writes = Writes()
    response = clients[role].post(_url(action, books), data)
    assert response.status_code < 500, (action, data)
    if _refused("post", response):
        assert writes.changed_tables() == [], (action, role, data, response.status_code)
