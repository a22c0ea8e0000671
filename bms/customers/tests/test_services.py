import pytest

from bms.core.errors import DomainError
from bms.customers.models import Customer
from bms.customers.services import customer_create, customer_update
from bms.testing import factories as f

pytestmark = pytest.mark.django_db


def test_it_creates_a_customer_with_trimmed_fields_and_terms():
    terms = f.terms()
    customer = customer_create(code=" C0002 ", name=" Nuts & Bolts ", email="ap@nuts.example ", payment_terms=terms)
    assert (customer.code, customer.name, customer.email, customer.payment_terms) == (
        "C0002", "Nuts & Bolts", "ap@nuts.example", terms)


def test_it_refuses_a_customer_code_already_used_in_any_case():
    f.customer("C0001")
    with pytest.raises(DomainError, match="Customer code c0001 is already used") as refused:
        customer_create(code="c0001", name="Someone Else")
    assert refused.value.field == "code"


def test_it_reports_an_invalid_field_as_a_message_on_that_field():
    with pytest.raises(DomainError) as refused:
        customer_create(code="C0009", name="Bad Email Pty", email="not-an-email")
    assert refused.value.field == "email"
    assert not Customer.objects.filter(code="C0009").exists()


def test_it_updates_a_customer_and_keeps_its_own_code_allowed():
    customer = f.customer("C0001")
    updated = customer_update(customer=customer, code="C0001", name="Bright Tools Group", phone="02 9999 0000")
    assert (updated.name, updated.phone) == ("Bright Tools Group", "02 9999 0000")


def test_it_refuses_to_take_another_customers_code_on_update():
    f.customer("C0001")
    other = f.customer("C0002", "Nuts & Bolts")
    with pytest.raises(DomainError, match="already used"):
        customer_update(customer=other, code="C0001")


def test_it_refuses_fields_a_customer_does_not_have():
    with pytest.raises(TypeError, match="unexpected customer fields"):
        customer_create(code="C1", name="X", status="gold")
