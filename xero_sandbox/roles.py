"""A Xero user's role in one organisation, as far as the API feels it: a user whose role does not allow
a kind of work is refused it, whatever the token's scopes (xero-notes §8: only "Standard + All Reports"
or Adviser users may post manual journals, and "the connecting user's role constrains the API").

Xero answers such a call with a 403 whose Detail is "You are not permitted to access this resource"
(xero-notes §4: "403 — user lacks permission"; Xero's words as clients met them: XeroAPI/Xero-Net#347
"You are not permitted to access this resource without the reporting role or higher privileges.",
calcinai/xero-php#632, langleyfoxall/xero-laravel#37). The control API's
`POST /_sandbox/tenants/{id}/roles` sets which families a user may not write (or read):
{"deny": ["manualjournals"], "user_id"?: …, "reads": false}; {"deny": []} gives the role back."""

from __future__ import annotations

from xero_sandbox.errors import ApiError, problem

NOT_PERMITTED = "You are not permitted to access this resource"
REPORTING_ROLE = f"{NOT_PERMITTED} without the reporting role or higher privileges."
FAMILIES = ("settings", "contacts", "invoices", "payments", "manualjournals")


def role_refusal(org: dict, user_id: str, family: str, *, write: bool) -> ApiError | None:
    """The 403 for a call this user's role does not allow in this organisation, else None."""
    for rule in org.get("roles", {}).get(user_id, []) + org.get("roles", {}).get("*", []):
        if family == rule["family"] and (write or rule.get("reads", False)):
            detail = REPORTING_ROLE if family == "manualjournals" else NOT_PERMITTED
            return problem(403, "Forbidden", detail)
    return None


def roles_set(org: dict, *, user_id: str, deny: list[str], reads: bool) -> dict:
    """Replace what this user (or "*": every user) may not do here; returns the organisation's rules."""
    unknown = [family for family in deny if family not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown families: {', '.join(unknown)}; known: {', '.join(FAMILIES)}")
    roles = org.setdefault("roles", {})
    roles[user_id] = [{"family": family, "reads": reads} for family in deny]
    if not roles[user_id]:
        del roles[user_id]
    return roles
