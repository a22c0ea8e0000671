from datetime import date

import pytest

from bms.billing.models import PaymentTerms, PaymentTermType
from bms.billing.terms import due_date


def _terms(term_type, day):
    return PaymentTerms(name="t", term_type=term_type, day=day)


@pytest.mark.parametrize(
    ("term_type", "day", "issued", "due"),
    [
        (PaymentTermType.DAYS_AFTER_INVOICE_DATE, 30, date(2026, 4, 23), date(2026, 5, 23)),
        (PaymentTermType.DAYS_AFTER_INVOICE_DATE, 0, date(2026, 4, 23), date(2026, 4, 23)),
        (PaymentTermType.DAYS_AFTER_INVOICE_MONTH, 14, date(2026, 4, 23), date(2026, 5, 14)),
        (PaymentTermType.DAYS_AFTER_INVOICE_MONTH, 14, date(2026, 2, 3), date(2026, 3, 14)),
        (PaymentTermType.OF_CURRENT_MONTH, 31, date(2026, 4, 23), date(2026, 4, 30)),  # end of the month
        (PaymentTermType.OF_CURRENT_MONTH, 31, date(2028, 2, 10), date(2028, 2, 29)),  # leap year
        (PaymentTermType.OF_CURRENT_MONTH, 20, date(2026, 4, 25), date(2026, 4, 25)),  # never before the invoice
        (PaymentTermType.OF_FOLLOWING_MONTH, 20, date(2026, 4, 23), date(2026, 5, 20)),
        (PaymentTermType.OF_FOLLOWING_MONTH, 31, date(2026, 1, 31), date(2026, 2, 28)),  # clamped
        (PaymentTermType.OF_FOLLOWING_MONTH, 20, date(2026, 12, 5), date(2027, 1, 20)),  # December → January
    ],
)
def test_it_computes_the_due_date_for_each_payment_term_type(term_type, day, issued, due):
    assert due_date(issued_on=issued, terms=_terms(term_type, day)) == due


def test_it_makes_an_invoice_without_terms_due_on_its_date():
    assert due_date(issued_on=date(2026, 4, 23), terms=None) == date(2026, 4, 23)
