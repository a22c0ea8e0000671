from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import Invoice, InvoiceStatus
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("billing:invoice_create")


def _line(books, **values):
    return {"description": "Lathe", "quantity": "2", "unit_price": "250", "account": books["revenue"].pk,
            "tax_rate": books["gst"].pk, **values}


def test_it_offers_a_form_with_todays_date_the_default_currency_and_line_rows(finance_client, books):
    page = finance_client.get(URL).content.decode()
    assert 'name="currency"' in page and 'value="AUD"' in page
    assert 'name="lines-0-product"' in page and 'name="lines-1-product"' in page
    assert "lines-__prefix__-description" in page  # the row "Add line" clones


def test_it_creates_a_draft_invoice_and_opens_it(finance_client, finance_user, books, invoice_form):
    response = finance_client.post(URL, invoice_form(_line(books)))
    invoice = Invoice.objects.get()
    assert response["Location"] == reverse("billing:invoice_detail", args=[invoice.pk])
    assert (invoice.status, invoice.currency, invoice.reference, invoice.total_amount, invoice.created_by) == (
        InvoiceStatus.DRAFT, "AUD", "PO-77", Decimal("550.00"), finance_user)


def test_it_fills_a_line_from_its_product(finance_client, books, invoice_form):
    product = f.product(sales_account=books["revenue"], tax_rate=books["gst"])
    finance_client.post(URL, invoice_form({"product": product.pk, "quantity": "1"}))
    line = Invoice.objects.get().lines.get()
    assert (line.description, line.unit_price, line.account, line.tax_rate, line.product) == (
        "Lathe", Decimal("250.0000"), books["revenue"], books["gst"], product)


def test_it_ignores_blank_rows_and_rows_ticked_for_removal(finance_client, books, invoice_form):
    finance_client.post(URL, invoice_form(_line(books), _line(books, description="Dropped", DELETE="on"), {}))
    assert [line.description for line in Invoice.objects.get().lines.all()] == ["Lathe"]


def test_it_shows_a_negative_quantity_and_price_at_the_field_and_keeps_the_input(finance_client, books,
                                                                                  invoice_form):
    response = finance_client.post(URL, invoice_form(
        _line(books, description="Typed by hand", quantity="-3", unit_price="-5")))
    page = response.content.decode()
    assert response.status_code == 200
    assert "The quantity must be more than zero." in page and "The unit price can&#x27;t be negative." in page
    assert 'value="Typed by hand"' in page and 'value="-3"' in page and 'value="-5"' in page
    assert 'value="PO-77"' in page
    assert not Invoice.objects.exists()


def test_it_refuses_an_invoice_without_lines_above_the_lines(finance_client, books, invoice_form):
    page = finance_client.post(URL, invoice_form()).content.decode()
    assert "Add at least one line." in page and 'value="PO-77"' in page
    assert not Invoice.objects.exists()


def test_it_asks_for_an_account_when_the_product_has_none(finance_client, books, invoice_form):
    product = f.product()
    page = finance_client.post(URL, invoice_form({"product": product.pk, "quantity": "1"})).content.decode()
    assert "Choose the revenue account (or a product with one)." in page
    assert not Invoice.objects.exists()


def test_it_shows_a_service_refusal_about_the_lines_and_keeps_the_input(finance_client, books, invoice_form):
    from bms.ledger.models import AccountStatus

    # The product's own sales account was archived: the form can't see it, the service refuses it.
    old = f.account("41999", "Old Sales", status=AccountStatus.ARCHIVED)
    product = f.product(sales_account=old)
    page = finance_client.post(URL, invoice_form({"product": product.pk, "quantity": "3"})).content.decode()
    assert "Line 1: account 41999 Old Sales can&#x27;t take sales" in page
    assert 'value="3"' in page
    assert not Invoice.objects.exists()


def test_it_shows_a_bad_currency_and_date_at_their_fields(finance_client, books, invoice_form):
    page = finance_client.post(URL, invoice_form(_line(books), currency="dollars", issued_on="31/31/2026")
                               ).content.decode()
    assert "Enter a three-letter currency code, e.g. AUD." in page and "Enter a valid date." in page
    assert 'value="dollars"' in page


def test_it_refuses_a_currency_that_is_not_iso_4217_at_entry(finance_client, books, invoice_form):
    page = finance_client.post(URL, invoice_form(_line(books), currency="zzz")).content.decode()
    assert "ZZZ is not an ISO 4217 currency code." in page
    assert not Invoice.objects.exists()


def test_it_preselects_the_only_entity_and_the_default_sales_account(finance_client, books):
    from bms.ledger.selectors import account_defaults

    defaults = account_defaults()
    defaults.sales_account = books["revenue"]
    defaults.save()
    page = finance_client.get(URL).content.decode()
    assert f'<option value="{books["entity"].pk}" selected>' in page
    assert f'<option value="{books["revenue"].pk}" selected>' in page


def test_it_still_ignores_blank_rows_showing_the_default_account(finance_client, books, invoice_form):
    from bms.ledger.selectors import account_defaults

    defaults = account_defaults()
    defaults.sales_account = books["revenue"]
    defaults.save()
    finance_client.post(URL, invoice_form(_line(books), {"account": books["revenue"].pk}))
    assert [line.description for line in Invoice.objects.get().lines.all()] == ["Lathe"]


def test_a_new_line_takes_its_products_or_its_accounts_tax_rate_not_no_tax(finance_client, books, invoice_form):
    """Issue 17: a new line defaulted to "No tax". Left as offered, it takes the product's rate, else
    the account's (what Xero would apply to that account); "No tax" is a choice of its own."""
    page = finance_client.get(URL).content.decode()
    assert '<option value="" selected>Product&#x27;s or account&#x27;s rate</option>' in page
    assert '<option value="none">No tax</option>' in page
    free = f.tax_rate("EXEMPTOUTPUT", "0", "GST Free Income")
    books["revenue"].tax_rate = books["gst"]
    books["revenue"].save()
    product = f.product(sales_account=books["revenue"], tax_rate=free)
    finance_client.post(URL, invoice_form(
        _line(books, description="Account's rate", tax_rate=""),
        {"product": product.pk, "quantity": "1", "tax_rate": ""},
        _line(books, description="Chosen: none", tax_rate="none"),
    ))
    taxes = {line.description: line.tax_rate for line in Invoice.objects.get().lines.all()}
    assert taxes == {"Account's rate": books["gst"], "Lathe": free, "Chosen: none": None}


def test_editing_a_line_without_tax_keeps_it_without_tax(finance_client, books, invoice_form):
    finance_client.post(URL, invoice_form(_line(books, tax_rate="none")))
    invoice = Invoice.objects.get()
    page = finance_client.get(reverse("billing:invoice_edit", args=[invoice.pk])).content.decode()
    assert '<option value="none" selected>No tax</option>' in page
