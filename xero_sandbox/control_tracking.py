"""The control API's tracking hook: what a person in Xero does to tracking categories, for tests
and the demo (not part of Xero).

    POST /_sandbox/tenants/{id}/tracking   {category, option?, status?, category_status?}

adds the category (and the option) when missing, under the same limits the API applies, then sets
the option's status (ACTIVE | ARCHIVED | DELETED) and the category's (`category_status`). Answers
the category as GET /TrackingCategories?includeArchived=true shows it.
"""

from __future__ import annotations

from xero_sandbox.accounting.tracking import categories, category_create, category_wire, option_create
from xero_sandbox.errors import ValidationFailedError

TRACKING_STATUSES = {"ACTIVE", "ARCHIVED", "DELETED"}


class TrackingHookError(ValueError):
    pass


def _status(values: dict, key: str) -> str | None:
    status = values.get(key)
    if status is not None and status not in TRACKING_STATUSES:
        raise TrackingHookError(f"{key} must be one of {', '.join(sorted(TRACKING_STATUSES))}")
    return status


def tracking_seed(org: dict, values: dict) -> dict:
    """Apply one change (call under the store lock); raises TrackingHookError with a reason."""
    name, option_name = values.get("category"), values.get("option")
    if not isinstance(name, str) or not name.strip():
        raise TrackingHookError("category is required (a tracking category's name)")
    if option_name is not None and (not isinstance(option_name, str) or not option_name.strip()):
        raise TrackingHookError("option must be a name")
    status, category_status = _status(values, "status"), _status(values, "category_status")
    try:
        category = next((c for c in categories(org).values()
                         if c["Name"].casefold() == name.strip().casefold() and c["Status"] != "DELETED"), None)
        if category is None:
            category = category_create(org, {"Name": name})
        if option_name is not None:
            option = next((o for o in category["Options"].values()
                           if o["Name"].casefold() == option_name.strip().casefold() and o["Status"] != "DELETED"),
                          None)
            if option is None:
                option = option_create(category, {"Name": option_name})
            if status is not None:
                option["Status"] = status
        if category_status is not None:
            if category_status == "ACTIVE" and category["Status"] != "ACTIVE" and sum(
                    c["Status"] == "ACTIVE" for c in categories(org).values()) >= 2:
                raise ValidationFailedError("You can only have 2 active tracking categories.")
            category["Status"] = category_status
    except ValidationFailedError as exc:
        raise TrackingHookError("; ".join(exc.messages)) from None
    return category_wire(category, include_archived=True)
