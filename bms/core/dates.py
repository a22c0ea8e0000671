"""One sane range for every date a person types, a URL carries or a command is given: 01/01/1900 to
31/12/2999. Outside it no business document belongs, and arithmetic near year 1 or 9999 (a due date,
a trading day's end, a go-live boundary) overflows Python's date into a server error."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from bms.core.errors import DomainError

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
RANGE_MESSAGE = "Enter a date between 01/01/1900 and 31/12/2999."


def is_in_range(value: date) -> bool:
    return EARLIEST <= value <= LATEST


def date_in_range(value: date | None) -> None:
    """Form validator: a date outside the range is refused beside its field, in the range's words."""
    if value is not None and not is_in_range(value):
        raise ValidationError(RANGE_MESSAGE, code="date_out_of_range")


def refuse_out_of_range(value: date | None, *, field: str) -> None:
    """Services' check (defence in depth: a form already refused it): a DomainError naming the field."""
    if value is not None and not is_in_range(value):
        raise DomainError(RANGE_MESSAGE, field=field)


def parse_date_in_range(text: str | None) -> date | None:
    """The date an ISO text (YYYY-MM-DD) spells inside the range, else None: for query filters and
    command options, which treat a missing or unusable date alike."""
    text = (text or "").strip()
    if not text.isascii() or len(text) != len("YYYY-MM-DD"):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if is_in_range(value) else None


class DateInRangeField(forms.DateField):
    """A form's date: a date picker, and a typed date outside the range refused with RANGE_MESSAGE."""

    default_validators = [date_in_range]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date", "min": EARLIEST.isoformat(),
                                                           "max": LATEST.isoformat()}, format="%Y-%m-%d"))
        super().__init__(**kwargs)
