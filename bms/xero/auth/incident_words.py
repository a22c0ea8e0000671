"""A connection incident in words: its title, what Xero refused, the one fix, and the button — the
same sentences on the banner, the panels, the job log, `bms status` and the e-mail."""

from __future__ import annotations

from dataclasses import dataclass

from bms.xero.models import IncidentKind, XeroGrant, XeroIncident, XeroTenant

# What each kind of work is, in a finance admin's words.
FAMILY_WORK = {
    "manualjournals": "post manual journals (the nightly cost-of-sales journals)",
    "invoices": "send invoices",
    "contacts": "create and update contacts",
    "payments": "read and send payments",
    "settings": "read the organisation's settings (accounts, tax rates, tracking)",
}
FAMILY_SHORT = {"manualjournals": "journals", "invoices": "invoices", "contacts": "contacts",
                "payments": "payments", "settings": "settings"}
# The cause a parked link is grouped by (jobs, Check against Xero).
PARKED_CAUSES = {
    IncidentKind.GRANT: "Xero connection needs re-authentication",
    IncidentKind.SCOPE: "Xero connection lacks a permission (scope)",
    IncidentKind.TENANT: "Xero organisation disconnected",
    IncidentKind.PERMISSION: "Xero user not permitted",
}


@dataclass(frozen=True)
class IncidentText:
    """An incident as the screens and the e-mail say it."""

    title: str  # "Needs re-authentication"
    cause: str  # a sentence: what Xero refused
    fix: str  # a sentence: the one thing that fixes it
    action: str  # the button: "Authenticate with Xero" | "Try again"


def _who(grant: XeroGrant | None) -> str:
    if grant is None:
        return "the Xero user who connected"
    return grant.authenticated_by_name or grant.authenticated_by_email or grant.xero_user_id


def _organisations(incident: XeroIncident) -> str:
    if incident.tenant is not None:
        return incident.tenant.name
    if incident.grant is not None:
        return ", ".join(t.name for t in XeroTenant.objects.filter(grant=incident.grant)) or "its organisations"
    return "the organisation"


def incident_text(incident: XeroIncident) -> IncidentText:
    who, orgs = _who(incident.grant), _organisations(incident)
    work = FAMILY_WORK.get(incident.family, "do this")
    if incident.kind == IncidentKind.GRANT:
        return IncidentText(
            "Needs re-authentication",
            f"Xero no longer accepts the connection {who} authenticated for {orgs} (revoked or expired; Xero "
            f"answered {incident.detail}).",
            "An admin presses Authenticate with Xero; the waiting work is then sent, once.",
            "Authenticate with Xero")
    if incident.kind == IncidentKind.SCOPE:
        return IncidentText(
            "Missing permission (scope)",
            f"The Xero connection for {orgs} does not include the permission to {work} (Xero answered "
            "insufficient_scope).",
            "An admin presses Authenticate with Xero and allows access: the consent asks for it again; "
            f"the waiting {FAMILY_SHORT.get(incident.family, 'work')} are then sent, once.",
            "Authenticate with Xero")
    if incident.kind == IncidentKind.TENANT:
        return IncidentText(
            "Organisation disconnected",
            f"{orgs} is no longer connected to BMS in Xero (Xero answered 403 {incident.detail}).",
            f"An admin presses Authenticate with Xero and ticks {orgs} to reconnect it; the waiting work is "
            "then sent, once.",
            "Authenticate with Xero")
    role = (" the Standard + All Reports or Adviser role" if incident.family == "manualjournals"
            else " a role that allows it")
    return IncidentText(
        "Xero user not permitted",
        f"{who} is not permitted to {work} in {orgs}: Xero refused it because of the user's role "
        f"(\"{incident.detail}\"). Only the {FAMILY_SHORT.get(incident.family, 'work')} wait; everything "
        "else is sent.",
        f"A Xero admin gives {who}{role} in Xero (Settings → Users), then an admin presses Try again here — "
        "or authenticates with Xero as a user who has that role.",
        "Try again")
