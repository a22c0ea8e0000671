"""Organisation, Accounts and TaxRates, and the seed data a fresh sandbox starts with."""

from __future__ import annotations

from xero_sandbox.tests.conftest import money


def test_it_describes_the_organisation_with_xero_dates_and_the_rate_limit_headers(au, nz):
    response = au.get("Organisation")
    assert response.status_code == 200
    [organisation] = response.json()["Organisations"]
    assert (organisation["BaseCurrency"], organisation["CountryCode"], organisation["Timezone"]) == (
        "AUD", "AU", "AUSEASTERNSTANDARDTIME")
    assert organisation["ShortCode"] and organisation["CreatedDateUTC"].startswith("/Date(")
    assert "PeriodLockDate" not in organisation
    assert int(response.headers["X-MinLimit-Remaining"]) == 59
    assert int(response.headers["X-DayLimit-Remaining"]) == 4999
    assert int(response.headers["X-AppMinLimit-Remaining"]) == 9999
    [nz_organisation] = nz.get("Organisation").json()["Organisations"]
    assert nz_organisation["BaseCurrency"] == "NZD"
    assert nz_organisation["PeriodLockDate"] == "/Date(1774915200000+0000)/"  # 31/03/2026


def test_it_seeds_a_realistic_au_chart_with_the_codes_the_bms_demo_uses(au):
    accounts = {a["Code"]: a for a in au.get("Accounts").json()["Accounts"]}
    expected = {"41110": ("Hardware Sale - Machine", "REVENUE"), "51110": ("Hardware Cost - Machine", "DIRECTCOSTS"),
                "14410": ("Stock on Hand", "CURRENT"), "57110": ("Sales Expense General", "EXPENSE")}
    for code, (name, kind) in expected.items():
        assert (accounts[code]["Name"], accounts[code]["Type"], accounts[code]["Status"]) == (name, kind, "ACTIVE")
    kinds = {a["Type"] for a in accounts.values()}
    assert {"BANK", "INVENTORY", "DIRECTCOSTS", "REVENUE", "EXPENSE", "CURRLIAB", "EQUITY"} <= kinds
    assert any(a.get("SystemAccount") == "DEBTORS" for a in accounts.values())
    assert any(a["Status"] == "ARCHIVED" for a in accounts.values())
    assert accounts["41110"]["Class"] == "REVENUE" and accounts["41110"]["UpdatedDateUTC"].startswith("/Date(")


def test_it_filters_accounts_with_where(au):
    banks = au.get("Accounts", where='Status=="ACTIVE" AND Type=="BANK"').json()["Accounts"]
    assert banks and all(a["Type"] == "BANK" for a in banks)


def test_it_lists_the_regions_tax_rates(au, nz):
    au_rates = {r["TaxType"]: r for r in au.get("TaxRates").json()["TaxRates"]}
    assert {"OUTPUT", "INPUT", "EXEMPTOUTPUT", "BASEXCLUDED"} <= set(au_rates)
    assert (au_rates["OUTPUT"]["Name"], money(au_rates["OUTPUT"]["EffectiveRate"])) == ("GST on Income", money(10))
    nz_rates = {r["TaxType"]: r for r in nz.get("TaxRates").json()["TaxRates"]}
    assert money(nz_rates["OUTPUT2"]["EffectiveRate"]) == money(15) and "INPUT2" in nz_rates


def test_it_seeds_contacts_to_exercise_matching(au):
    everyone = au.get("Contacts", includeArchived="true").json()["Contacts"]
    names = [c["Name"] for c in everyone]
    assert names.count("Southern Engineering Pty Ltd") == 2
    assert any(c["ContactStatus"] == "ARCHIVED" for c in everyone)
    assert len(au.get("Contacts").json()["Contacts"]) < len(everyone)
