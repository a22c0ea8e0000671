"""The walk in bms/xero's docstring is the path a Sync Invoice click really takes: every file it
names is entered between the click and the invoice becoming Processed (traced, not assumed)."""

import re
import sys
import threading
from pathlib import Path

import pytest
from django.urls import reverse

import bms.xero
from bms.billing.models import InvoiceStatus
from bms.testing import factories as f
from bms.xero.tests.test_invoices import _push, _released

pytestmark = pytest.mark.django_db
BMS = Path(bms.xero.__file__).resolve().parents[1]


def _files_entered_by(action) -> set[str]:
    entered: set[str] = set()

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(str(BMS)):
            entered.add(str(Path(frame.f_code.co_filename).relative_to(BMS)))

    threading.setprofile(profile)  # the pipeline's worker threads too
    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    return entered


def test_every_file_of_the_documented_walk_is_entered_by_a_sync_invoice_click(
    admin_client, connected, sandbox, au_entity, django_capture_on_commit_callbacks
):
    customer = f.customer()
    _push(connected, _released(au_entity, [customer], 1))  # the customer's contact is already in Xero
    [invoice] = _released(au_entity, [customer], 1)

    def click():
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(reverse("xero:invoice_sync", args=[invoice.pk]))

    entered = _files_entered_by(click)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PROCESSED
    documented = re.findall(r"^\s*\d+\. `([a-z_/]+\.py)`", bms.xero.__doc__, flags=re.MULTILINE)
    assert len(documented) == 12
    assert {path if path.startswith(("jobs/", "billing/")) else f"xero/{path.removeprefix('xero/')}"
            for path in documented} <= entered
