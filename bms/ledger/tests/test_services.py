import pytest

from bms.core.errors import DomainError
from bms.ledger.models import AccountDefaults
from bms.ledger.services import account_create, account_defaults_update, account_update

pytestmark = pytest.mark.django_db


def _create(**fields):
    return account_create(**{"code": "60000", "name": "Wages", "account_class": "EXPENSE",
                             "account_type": "EXPENSE", **fields})


def test_it_refuses_a_duplicate_code_whatever_the_case(chart):
    _create(code="ABC1")
    with pytest.raises(DomainError, match="already exists") as refused:
        _create(code="abc1")
    assert refused.value.field == "code"


@pytest.mark.parametrize(("account_type", "wrong_class", "right"), [
    ("DIRECTCOSTS", "ASSET", "Expense"), ("BANK", "EXPENSE", "Asset"), ("OTHERINCOME", "EXPENSE", "Revenue"),
    ("CURRLIAB", "ASSET", "Liability"), ("EQUITY", "REVENUE", "Equity"),
])
def test_it_refuses_a_class_that_does_not_fit_xeros_type(account_type, wrong_class, right):
    with pytest.raises(DomainError, match=f"belongs to the {right} class") as refused:
        _create(account_type=account_type, account_class=wrong_class)
    assert refused.value.field == "account_class"


def test_it_marks_a_bank_type_account_as_a_bank_account():
    assert _create(code="10100", account_type="BANK", account_class="ASSET").is_bank


def test_it_updates_an_account_but_not_onto_anothers_code(chart):
    account = account_update(account=chart["expense"], name="Selling Costs")
    assert account.name == "Selling Costs"
    with pytest.raises(DomainError):
        account_update(account=account, code="51110")


def test_it_refuses_a_default_that_its_menu_does_not_offer(chart):
    for field, account in (("stock_account", "bank"), ("sales_account", "archived_revenue"),
                           ("cost_account", "tracked_inventory"), ("expense_account", "rounding")):
        with pytest.raises(DomainError) as refused:
            account_defaults_update(**{field: chart[account]})
        assert refused.value.field == field
    assert not AccountDefaults.objects.exclude(stock_account=None).exists()


def test_it_changes_only_the_defaults_it_is_given(chart):
    account_defaults_update(sales_account=chart["revenue"], cost_account=chart["cogs"])
    defaults = account_defaults_update(stock_account=chart["stock"])
    assert (defaults.sales_account, defaults.cost_account, defaults.stock_account) == (
        chart["revenue"], chart["cogs"], chart["stock"])
    assert account_defaults_update(sales_account=None).sales_account is None
