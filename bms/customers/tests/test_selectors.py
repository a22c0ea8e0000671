import pytest

from bms.customers.selectors import customers_list
from bms.testing import factories as f

pytestmark = pytest.mark.django_db


def test_it_searches_customers_by_code_name_or_email():
    bright = f.customer("C0001", "Bright Tools", email="ap@bright.example")
    nuts = f.customer("N0002", "Nuts & Bolts")
    assert list(customers_list(search="c0001")) == [bright]
    assert list(customers_list(search="bolts")) == [nuts]
    assert list(customers_list(search="bright.example")) == [bright]
    assert list(customers_list()) == [bright, nuts]
