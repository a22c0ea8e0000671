from decimal import Decimal

import pytest

from bms.ledger.models import AccountDefaults
from bms.ledger.selectors import accounts_for_role, product_accounts
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(("role", "codes"), [
    ("sales", ["41110", "42000"]),
    ("cost", ["51110", "56000", "57110"]),
    ("stock", ["14410", "14420"]),
    ("expense", ["51110", "56000", "57110", "58000"]),
])
def test_it_offers_each_role_exactly_the_accounts_that_can_serve_it(chart, role, codes):
    assert [account.code for account in accounts_for_role(role)] == codes


def test_it_never_offers_system_bank_or_archived_accounts(chart):
    never = {chart[name].pk for name in ("bank", "receivables", "rounding", "payables", "retained",
                                         "archived_revenue", "archived_expense")}
    for role in ("sales", "cost", "stock", "expense"):
        assert not never & set(accounts_for_role(role).values_list("pk", flat=True))


def test_it_resolves_a_products_accounts_from_its_overrides_else_the_defaults(chart):
    AccountDefaults.objects.create(pk=1, sales_account=chart["revenue"], cost_account=chart["cogs"],
                                   stock_account=chart["stock"])
    plain = f.product("PLAIN")
    special = f.product("SPECIAL", sales_account=chart["other_income"], stock_account=chart["inventory"])
    assert product_accounts(plain) == (chart["revenue"], chart["cogs"], chart["stock"])
    sales, cost, stock = product_accounts(special)
    assert (sales, cost, stock) == (chart["other_income"], chart["cogs"], chart["inventory"])
    assert product_accounts(special).stock == chart["inventory"]


def test_it_gives_none_where_neither_product_nor_defaults_say(chart):
    assert product_accounts(f.product()) == (None, None, None)
