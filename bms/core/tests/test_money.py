from decimal import Decimal

import pytest

from bms.core.money import LineAmountType, document_totals, line_amounts, round_money

D = Decimal


def test_it_rounds_half_up_to_cents():
    assert round_money(D("2.345")) == D("2.35")
    assert round_money(D("2.344")) == D("2.34")
    assert round_money(D("-2.345")) == D("-2.35")  # half-up means away from zero, as Xero does


def test_it_refuses_floats():
    with pytest.raises(TypeError):
        round_money(2.345)


def test_it_rounds_each_line_then_sums_where_whole_document_rounding_differs():
    # Three lines of 1 × 0.333 at 10 % GST, tax exclusive.
    # Per line: amount 0.33, tax 0.033 → 0.03; document: 0.99 + 0.09 = 1.08.
    # Rounding the whole document instead: 0.999 → 1.00 and tax 0.0999 → 0.10, total 1.10.
    lines = [
        line_amounts(quantity=D("1"), unit_amount=D("0.333"), tax_rate_percent=D("10"),
                     line_amount_type=LineAmountType.EXCLUSIVE)
        for _ in range(3)
    ]
    totals = document_totals(lines, line_amount_type=LineAmountType.EXCLUSIVE)
    assert [(line.line_amount, line.tax_amount) for line in lines] == [(D("0.33"), D("0.03"))] * 3
    assert (totals.subtotal, totals.total_tax, totals.total) == (D("0.99"), D("0.09"), D("1.08"))
    whole_document_total = round_money(D("0.999")) + round_money(D("0.0999"))
    assert whole_document_total == D("1.10") != totals.total


def test_it_extracts_tax_from_inclusive_lines():
    # 110.00 inclusive of 10 % → tax 10.00; 9.99 inclusive → tax 0.9082 → 0.91.
    lines = [
        line_amounts(quantity=D("1"), unit_amount=D("110"), tax_rate_percent=D("10"),
                     line_amount_type=LineAmountType.INCLUSIVE),
        line_amounts(quantity=D("1"), unit_amount=D("9.99"), tax_rate_percent=D("10"),
                     line_amount_type=LineAmountType.INCLUSIVE),
    ]
    assert [line.tax_amount for line in lines] == [D("10.00"), D("0.91")]
    totals = document_totals(lines, line_amount_type=LineAmountType.INCLUSIVE)
    assert (totals.subtotal, totals.total_tax, totals.total) == (D("109.08"), D("10.91"), D("119.99"))


def test_it_charges_no_tax_on_no_tax_documents():
    line = line_amounts(quantity=D("2.5"), unit_amount=D("3.3333"), tax_rate_percent=D("15"),
                        line_amount_type=LineAmountType.NO_TAX)
    assert (line.line_amount, line.tax_amount) == (D("8.33"), D("0.00"))


def test_it_rounds_quantity_times_four_decimal_price():
    line = line_amounts(quantity=D("3"), unit_amount=D("1.0050"), tax_rate_percent=D("0"),
                        line_amount_type=LineAmountType.EXCLUSIVE)
    assert line.line_amount == D("3.02")  # 3.015 rounds half-up


def test_it_rejects_an_unknown_line_amount_type():
    with pytest.raises(ValueError):
        line_amounts(quantity=D("1"), unit_amount=D("1"), tax_rate_percent=D("0"), line_amount_type="Gross")
