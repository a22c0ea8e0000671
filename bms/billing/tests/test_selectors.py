import pytest

from bms.billing.models import InvoiceStatus
from bms.billing.selectors import invoices_list, invoices_released
from bms.billing.services import invoice_cancel, invoice_mark_processed
from bms.testing import factories as f

pytestmark = pytest.mark.django_db


def test_it_finds_an_invoice_by_number_with_or_without_its_prefix():
    syd, b2 = f.entity("AU", prefix="SYD-"), f.entity("B2", prefix="B2-")
    f.customer()
    first_syd, second_syd = f.draft_invoice(on_entity=syd), f.draft_invoice(on_entity=syd)
    first_b2 = f.draft_invoice(on_entity=b2)
    assert list(invoices_list(search="syd-000002")) == [second_syd]
    # A prefix holding a digit is matched as a prefix, not read as part of the number.
    assert list(invoices_list(search="B2-000001")) == [first_b2]
    assert set(invoices_list(search="000001")) == {first_syd, first_b2}


def test_it_finds_invoices_by_customer_and_reference():
    f.entity()
    bright, nuts = f.customer("C0001", "Bright Tools"), f.customer("C0002", "Nuts & Bolts")
    for_bright = f.draft_invoice(for_customer=bright, reference="PO-77")
    for_nuts = f.draft_invoice(for_customer=nuts)
    assert list(invoices_list(search="nuts")) == [for_nuts]
    assert list(invoices_list(search="po-77")) == [for_bright]
    assert list(invoices_list(customer_id=bright.pk)) == [for_bright]


def test_it_filters_invoices_by_status_and_entity():
    au, nz = f.entity("AU"), f.entity("NZ")
    f.customer()
    draft_au, approved_nz = f.draft_invoice(on_entity=au), f.approved_invoice(on_entity=nz)
    assert list(invoices_list(status=InvoiceStatus.DRAFT)) == [draft_au]
    assert list(invoices_list(entity_id=nz.pk)) == [approved_nz]


def test_it_lists_approved_processed_and_completed_invoices_as_released():
    f.draft_invoice()
    invoice_cancel(invoice=f.draft_invoice())
    approved = f.approved_invoice()
    processed = invoice_mark_processed(invoice=f.approved_invoice())
    assert set(invoices_released()) == {approved, processed}
