"""summarizeErrors (xero-notes §3.2) and Idempotency-Key (§3.3)."""

from __future__ import annotations

import concurrent.futures

import httpx

from xero_sandbox.tests.conftest import errors, invoice, new_contact


def _batch(contact_id: str) -> list[dict]:
    batch = [invoice(contact_id, f"AU-{n:06d}") for n in range(1, 6)]
    batch[2]["LineItems"][0]["AccountCode"] = "41900"  # archived
    return batch


def test_it_answers_each_element_in_order_with_summarize_errors_false(au):
    answer = au.put("Invoices", {"Invoices": _batch(new_contact(au))})
    assert answer.status_code == 200
    elements = answer.json()["Invoices"]
    assert [e["StatusAttributeString"] for e in elements] == ["OK", "OK", "ERROR", "OK", "OK"]
    assert [e["InvoiceNumber"] for e in elements] == [f"AU-{n:06d}" for n in range(1, 6)]
    assert elements[2]["HasErrors"] is True and "InvoiceID" not in elements[2]


def test_it_accepts_summarize_errors_capitalised_as_xero_python_sends_it(au, sandbox):
    contact_id = new_contact(au)
    answer = httpx.put(f"{sandbox.api_url}/Invoices", params={"summarizeErrors": "False"},
                       headers=au.headers(), json={"Invoices": _batch(contact_id)})
    assert answer.status_code == 200


def test_it_answers_a_400_validation_exception_without_it_yet_saves_the_good_ones(au):
    answer = au.put("Invoices", {"Invoices": _batch(new_contact(au))}, summarize=True)
    assert answer.status_code == 400
    body = answer.json()
    assert (body["ErrorNumber"], body["Type"], body["Message"]) == (10, "ValidationException",
                                                                    "A validation exception occurred")
    assert len(body["Elements"]) == 1 and "has been archived" in errors(body["Elements"][0])[0]
    saved = sorted(i["InvoiceNumber"] for i in au.get("Invoices").json()["Invoices"])
    assert saved == ["AU-000001", "AU-000002", "AU-000004", "AU-000005"]  # the trap real Xero sets (trap 3)


def test_it_takes_a_single_element_or_a_bare_list(au):
    contact_id = new_contact(au)
    single = au.put("Invoices", invoice(contact_id, "S-1"))
    bare = au.put("Invoices", [invoice(contact_id, "S-2")])
    assert single.json()["Invoices"][0]["InvoiceNumber"] == "S-1"
    assert bare.json()["Invoices"][0]["InvoiceNumber"] == "S-2"


def test_it_replays_the_first_answer_for_the_same_key_and_creates_nothing_more(au):
    body = {"Contacts": [{"Name": "Once Only"}]}
    first = au.put("Contacts", body, key="key-1")
    second = au.put("Contacts", body, key="key-1")
    assert first.content == second.content and first.status_code == second.status_code == 200
    assert "X-MinLimit-Remaining" in second.headers
    assert len(au.get("Contacts", where='Name=="Once Only"').json()["Contacts"]) == 1


def test_it_refuses_the_same_key_for_a_different_request(au):
    au.put("Contacts", {"Contacts": [{"Name": "Once Only"}]}, key="key-1")
    different = au.put("Contacts", {"Contacts": [{"Name": "Someone Else"}]}, key="key-1")
    assert different.status_code == 400
    assert different.json()["Message"] == "Idempotency Key: key-1 is used with a different request"
    other_path = au.post("Contacts", {"Contacts": [{"Name": "Once Only"}]}, key="key-1")
    assert other_path.status_code == 400


def test_it_forgets_a_key_after_the_window(make_sandbox):
    from xero_sandbox.tests.conftest import Api

    sandbox = make_sandbox(idempotency_window_s=30)
    au = Api(sandbox, sandbox.tenant_id("AU"), sandbox.mint_grant())
    au.put("Contacts", {"Contacts": [{"Name": "Windowed"}]}, key="k")
    sandbox.advance_clock(31)
    again = au.put("Contacts", {"Contacts": [{"Name": "Windowed"}]}, key="k")
    assert again.json()["Contacts"][0]["StatusAttributeString"] == "ERROR"  # processed anew: a duplicate name


def test_it_replays_a_cached_500_for_the_keys_lifetime(au, sandbox):
    sandbox.set_faults(au.tenant, error_500_rate=1)
    body = {"Contacts": [{"Name": "Unlucky"}]}
    assert au.put("Contacts", body, key="k-500").status_code == 500
    sandbox.clear_faults(au.tenant)
    assert au.put("Contacts", body, key="k-500").status_code == 500  # trap 18: a new key is needed
    assert au.put("Contacts", body, key="k-501").status_code == 200


def test_it_serialises_racing_retries_with_one_key(au, sandbox):
    sandbox.set_faults(au.tenant, latency_ms=200)
    body = {"Contacts": [{"Name": "Raced"}]}
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: au.put("Contacts", body, key="race"), range(3)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["Contacts"][0]["ContactID"] for a in answers}) == 1
    assert len(au.get("Contacts", where='Name=="Raced"').json()["Contacts"]) == 1


def test_it_ignores_the_key_on_reads_and_refuses_an_overlong_one(au):
    assert au.get("Contacts", headers={"Idempotency-Key": "x" * 200}).status_code == 200
    assert au.put("Contacts", {"Contacts": [{"Name": "Long"}]}, key="x" * 129).status_code == 400
