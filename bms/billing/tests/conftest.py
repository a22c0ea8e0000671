import pytest

from bms.testing import factories as f


@pytest.fixture
def books(db):
    """One entity (prefix AU-), one customer, the sales account 41110 and GST at 10 %."""
    return {"entity": f.entity("AU"), "customer": f.customer(), "revenue": f.account(), "gst": f.tax_rate()}


@pytest.fixture
def invoice_form(books):
    """Build the POST body of the invoice form: header fields, then lines as dicts."""

    def build(*lines, **header):
        data = {
            "entity": books["entity"].pk, "customer": books["customer"].pk, "issued_on": "2026-04-23",
            "currency": "aud", "line_amount_type": "Exclusive", "reference": "PO-77",
            "lines-TOTAL_FORMS": str(max(len(lines), 2)), "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
        }
        data.update(header)
        for index, line in enumerate(lines):
            data.update({f"lines-{index}-{name}": value for name, value in line.items()})
        return data

    return build
