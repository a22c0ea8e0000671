"""Tax rates as Xero's are (xero_accounting.yaml, TaxRate and its GET /TaxRates example): each says
where it reports (ReportTaxType) and which account classes it applies to (CanApplyTo*). A line
without a TaxType takes its account's default tax, as Xero does; a rate that does not apply to the
line's account class is refused."""

from __future__ import annotations

from decimal import Decimal

from xero_sandbox.tests.conftest import errors, invoice, money, new_contact


def _rates(api) -> dict[str, dict]:
    response = api.get("TaxRates")
    assert response.status_code == 200
    return {rate["TaxType"]: rate for rate in response.json()["TaxRates"]}


def test_tax_rates_carry_report_tax_type_and_where_they_apply(au, nz):
    au_rates, nz_rates = _rates(au), _rates(nz)
    free = au_rates["EXEMPTOUTPUT"]
    assert (free["ReportTaxType"], free["CanApplyToRevenue"], free["CanApplyToExpenses"]) == (
        "EXEMPTOUTPUT", True, False)
    assert au_rates["EXEMPTEXPENSES"]["CanApplyToRevenue"] is False  # purchase-only
    assert (au_rates["BASEXCLUDED"]["CanApplyToRevenue"], au_rates["BASEXCLUDED"]["CanApplyToAssets"]) == (True, True)
    zero = nz_rates["ZERORATED"]  # as in the spec's example
    assert (zero["ReportTaxType"], zero["CanApplyToRevenue"], zero["CanApplyToExpenses"]) == ("OUTPUT", True, False)
    assert nz_rates["INPUT2"]["CanApplyToRevenue"] is False


def test_a_line_without_tax_type_takes_the_accounts_default_tax(au):
    line = {"Description": "Service", "Quantity": 2, "UnitAmount": "100.00", "AccountCode": "41110"}
    created = au.one(au.put("Invoices", {"Invoices": [invoice(new_contact(au), LineItems=[line])]}), "Invoices")
    assert created["LineItems"][0]["TaxType"] == "OUTPUT"
    assert (money(created["TotalTax"]), money(created["Total"])) == (Decimal("20.00"), Decimal("220.00"))


def test_a_zero_rate_for_sales_keeps_the_line_untaxed_and_a_purchase_only_one_is_refused(au):
    contact_id = new_contact(au)
    line = {"Description": "Service", "Quantity": 2, "UnitAmount": "100.00", "AccountCode": "41110"}
    free = au.one(au.put("Invoices", {"Invoices": [invoice(contact_id, "AU-1", LineItems=[
        {**line, "TaxType": "EXEMPTOUTPUT"}])]}), "Invoices")
    assert money(free["Total"]) == Decimal("200.00")
    refused = au.one(au.put("Invoices", {"Invoices": [invoice(contact_id, "AU-2", LineItems=[
        {**line, "TaxType": "EXEMPTEXPENSES"}])]}), "Invoices")
    assert errors(refused) == ["The TaxType code 'EXEMPTEXPENSES' does not exist or cannot be used for this type of "
                               "transaction."]
