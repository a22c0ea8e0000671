"""billing 0008: payments pulled before BMS kept Xero's reference carried the made-up reference
"Xero payment"; the upgrade blanks it (a payment entered in BMS keeps whatever it says)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bms.billing.models import PaymentSource
from bms.billing.services import invoice_mark_processed, payment_record
from bms.testing import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


def test_it_forgets_the_made_up_reference_of_pulled_payments():
    invoice = invoice_mark_processed(invoice=f.approved_invoice())
    pulled = payment_record(invoice=invoice, amount=Decimal("10.00"), paid_on=date(2026, 5, 1),
                            source=PaymentSource.XERO)
    pulled_with_own = payment_record(invoice=invoice, amount=Decimal("11.00"), paid_on=date(2026, 5, 1),
                                     reference="EFT 9", source=PaymentSource.XERO)
    try:
        old = _migrate(("billing", "0007_credit_notes"))
        Payment = old.get_model("billing", "Payment")
        Payment.objects.filter(pk=pulled.pk).update(reference="Xero payment")
        new = _migrate(("billing", "0008_payment_account_code"))
        Payment = new.get_model("billing", "Payment")
        assert dict(Payment.objects.values_list("pk", "reference")) == {pulled.pk: "", pulled_with_own.pk: "EFT 9"}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
