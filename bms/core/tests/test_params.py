import pytest

from bms.core.params import DB_INT_MAX, int_param


@pytest.mark.parametrize(("text", "expected"), [
    ("42", 42), (" 7 ", 7), ("000123", 123), (str(DB_INT_MAX), DB_INT_MAX),
    ("", None), ("-1", None), ("1.5", None), ("12a", None), ("²", None), ("٣", None),
    (str(DB_INT_MAX + 1), None), ("9" * 40, None),
])
def test_it_reads_only_numbers_a_database_row_can_hold(text, expected):
    assert int_param(text) == expected
