"""The e-mail about a connection incident: once per incident, to the people who can fix it.

Recipients: BMS_XERO_ALERT_RECIPIENTS when set, else the BMS user who authenticated the grant (else
the Xero user's own address). Sent after the incident's transaction commits; the incident row is
claimed before the send and records to whom it went (healthchecks' "Sending" pattern), so two workers
meeting the same refusal send one e-mail."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from bms.xero.auth.incident_words import incident_text
from bms.xero.models import XeroIncident, XeroTenant
from bms.xero.selectors import entities_for_tenant

logger = logging.getLogger(__name__)


def incident_recipients(incident: XeroIncident) -> list[str]:
    configured = [address for address in settings.BMS_XERO_ALERT_RECIPIENTS if address]
    if configured:
        return configured
    grant = incident.grant
    if grant is None:
        return []
    if grant.authorised_by is not None and grant.authorised_by.email:
        return [grant.authorised_by.email]
    return [grant.authenticated_by_email] if grant.authenticated_by_email else []


def _entities(incident: XeroIncident) -> str:
    tenants = ([incident.tenant] if incident.tenant is not None
               else list(XeroTenant.objects.filter(grant=incident.grant)))
    names = [f"{entity.name} → {tenant.name}" for tenant in tenants if tenant is not None
             for entity in entities_for_tenant(tenant)]
    return "; ".join(names) or "no entity"


def incident_notify(incident_id: int) -> bool:
    """Send the incident's e-mail unless it went already; True when this call sent it."""
    incident = XeroIncident.objects.select_related("grant__authorised_by", "tenant").filter(pk=incident_id).first()
    if incident is None:
        return False
    recipients = incident_recipients(incident)
    claimed = XeroIncident.objects.filter(pk=incident_id, notified_at__isnull=True).update(
        notified_at=timezone.now(), notified_to=", ".join(recipients)[:1000] or "(nobody: no address known)")
    if not claimed or not recipients:
        return False
    text = incident_text(incident)
    subject = f"BMS ⇄ Xero: {text.title} — {_entities(incident)}"
    body = (f"{text.cause}\n\nWhat fixes it: {text.fix}\n\nEntities affected: {_entities(incident)}\n\n"
            f"Open BMS ({settings.BMS_BASE_URL}/admin/entities/) — every page shows this for admins until it is "
            "fixed. Nothing is lost: the work waits and is sent once.\n")
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # a mail server down must not sink the sync; the banner still shows it
        logger.exception("xero incident %s: the e-mail could not be sent", incident_id)
        XeroIncident.objects.filter(pk=incident_id).update(notified_to=f"(failed) {', '.join(recipients)}"[:1000])
        return False
    return True


def incident_notify_on_commit(incident_id: int) -> None:
    transaction.on_commit(lambda: incident_notify(incident_id))
