"""Tracking categories (GET/PUT /TrackingCategories, PUT …/Options) and the Tracking on invoice and
manual journal lines, as Xero refuses it (accounting/tracking.py cites the sources)."""

from xero_sandbox.tests.conftest import Api, errors, invoice, new_contact


def _categories(api: Api, **params) -> dict[str, dict]:
    response = api.get("TrackingCategories", **params)
    assert response.status_code == 200, response.text
    return {c["Name"]: c for c in response.json()["TrackingCategories"]}


def _options(category: dict) -> dict[str, str]:
    return {o["Name"]: o["Status"] for o in category["Options"]}


def test_it_lists_active_categories_and_options_and_the_archived_ones_only_when_asked(au):
    plain = _categories(au)
    assert set(plain) == {"Region", "Division"}
    assert "Perth" not in _options(plain["Region"])
    everything = _categories(au, includeArchived="true")
    assert _options(everything["Region"])["Perth"] == "ARCHIVED"
    assert set(_categories(au, where='Name=="Division"')) == {"Division"}


def test_it_creates_options_and_refuses_a_duplicate_or_an_archived_category(au, sandbox):
    region = _categories(au)["Region"]
    created = au.put(f"TrackingCategories/{region['TrackingCategoryID']}/Options", {"Name": "Hobart"},
                     key="option-hobart")
    assert created.status_code == 200, created.text
    [option] = created.json()["Options"]
    assert (option["Name"], option["Status"]) == ("Hobart", "ACTIVE")
    assert "Hobart" in _options(_categories(au)["Region"])
    again = au.put(f"TrackingCategories/{region['TrackingCategoryID']}/Options", {"Name": "hobart"})
    assert again.status_code == 400
    assert "already exists" in again.json()["Elements"][0]["ValidationErrors"][0]["Message"]
    sandbox.set_tracking(au.tenant, "Division", category_status="ARCHIVED")
    division = _categories(au, includeArchived="true")["Division"]
    refused = au.put(f"TrackingCategories/{division['TrackingCategoryID']}/Options", {"Name": "Tools"})
    assert refused.status_code == 400 and "archived" in refused.text
    assert au.put("TrackingCategories/00000000-0000-0000-0000-000000000000/Options", {"Name": "X"}).status_code == 404


def test_it_allows_two_active_categories_and_four_in_all(au, sandbox):
    third = au.put("TrackingCategories", {"Name": "Project"})
    assert third.status_code == 400
    assert "only have 2 active tracking categories" in third.text
    sandbox.set_tracking(au.tenant, "Division", category_status="ARCHIVED")
    assert au.put("TrackingCategories", {"Name": "Project"}).status_code == 200
    sandbox.set_tracking(au.tenant, "Project", category_status="ARCHIVED")
    assert au.put("TrackingCategories", {"Name": "Channel"}).status_code == 200  # 2 active, 4 in all
    sandbox.set_tracking(au.tenant, "Channel", category_status="ARCHIVED")
    fifth = au.put("TrackingCategories", {"Name": "Team"})
    assert fifth.status_code == 400 and "4 tracking categories" in fifth.text


def test_a_category_holds_at_most_100_active_options(au, sandbox):
    region = _categories(au)["Region"]
    path = f"TrackingCategories/{region['TrackingCategoryID']}/Options"
    for number in range(99 - len(region["Options"])):  # as a person in Xero would, outside the API's limits
        sandbox.set_tracking(au.tenant, "Region", f"Area {number}")
    assert au.put(path, {"Name": "The hundredth"}).status_code == 200
    refused = au.put(path, {"Name": "One too many"})
    assert refused.status_code == 400 and "at most 100 active options" in refused.text


