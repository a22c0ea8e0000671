"""The Accounting client's credit note operations (bms/xero/client/credit_notes.py) against the
sandbox over real HTTP: every request validates against Xero's OpenAPI description (the `sandbox`
fixture checks the traffic), and every example answer the description gives parses."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from bms.xero.client.errors import UncertainError
from bms.xero.client.schemas import Contact, ContactRef, Invoice, InvoiceRef, LineItem
from bms.xero.client.schemas_credit import Allocation, CreditNote
from bms.xero.tests.conftest import xero_client
from xero_sandbox.contract import require_spec_files

SPEC_FILE = Path(__file__).resolve().parents[4] / "shared" / "xero-openapi" / "xero_accounting.yaml"
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")]


def _line(amount: str, tax_type: str = "OUTPUT") -> LineItem:
    return LineItem(description="Lathe", quantity=Decimal("1"), unit_amount=Decimal(amount), account_code="41110",
                    tax_type=tax_type)


def _invoice_and_contact(client) -> tuple[str, str]:
    [contact] = client.create_contacts([Contact(name="Credit Client Pty Ltd", contact_number="C0777")],
                                       idempotency_key="bms-test-contact-1")
    [invoice] = client.create_invoices([Invoice(
        type="ACCREC", invoice_number="INV-CN-1", contact=ContactRef(contact_id=contact.contact_id),
        status="AUTHORISED", line_amount_types="Exclusive", line_items=[_line("1002.15")],
        date="2026-04-20", due_date="2026-05-20")], idempotency_key="bms-test-invoice-1")
    assert not invoice.is_error and invoice.total == Decimal("1102.37")
    return contact.contact_id or "", invoice.invoice_id or ""


def _note(number: str, contact_id: str, *lines: LineItem) -> CreditNote:
    return CreditNote(type="ACCRECCREDIT", credit_note_number=number, contact=ContactRef(contact_id=contact_id),
                      date="2026-04-21", status="AUTHORISED", line_amount_types="Exclusive", currency_code="AUD",
                      line_items=list(lines))


def test_credit_notes_are_created_found_by_number_and_read_with_their_lines(connected, sandbox):
    with xero_client(connected) as client:
        contact_id, _ = _invoice_and_contact(client)
        created = client.create_credit_notes(
            [_note("AU-CN000001", contact_id, _line("104.86")), _note("AU-CN000002", contact_id),
             _note('AU-CN"3', contact_id, _line("10.00", "EXEMPTOUTPUT"))],
            idempotency_key="bms-test-cn-batch-1")
        assert [c.is_error for c in created] == [False, True, False]  # one bad element fails alone
        assert (created[0].sub_total, created[0].total_tax, created[0].total) == (
            Decimal("104.86"), Decimal("10.49"), Decimal("115.35"))
        found = {c.credit_note_number: c for c in client.credit_notes_by_number(["AU-CN000001", 'AU-CN"3', "NONE"])}
        assert set(found) == {"AU-CN000001", 'AU-CN"3'}
        assert found["AU-CN000001"].credit_note_id == created[0].credit_note_id
        assert found["AU-CN000001"].line_items and found["AU-CN000001"].line_items[0].line_item_id  # paged: lines
        one = client.get_credit_note(created[0].credit_note_id or "")
        assert one is not None and one.remaining_credit == Decimal("115.35") and one.live_allocations == []
        assert client.get_credit_note("00000000-0000-0000-0000-000000000000") is None
        updated = client.update_or_create_credit_notes(
            [CreditNote(credit_note_id=created[2].credit_note_id, reference="Short shipment")],
            idempotency_key="bms-test-cn-update-1")
        assert updated[0].reference == "Short shipment" and not updated[0].is_error
    sent = [(e["method"], e["path"].rsplit("2.0/", 1)[-1], e["query"]) for e in sandbox.traffic()
            if "CreditNotes" in e["path"]]
    assert ("PUT", "CreditNotes", {"summarizeErrors": "false", "unitdp": "4"}) in sent
    assert any(m == "GET" and p == "CreditNotes" and "where" in q and q.get("page") == "1" for m, p, q in sent)


def test_an_allocation_whose_answer_is_lost_is_read_back_from_the_credit_note_and_removed_once(connected, sandbox):
    with xero_client(connected) as client:
        contact_id, invoice_id = _invoice_and_contact(client)
        [note] = client.create_credit_notes([_note("AU-CN000010", contact_id, _line("104.86"))],
                                            idempotency_key="bms-test-cn-batch-2")
        note_id = note.credit_note_id or ""
        sandbox.set_faults(connected.xero_tenant_id, drop_rate=1.0)
        with pytest.raises(UncertainError):
            client.create_credit_note_allocation(
                note_id, Allocation(invoice=InvoiceRef(invoice_id=invoice_id), amount=Decimal("115.35"),
                                    date="2026-04-21"), idempotency_key="bms-test-allocation-1")
        sandbox.clear_faults(connected.xero_tenant_id)
        read = client.get_credit_note(note_id)
        assert read is not None and [a.amount for a in read.live_allocations] == [Decimal("115.35")]
        allocation_id = read.live_allocations[0].allocation_id or ""
        [xero_invoice] = client.get_invoices(ids=[invoice_id]).items
        assert (xero_invoice.amount_due, xero_invoice.amount_credited) == (Decimal("987.02"), Decimal("115.35"))
        # Too much is refused element by element, with Xero's words.
        refused = client.create_credit_note_allocation(
            note_id, Allocation(invoice=InvoiceRef(invoice_id=invoice_id), amount=Decimal("1"), date="2026-04-21"),
            idempotency_key="bms-test-allocation-2")
        assert refused.is_error and "greater than amount outstanding" in refused.error_messages[0]
        removed = client.delete_credit_note_allocations(note_id, allocation_id)
        assert removed is not None and removed.is_deleted is True
        assert client.delete_credit_note_allocations(note_id, allocation_id) is None  # already gone
        [xero_invoice] = client.get_invoices(ids=[invoice_id]).items
        assert xero_invoice.amount_due == Decimal("1102.37")


OPERATIONS = {"getCreditNotes", "createCreditNotes", "updateOrCreateCreditNotes", "getCreditNote",
              "createCreditNoteAllocation", "deleteCreditNoteAllocations"}


def test_it_parses_every_example_answer_of_the_credit_note_operations():
    require_spec_files(SPEC_FILE)  # skips on a developer machine without it; fails in CI
    spec = yaml.load(SPEC_FILE.read_text(), Loader=yaml.CSafeLoader)
    parsed: dict[str, int] = {}
    for item in spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or operation.get("operationId") not in OPERATIONS:
                continue
            example = (operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
                       .get("example"))
            body = yaml.safe_load(example) if isinstance(example, str) else example
            if not isinstance(body, dict):
                continue
            for key, model in (("CreditNotes", CreditNote), ("Allocations", Allocation)):
                for element in body.get(key, []):
                    model.model_validate(element)
                    parsed[operation["operationId"]] = parsed.get(operation["operationId"], 0) + 1
            if operation["operationId"] == "deleteCreditNoteAllocations":
                assert Allocation.model_validate(body).is_deleted is True  # the Allocation itself, not enveloped
                parsed["deleteCreditNoteAllocations"] = 1
    assert set(parsed) == OPERATIONS
