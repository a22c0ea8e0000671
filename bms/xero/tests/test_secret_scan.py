"""After a full run — connect, sync, a refused record, a Xero outage, a failed job —
no secret appears in the logs, the job logs, the attempt log, the audit log or any page BMS shows."""

import io
import logging
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import httpx2
import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.servers.basehttp import WSGIRequestHandler
from django.urls import reverse

from bms.jobs.models import Job, JobLogEntry
from bms.testing import factories as f
from bms.xero.auth.crypto import decrypt_secret
from bms.xero.models import XeroAttempt, XeroGrant
from bms.xero.tests.test_invoices import _released

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _secrets(grant: XeroGrant, seen_tokens: set[str]) -> set[str]:
    found = {django_settings.XERO_CLIENT_SECRET, django_settings.SECRET_KEY, *django_settings.BMS_TOKEN_KEYS}
    found |= {decrypt_secret(grant.access_token_encrypted), decrypt_secret(grant.refresh_token_encrypted)}
    found |= seen_tokens
    # Long enough fragments too: a log that prints half a token still leaks it.
    return {piece for secret in found if secret for piece in (secret, secret[:24], secret[-24:])}


def _runserver_access_log(request_line: str, status: str) -> str:
    """What runserver (`bms demo`'s web process) prints for a request it answered, through the
    django.server handler settings.LOGGING configures."""
    handler = logging.getLogger("django.server").handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        stub = SimpleNamespace(request=None, log_date_time_string=lambda: "05/Dec/2026 13:00:00")
        WSGIRequestHandler.log_message(stub, '"%s" %s %s', request_line, status, "0")
    finally:
        handler.setStream(previous)
    return stream.getvalue()


def _reauthenticate(admin_client, entity) -> tuple[str, str]:
    """Authenticate with Xero again; the callback's path with its query string, and the access log line."""
    start = admin_client.post(reverse("xero:authenticate", args=[entity.pk]))
    consent = httpx2.get(start["Location"], follow_redirects=False)
    back = urlparse(consent.headers["location"])
    answer = admin_client.get(f"{back.path}?{back.query}")
    return back.query, _runserver_access_log(f"GET {back.path}?{back.query} HTTP/1.1", str(answer.status_code))


def test_it_keeps_every_secret_out_of_logs_job_logs_attempts_and_pages(
    admin_client, connected, sandbox, au_entity, caplog
):
    caplog.set_level(logging.DEBUG)
    tokens_seen = set()
    grant = XeroGrant.objects.get()
    tokens_seen.add(decrypt_secret(grant.access_token_encrypted))
    tokens_seen.add(decrypt_secret(grant.refresh_token_encrypted))
    customers = [f.customer(code=f"C{n:04}", name=f"Customer {n}") for n in range(3)]
    invoices = _released(au_entity, customers, 3)
    invoices += _released(au_entity, customers[:1], 1, code="41900")  # archived in Xero: refused
    admin_client.post(reverse("xero:customers_sync_all"))
    admin_client.post(reverse("xero:invoices_push_all"))
    # Xero falls over for a while: retries, then a failed job with its error in the log.
    sandbox.set_faults(connected.xero_tenant_id, error_500_rate=1.0)
    admin_client.post(reverse("xero:invoice_sync", args=[invoices[0].pk]))
    sandbox.clear_faults(connected.xero_tenant_id)
    admin_client.post(reverse("xero:invoice_sync", args=[invoices[1].pk]))
    query, access_log = _reauthenticate(admin_client, au_entity)
    callback = parse_qs(query)
    tokens_seen |= {callback["code"][0], callback["state"][0]}
    grant.refresh_from_db()
    tokens_seen.add(decrypt_secret(grant.access_token_encrypted))
    tokens_seen.add(decrypt_secret(grant.refresh_token_encrypted))
    assert Job.objects.exists() and XeroAttempt.objects.exists() and JobLogEntry.objects.exists()

    pages = [admin_client.get(url).content.decode() for url in (
        reverse("jobs:job_list"), reverse("audit_log"), reverse("entities:entity_list"),
        reverse("xero:connect_tenant", args=[au_entity.pk]), reverse("billing:invoice_list"),
        *(reverse("jobs:job_detail", args=[job.pk]) for job in Job.objects.all()),
        *(reverse("billing:invoice_detail", args=[invoice.pk]) for invoice in invoices),
    )]
    haystacks = {
        "logs": caplog.text,
        "job logs": "\n".join(JobLogEntry.objects.values_list("message", flat=True)),
        "jobs": "\n".join(repr(row) for row in Job.objects.values_list()),
        "attempt log": "\n".join(repr(row) for row in XeroAttempt.objects.values_list()),
        "audit log": "\n".join(repr(row) for row in apps.get_model("core", "AuditEvent").objects.values_list()),
        "pages": "\n".join(pages),
        "runserver access log": access_log,
    }
    leaks = [(where, secret[:8] + "…") for secret in _secrets(grant, tokens_seen)
             for where, text in haystacks.items() if secret in text]
    assert leaks == []
    assert "Authorization" not in caplog.text and "Bearer " not in caplog.text
    assert "GET /xero/callback/?code=[redacted]&" in access_log and "&state=[redacted]&" in access_log
    assert len(haystacks["job logs"]) > 100 and len(haystacks["pages"]) > 10_000  # the scan really read something