def test_reading_needs_a_settings_scope_and_creating_needs_accounting_settings(sandbox):
    tenant = sandbox.tenant_id("AU")
    read_only = Api(sandbox, tenant, sandbox.mint_grant(scope="offline_access accounting.settings.read"))
    assert read_only.get("TrackingCategories").status_code == 200
    region = _categories(read_only)["Region"]
    refused = read_only.put(f"TrackingCategories/{region['TrackingCategoryID']}/Options", {"Name": "Hobart"})
    assert refused.status_code == 401 and "insufficient_scope" in refused.headers["WWW-Authenticate"]
    contacts_only = Api(sandbox, tenant, sandbox.mint_grant(scope="offline_access accounting.contacts",
                                                            user_id="other-user"))
    assert contacts_only.get("TrackingCategories").status_code == 401


def test_invoice_lines_naming_a_missing_or_archived_option_are_refused_one_invoice_at_a_time(au):
    contact = new_contact(au)

    def with_tracking(number: str, tracking: list[dict]) -> dict:
        body = invoice(contact, number)
        body["LineItems"][0]["Tracking"] = tracking
        return body

    sent = [with_tracking("AU-1", [{"Name": "Region", "Option": "Sydney"}, {"Name": "Division", "Option": "Parts"}]),
            with_tracking("AU-2", [{"Name": "Region", "Option": "Hobart"}]),
            with_tracking("AU-3", [{"Name": "Region", "Option": "Perth"}]),
            with_tracking("AU-4", [{"Name": "Channel", "Option": "Online"}])]
    response = au.put("Invoices", {"Invoices": sent})
    assert response.status_code == 200
    first, missing, archived, no_category = response.json()["Invoices"]
    assert first["StatusAttributeString"] == "OK"
    [sydney, parts] = first["LineItems"][0]["Tracking"]
    assert (sydney["Name"], sydney["Option"]) == ("Region", "Sydney") and sydney["TrackingOptionID"]
    assert (parts["Name"], parts["Option"]) == ("Division", "Parts")
    assert errors(missing) == ["The tracking option 'Hobart' does not exist in the tracking category 'Region'."]
    assert errors(archived) == ["The tracking option 'Perth' in 'Region' is archived and cannot be used."]
    assert errors(no_category) == ["The tracking category 'Channel' does not exist."]


def test_journal_lines_are_checked_the_same_way_and_accept_ids(au, sandbox):
    region = _categories(au)["Region"]
    melbourne = next(o for o in region["Options"] if o["Name"] == "Melbourne")
    by_id = [{"TrackingCategoryID": region["TrackingCategoryID"], "TrackingOptionID": melbourne["TrackingOptionID"]}]

    def journal(narration: str, tracking: list[dict]) -> dict:
        return {"Narration": narration, "Date": "2026-04-23", "Status": "POSTED", "JournalLines": [
            {"LineAmount": "10.00", "AccountCode": "51110", "Tracking": tracking},
            {"LineAmount": "-10.00", "AccountCode": "14410", "Tracking": tracking}]}

    sandbox.set_tracking(au.tenant, "Region", "Brisbane", status="ARCHIVED")
    response = au.put("ManualJournals", {"ManualJournals": [
        journal("by id", by_id), journal("archived", [{"Name": "Region", "Option": "Brisbane"}])]})
    ok, archived = response.json()["ManualJournals"]
    assert ok["StatusAttributeString"] == "OK"
    assert ok["JournalLines"][0]["Tracking"][0]["Option"] == "Melbourne"
    assert "'Brisbane' in 'Region' is archived" in errors(archived)[0]


def test_the_control_hook_refuses_what_xero_would(sandbox):
    import httpx
    import pytest

    tenant = sandbox.tenant_id("AU")
    with pytest.raises(httpx.HTTPStatusError) as refused:
        sandbox.set_tracking(tenant, "Project")
    assert "2 active tracking categories" in refused.value.response.json()["error"]
    with pytest.raises(httpx.HTTPStatusError):
        sandbox.set_tracking(tenant, "Region", "Sydney", status="GONE")
