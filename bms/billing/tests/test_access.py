"""Who may open which billing page: every role reads, admin and finance write, nobody anonymous."""

import pytest
from django.test import Client
from django.urls import reverse

from bms.billing.models import Invoice, InvoiceStatus
from bms.testing import factories as f

pytestmark = pytest.mark.django_db


def _urls(customer, invoice):
    return {
        "reads": [reverse("billing:customer_list"), reverse("billing:customer_detail", args=[customer.pk]),
                  reverse("billing:invoice_list"), reverse("billing:invoice_detail", args=[invoice.pk])],
        "write_pages": [reverse("billing:customer_create"), reverse("billing:customer_edit", args=[customer.pk]),
                        reverse("billing:invoice_create"), reverse("billing:invoice_edit", args=[invoice.pk])],
        "actions": [reverse("billing:invoice_approve", args=[invoice.pk]),
                    reverse("billing:invoice_cancel", args=[invoice.pk])],
    }


def test_it_sends_anonymous_visitors_to_the_login_page(books, client):
    urls = _urls(books["customer"], f.draft_invoice())
    for url in urls["reads"] + urls["write_pages"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    for url in urls["actions"]:
        assert client.post(url).status_code == 302, url


@pytest.mark.parametrize("persona", ["admin_client", "finance_client", "staff_client"])
def test_it_lets_every_role_read_billing(books, persona, request):
    browser = request.getfixturevalue(persona)
    for url in _urls(books["customer"], f.draft_invoice())["reads"]:
        assert browser.get(url).status_code == 200, url


def test_it_refuses_staff_every_billing_write(staff_client, books):
    invoice = f.draft_invoice()
    urls = _urls(books["customer"], invoice)
    for url in urls["write_pages"]:
        assert staff_client.get(url).status_code == 403, url
        assert staff_client.post(url, {"name": "changed"}).status_code == 403, url
    for url in urls["actions"]:
        assert staff_client.post(url).status_code == 403, url
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_it_hides_write_buttons_from_staff(staff_client, books):
    invoice = f.draft_invoice()
    page = staff_client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    for action in ("billing:invoice_edit", "billing:invoice_approve", "billing:invoice_cancel"):
        assert reverse(action, args=[invoice.pk]) not in page
    listing = staff_client.get(reverse("billing:invoice_list")).content.decode()
    assert "New Invoice" not in listing


@pytest.mark.parametrize("action", ["billing:invoice_approve", "billing:invoice_cancel"])
def test_it_refuses_an_action_posted_without_csrf(finance_user, books, action):
    invoice = f.draft_invoice()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(finance_user)
    assert browser.post(reverse(action, args=[invoice.pk])).status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_it_refuses_a_form_posted_without_csrf(finance_user, books, invoice_form):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(finance_user)
    line = {"description": "Lathe", "quantity": "1", "unit_price": "1", "account": books["revenue"].pk}
    assert browser.post(reverse("billing:invoice_create"), invoice_form(line)).status_code == 403
    assert browser.post(reverse("billing:customer_create"), {"code": "X1", "name": "X"}).status_code == 403
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("action", ["billing:invoice_approve", "billing:invoice_cancel"])
def test_it_accepts_actions_only_by_post(finance_client, books, action):
    invoice = f.draft_invoice()
    assert finance_client.get(reverse(action, args=[invoice.pk])).status_code == 405
