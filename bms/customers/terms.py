"""Due dates from payment terms, with Xero's four term types.

- DAYSAFTERBILLDATE  N: the invoice date + N days.
- DAYSAFTERBILLMONTH N: the last day of the invoice month + N days.
- OFCURRENTMONTH     N: day N of the invoice month (31 = its last day). When that day is already
  past on the invoice date, the invoice is due on its own date: rolling into the next month would
  silently grant a month's credit the customer's terms don't give, and a due date before the
  invoice date is refused by Xero (and by a constraint on Invoice).
- OFFOLLOWINGMONTH   N: day N of the month after the invoice month, clamped to that month's length.
"""

import calendar
from datetime import date, timedelta

from bms.customers.models import PaymentTerms, PaymentTermType


def _day_of_month(year: int, month: int, day: int) -> date:
    # Day 31 in a 30-day month (or February) means the month's last day.
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _next_month(value: date) -> tuple[int, int]:
    return (value.year + 1, 1) if value.month == 12 else (value.year, value.month + 1)


def due_date(*, issued_on: date, terms: PaymentTerms | None) -> date:
    """When an invoice issued on `issued_on` falls due; never before it. No terms: due on the day."""
    if terms is None:
        return issued_on
    if terms.term_type == PaymentTermType.DAYS_AFTER_INVOICE_DATE:
        return issued_on + timedelta(days=terms.day)
    if terms.term_type == PaymentTermType.DAYS_AFTER_INVOICE_MONTH:
        month_end = _day_of_month(issued_on.year, issued_on.month, 31)
        return month_end + timedelta(days=terms.day)
    if terms.term_type == PaymentTermType.OF_CURRENT_MONTH:
        return max(issued_on, _day_of_month(issued_on.year, issued_on.month, terms.day))
    if terms.term_type == PaymentTermType.OF_FOLLOWING_MONTH:
        year, month = _next_month(issued_on)
        return _day_of_month(year, month, terms.day)
    raise ValueError(f"unknown payment term type {terms.term_type!r}")
