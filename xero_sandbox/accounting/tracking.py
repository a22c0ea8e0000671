"""Tracking categories and their options (GET/PUT /TrackingCategories, PUT …/{id}/Options), and the
check every invoice and manual journal line's Tracking passes.

Sources for what is enforced:
- Xero's API reference, Tracking Categories (developer.xero.com/documentation/api/accounting/
  trackingcategories): "A Xero organisation can have a maximum of two ACTIVE tracking categories
  and four tracking categories total (ACTIVE and ARCHIVED)"; names at most 100 characters (also
  the OpenAPI description's maxLength); `includeArchived=true` adds ARCHIVED categories and
  options, which GET leaves out otherwise; DELETED ones are never listed.
- Xero Central, "Set up tracking categories": up to 100 options in a category (secondary sources
  agree; it is the limit Xero's own screen applies). Counted over ACTIVE options: archived ones
  are kept for history.
- Scopes (xero-notes §1.3 and the OpenAPI description): GET needs accounting.settings or
  accounting.settings.read; PUT needs accounting.settings.
- A line's Tracking names an ACTIVE category and an ACTIVE option of it, by name or by id, at most
  two per line (xero-notes §6, §8: "Tracking (max 2 per line, by Name+Option or IDs)"); a line
  naming one that does not exist or is archived is refused (issue #16, PRODUCT.md §3.8). The
  messages' wording follows Xero's style for the account and tax type refusals; it is not
  documented word for word.
"""

from __future__ import annotations

from xero_sandbox.accounting import where
from xero_sandbox.accounting.elements import new_id
from xero_sandbox.accounting.request import Req, envelope
from xero_sandbox.errors import ValidationFailedError, not_found, post_data_invalid, validation_exception

MAX_ACTIVE_CATEGORIES = 2
MAX_CATEGORIES = 4  # ACTIVE and ARCHIVED together
MAX_ACTIVE_OPTIONS = 100
MAX_NAME = 100
STATUSES = ("ACTIVE", "ARCHIVED")


def categories(org: dict) -> dict[str, dict]:
    """The organisation's tracking categories by id (an organisation saved before they existed has none)."""
    return org.setdefault("tracking", {})


def option_wire(option: dict, category_id: str | None = None) -> dict:
    body = {"TrackingOptionID": option["TrackingOptionID"], "Name": option["Name"], "Status": option["Status"]}
    if category_id:
        body["TrackingCategoryID"] = category_id
    return body


def category_wire(category: dict, *, include_archived: bool) -> dict:
    shown = ("ACTIVE", "ARCHIVED") if include_archived else ("ACTIVE",)
    options = [option_wire(o) for o in category["Options"].values() if o["Status"] in shown]
    return {"TrackingCategoryID": category["TrackingCategoryID"], "Name": category["Name"],
            "Status": category["Status"], "Options": sorted(options, key=lambda o: o["Name"].casefold())}


def get_tracking_categories(req: Req) -> tuple[int, dict]:
    include_archived = req.flag("includeArchived")
    shown = ("ACTIVE", "ARCHIVED") if include_archived else ("ACTIVE",)
    listed = [category_wire(c, include_archived=include_archived) for c in categories(req.org).values()
              if c["Status"] in shown]
    listed = where.filtered(sorted(listed, key=lambda c: c["Name"].casefold()), req.param("where"))
    return 200, envelope("TrackingCategories", listed, req.now)


