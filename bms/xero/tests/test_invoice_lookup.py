"""An invoice whose create may have landed is looked up by its number with a paged read: Xero
leaves LineItems out of unpaged lists (the sandbox too), and the LineItemIDs are what keep a later
correction from deleting and recreating Xero's lines (xero-notes trap 5)."""

import pytest

from bms.billing.models import Invoice
from bms.testing import factories as f
from bms.xero.models import InvoiceLink, LinkStatus
from bms.xero.tests.test_invoices import _push, _released, _xero_invoices

pytestmark = pytest.mark.django_db


def test_a_lost_answer_is_found_by_number_with_its_line_item_ids_and_a_correction_keeps_them(
    connected, sandbox, au_entity
):
    [invoice] = _released(au_entity, [f.customer()], 1)
    sandbox.set_faults(connected.xero_tenant_id, drop_rate=1.0)  # the create lands; its answer never comes
    outcome, _ = _push(connected, [invoice])
    sandbox.clear_faults(connected.xero_tenant_id)

    [xero] = _xero_invoices(sandbox, connected)
    link = InvoiceLink.objects.get(invoice=invoice)
    assert outcome.created == 1 and (link.status, link.xero_id) == (LinkStatus.SYNCED, xero["InvoiceID"])
    assert sorted(link.line_item_ids.values()) == sorted(line["LineItemID"] for line in xero["LineItems"])
    lookups = [e for e in sandbox.traffic() if e["method"] == "GET" and e["path"].endswith("/Invoices")]
    assert lookups and all(e["query"].get("page") == "1" and "InvoiceNumbers" in e["query"] for e in lookups)

    Invoice.objects.filter(pk=invoice.pk).update(reference="PO-AFTER-LOSS", revision=2)
    assert _push(connected, [Invoice.objects.get(pk=invoice.pk)])[0].updated == 1
    [corrected] = _xero_invoices(sandbox, connected)
    assert corrected["Reference"] == "PO-AFTER-LOSS"
    assert [line["LineItemID"] for line in corrected["LineItems"]] == [line["LineItemID"] for line in xero["LineItems"]]
