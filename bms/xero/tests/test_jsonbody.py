import json
from datetime import date
from decimal import Decimal

import pytest

from bms.xero.client.jsonbody import dumps


def test_it_writes_decimals_digit_for_digit():
    body = {"Amount": Decimal("0.10"), "Quantity": Decimal("1E+2"), "Lines": [Decimal("12345678901234.5678")]}
    text = dumps(body)
    assert text == '{"Amount":0.10,"Quantity":100,"Lines":[12345678901234.5678]}'
    assert json.loads(text, parse_float=Decimal)["Lines"][0] == Decimal("12345678901234.5678")


def test_it_writes_strings_dates_and_literals_as_json_does():
    assert dumps({"Name": 'Ünïcode "quoted"', "On": date(2026, 4, 23), "Ok": True, "None": None, "N": 3}) == (
        '{"Name":"\\u00dcn\\u00efcode \\"quoted\\"","On":"2026-04-23","Ok":true,"None":null,"N":3}'
    )


def test_it_refuses_floats_and_non_finite_decimals():
    with pytest.raises(TypeError):
        dumps({"Amount": 0.1})
    with pytest.raises(ValueError):
        dumps({"Amount": Decimal("NaN")})