def _name(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailedError(f"{what} name must be specified.")
    if len(value.strip()) > MAX_NAME:
        raise ValidationFailedError(f"{what} name must be {MAX_NAME} characters or fewer.")
    return value.strip()


def _single(req: Req, key: str) -> dict:
    """PUT takes one object (the OpenAPI description's request body), or Xero's list envelope of one."""
    body = req.body
    if isinstance(body, dict) and isinstance(body.get(key), list) and len(body[key]) == 1:
        body = body[key][0]
    if not isinstance(body, dict):
        raise post_data_invalid(f"The request body must hold one {key[:-1]}")
    return body


def _refused(element: dict, exc: ValidationFailedError) -> tuple[int, dict]:
    echo = {k: v for k, v in element.items() if k in ("Name", "Status") and isinstance(v, str)}
    return 400, validation_exception([{**echo, "ValidationErrors": [{"Message": m} for m in exc.messages]}])


def category_create(org: dict, element: dict) -> dict:
    """Validate and add one category (validated in full before anything changes)."""
    name = _name(element.get("Name"), "Tracking category")
    existing = categories(org).values()
    if any(c["Name"].casefold() == name.casefold() and c["Status"] != "DELETED" for c in existing):
        raise ValidationFailedError(f"A tracking category named '{name}' already exists.")
    if sum(c["Status"] == "ACTIVE" for c in existing) >= MAX_ACTIVE_CATEGORIES:
        raise ValidationFailedError("You can only have 2 active tracking categories.")
    if sum(c["Status"] in STATUSES for c in existing) >= MAX_CATEGORIES:
        raise ValidationFailedError("You can only have 4 tracking categories, active and archived together.")
    category = {"TrackingCategoryID": new_id(), "Name": name, "Status": "ACTIVE", "Options": {}}
    categories(org)[category["TrackingCategoryID"]] = category
    return category


def option_create(category: dict, element: dict) -> dict:
    name = _name(element.get("Name"), "Tracking option")
    options = category["Options"].values()
    if any(o["Name"].casefold() == name.casefold() and o["Status"] != "DELETED" for o in options):
        raise ValidationFailedError(f"The tracking option '{name}' already exists in '{category['Name']}'.")
    if sum(o["Status"] == "ACTIVE" for o in options) >= MAX_ACTIVE_OPTIONS:
        raise ValidationFailedError(f"A tracking category can have at most {MAX_ACTIVE_OPTIONS} active options.")
    option = {"TrackingOptionID": new_id(), "Name": name, "Status": "ACTIVE"}
    category["Options"][option["TrackingOptionID"]] = option
    return option


def put_tracking_category(req: Req) -> tuple[int, dict]:
    element = _single(req, "TrackingCategories")
    try:
        category = category_create(req.org, element)
    except ValidationFailedError as exc:
        return _refused(element, exc)
    return 200, envelope("TrackingCategories", [category_wire(category, include_archived=True)], req.now)


def put_tracking_options(req: Req) -> tuple[int, dict]:
    category = categories(req.org).get(req.path_params["ref"])
    if category is None or category["Status"] == "DELETED":
        raise not_found()
    element = _single(req, "Options")
    try:
        if category["Status"] != "ACTIVE":
            raise ValidationFailedError(f"The tracking category '{category['Name']}' is archived; options cannot "
                                        "be added to it.")
        option = option_create(category, element)
    except ValidationFailedError as exc:
        return _refused(element, exc)
    return 200, envelope("Options", [option_wire(option, category["TrackingCategoryID"])], req.now)


def _find(pool: list[dict], id_key: str, wanted_id: object, wanted_name: object) -> dict | None:
    if isinstance(wanted_id, str) and wanted_id:
        return next((item for item in pool if item[id_key].lower() == wanted_id.lower()), None)
    if isinstance(wanted_name, str) and wanted_name.strip():
        named = [item for item in pool if item["Name"].casefold() == wanted_name.strip().casefold()]
        # An active one wins over an archived one of the same name.
        return next((item for item in named if item["Status"] == "ACTIVE"), named[0] if named else None)
    return None


def _entry_problem(org: dict, entry: dict) -> str | None:
    pool = [c for c in categories(org).values() if c["Status"] != "DELETED"]
    category = _find(pool, "TrackingCategoryID", entry.get("TrackingCategoryID"), entry.get("Name"))
    label = entry.get("Name") or entry.get("TrackingCategoryID") or ""
    if category is None:
        return f"The tracking category '{label}' does not exist."
    if category["Status"] != "ACTIVE":
        return f"The tracking category '{category['Name']}' is archived and cannot be used."
    options = [o for o in category["Options"].values() if o["Status"] != "DELETED"]
    option = _find(options, "TrackingOptionID", entry.get("TrackingOptionID"), entry.get("Option"))
    option_label = entry.get("Option") or entry.get("TrackingOptionID") or ""
    if option is None:
        return f"The tracking option '{option_label}' does not exist in the tracking category '{category['Name']}'."
    if option["Status"] != "ACTIVE":
        return f"The tracking option '{option['Name']}' in '{category['Name']}' is archived and cannot be used."
    entry.update(Name=category["Name"], Option=option["Name"], TrackingCategoryID=category["TrackingCategoryID"],
                 TrackingOptionID=option["TrackingOptionID"])
    return None


def tracking_problems(org: dict, tracking: object, what: str = "A line item") -> list[str]:
    """Why Xero refuses a line's Tracking (none: []). Entries that pass are completed in place with
    both names and both ids, as Xero echoes them."""
    if tracking is None:
        return []
    if not isinstance(tracking, list) or not all(isinstance(entry, dict) for entry in tracking):
        return ["Tracking must be a list of tracking categories."]
    if len(tracking) > 2:
        return [f"{what} can have at most two tracking categories."]
    problems = [problem for entry in tracking if (problem := _entry_problem(org, entry))]
    names = [entry.get("Name") for entry in tracking if entry.get("Name")]
    if not problems and len({name.casefold() for name in names}) != len(names):
        problems.append(f"{what} can have only one option of each tracking category.")
    return problems
