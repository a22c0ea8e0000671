from datetime import date

import pytest

from bms.customers.models import PaymentTerms, PaymentTermType
from bms.customers.terms import due_date

AFTER_DATE = PaymentTermType.DAYS_AFTER_INVOICE_DATE
AFTER_MONTH = PaymentTermType.DAYS_AFTER_INVOICE_MONTH
CURRENT = PaymentTermType.OF_CURRENT_MONTH
FOLLOWING = PaymentTermType.OF_FOLLOWING_MONTH


def _terms(term_type, day):
    return PaymentTerms(name="t", term_type=term_type, day=day)


@pytest.mark.parametrize(
    ("term_type", "day", "issued", "due"),
    [
        (AFTER_DATE, 30, date(2026, 4, 23), date(2026, 5, 23)),
        (AFTER_DATE, 0, date(2026, 4, 23), date(2026, 4, 23)),
        (AFTER_DATE, 14, date(2026, 12, 20), date(2027, 1, 3)),  # December → January
        (AFTER_DATE, 7, date(2028, 2, 25), date(2028, 3, 3)),  # through a leap day
    ],
)
def test_it_counts_days_after_the_invoice_date(term_type, day, issued, due):
    assert due_date(issued_on=issued, terms=_terms(term_type, day)) == due


@pytest.mark.parametrize(
    ("day", "issued", "due"),
    [
        (14, date(2026, 4, 23), date(2026, 5, 14)),  # April has 30 days
        (14, date(2026, 2, 3), date(2026, 3, 14)),  # February has 28
        (0, date(2026, 2, 3), date(2026, 2, 28)),  # 0 days after the month = its last day
        (20, date(2026, 12, 1), date(2027, 1, 20)),  # December → January
    ],
)
def test_it_counts_days_after_the_end_of_the_invoice_month(day, issued, due):
    assert due_date(issued_on=issued, terms=_terms(AFTER_MONTH, day)) == due


@pytest.mark.parametrize(
    ("day", "issued", "due"),
    [
        (25, date(2026, 4, 10), date(2026, 4, 25)),
        (31, date(2026, 4, 23), date(2026, 4, 30)),  # "end of month" clamps to 30 April
        (31, date(2026, 2, 10), date(2026, 2, 28)),
        (31, date(2028, 2, 10), date(2028, 2, 29)),  # leap year
        (31, date(2026, 12, 5), date(2026, 12, 31)),
    ],
)
def test_it_takes_day_n_of_the_current_month_clamped_to_its_length(day, issued, due):
    assert due_date(issued_on=issued, terms=_terms(CURRENT, day)) == due


def test_it_never_makes_current_month_terms_due_before_the_invoice_date():
    # "The 20th of the current month" on an invoice dated the 25th: due on the 25th, not in May.
    assert due_date(issued_on=date(2026, 4, 25), terms=_terms(CURRENT, 20)) == date(2026, 4, 25)


@pytest.mark.parametrize(
    ("day", "issued", "due"),
    [
        (20, date(2026, 4, 23), date(2026, 5, 20)),
        (31, date(2026, 1, 31), date(2026, 2, 28)),  # clamped to February
        (30, date(2028, 1, 15), date(2028, 2, 29)),  # clamped to a leap February
        (31, date(2026, 3, 1), date(2026, 4, 30)),
        (20, date(2026, 12, 5), date(2027, 1, 20)),  # December → January of the next year
        (31, date(2026, 12, 31), date(2027, 1, 31)),
    ],
)
def test_it_takes_day_n_of_the_following_month_clamped_to_its_length(day, issued, due):
    assert due_date(issued_on=issued, terms=_terms(FOLLOWING, day)) == due


def test_it_makes_an_invoice_without_terms_due_on_its_date():
    assert due_date(issued_on=date(2026, 4, 23), terms=None) == date(2026, 4, 23)


def test_it_refuses_an_unknown_term_type():
    with pytest.raises(ValueError, match="unknown payment term type"):
        due_date(issued_on=date(2026, 4, 23), terms=_terms("NEXTBLUEMOON", 1))
