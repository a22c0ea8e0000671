"""After a full run — connect, sync, a refused record, a Xero outage, a failed job —
no secret appears in the logs, the job logs, the attempt log, the audit log or any page BMS shows."""

import logging

import pytest
from django.apps import apps
from django.conf import settings as django_settings
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
    }
    leaks = [(where, secret[:8] + "…") for secret in _secrets(grant, tokens_seen)
             for where, text in haystacks.items() if secret in text]
    assert leaks == []
    assert "Authorization" not in caplog.text and "Bearer " not in caplog.text
    assert len(haystacks["job logs"]) > 100 and len(haystacks["pages"]) > 10_000  # the scan really read something
