"""Manual journals (xero-notes §8)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xero_sandbox.tests.conftest import errors, money


def _journal(lines, narration="B2B Cost of Sales Journal for 23/04/2026 [BMS-J-1]", **extra) -> dict:
    return {"Narration": narration, "Date": "2026-04-23", "Status": "POSTED",
            "JournalLines": [{"LineAmount": amount, "AccountCode": code} for amount, code in lines], **extra}


def _put(au, *journals):
    return au.put("ManualJournals", {"ManualJournals": list(journals)})


def test_it_posts_a_balanced_journal_and_finds_it_by_narration(au):
    posted = au.one(_put(au, _journal([("123.45", "51110"), ("-123.45", "14410")])), "ManualJournals")
    assert posted["Status"] == "POSTED" and posted["StatusAttributeString"] == "OK"
    assert [money(line["LineAmount"]) for line in posted["JournalLines"]] == [Decimal("123.45"), Decimal("-123.45")]
    assert posted["Date"] == "/Date(1776902400000+0000)/" and posted["LineAmountTypes"] == "NoTax"
    found = au.get("ManualJournals", where='Narration=="B2B Cost of Sales Journal for 23/04/2026 [BMS-J-1]"').json()
    assert [j["ManualJournalID"] for j in found["ManualJournals"]] == [posted["ManualJournalID"]]
    assert au.get(f"ManualJournals/{posted['ManualJournalID']}").json()["ManualJournals"][0]["Narration"].endswith(
        "[BMS-J-1]")


def test_it_leaves_a_journal_in_draft_when_no_status_is_sent(au):
    body = _journal([(1, "51110"), (-1, "14410")])
    del body["Status"]
    assert au.one(_put(au, body), "ManualJournals")["Status"] == "DRAFT"


@pytest.mark.parametrize(("lines", "message"), [
    ([(100, "51110"), (-10, "14410")], "The total debits (100.00) must equal total credits (-10.00)"),
    ([(0, "51110")], "at least two journal lines"),
    ([(5, "51110"), (-5, "10100")], "is a bank account"),
    ([(5, "51110"), (-5, "11000")], "is a system account"),
    ([(5, "51110"), (-5, "32000")], "is a system account"),
    ([(5, "51110"), (-5, "41900")], "has been archived"),
    ([(5, "51110"), (-5, "14430")], "tracked inventory account"),
    ([(5, "51110"), (-5, "00000")], "is not a valid code"),
    ([("five", "51110"), (-5, "14410")], "is not a valid number"),
])
def test_it_refuses_journals_xero_refuses(au, lines, message):
    [element] = _put(au, _journal(lines)).json()["ManualJournals"]
    assert any(message in m for m in errors(element)), errors(element)
    assert au.get("ManualJournals").json()["ManualJournals"] == []


def test_it_needs_a_narration(au):
    [element] = _put(au, _journal([(1, "51110"), (-1, "14410")], narration="")).json()["ManualJournals"]
    assert "Narration must not be empty." in errors(element)


def test_it_refuses_a_journal_dated_on_or_before_the_lock_date(nz):
    # The NZ organisation is seeded with a lock date of 31/03/2026.
    [element] = nz.put("ManualJournals", {"ManualJournals": [_journal([(1, "51110"), (-1, "14410")],
                                                                      Date="2026-03-31")]}).json()["ManualJournals"]
    assert errors(element) == ["The journal date cannot be on or before the period lock date (31/03/2026)."]
    ok = nz.one(nz.put("ManualJournals", {"ManualJournals": [_journal([(1, "51110"), (-1, "14410")],
                                                                      Date="2026-04-01")]}), "ManualJournals")
    assert ok["Status"] == "POSTED"


def test_it_posts_a_draft_and_voids_a_posted_journal_but_not_back_to_draft(au):
    body = _journal([(1, "51110"), (-1, "14410")])
    del body["Status"]
    draft = au.one(_put(au, body), "ManualJournals")
    journal_id = draft["ManualJournalID"]
    posted = au.one(au.post(f"ManualJournals/{journal_id}", {"ManualJournals": [{"Status": "POSTED"}]}),
                    "ManualJournals")
    assert posted["Status"] == "POSTED" and len(posted["JournalLines"]) == 2
    [back] = au.post(f"ManualJournals/{journal_id}", {"ManualJournals": [{"Status": "DRAFT"}]}).json()["ManualJournals"]
    assert "cannot be changed from POSTED to DRAFT" in errors(back)[0]
    voided = au.one(au.post("ManualJournals", {"ManualJournals": [{"ManualJournalID": journal_id,
                                                                    "Status": "VOIDED"}]}), "ManualJournals")
    assert voided["Status"] == "VOIDED"


def test_it_balances_exclusive_journals_with_their_tax(au):
    lines = [{"LineAmount": 100, "AccountCode": "57110", "TaxType": "INPUT"},
             {"LineAmount": -110, "AccountCode": "14410", "TaxType": "BASEXCLUDED"}]
    posted = au.one(_put(au, {"Narration": "With GST", "Date": "2026-04-23", "Status": "POSTED",
                              "LineAmountTypes": "Exclusive", "JournalLines": lines}), "ManualJournals")
    assert money(posted["JournalLines"][0]["TaxAmount"]) == Decimal("10.00")


def test_it_keeps_the_good_journals_of_a_batch(au):
    answer = _put(au, _journal([(1, "51110"), (-1, "14410")], narration="good"),
                  _journal([(1, "51110"), (-2, "14410")], narration="bad"))
    assert [j["StatusAttributeString"] for j in answer.json()["ManualJournals"]] == ["OK", "ERROR"]
    assert "ManualJournalID" not in answer.json()["ManualJournals"][1]
