import pytest

from bms.billing.tests import factories as f


@pytest.fixture
def chart(db):
    """A chart with an account of every kind the select menus must tell apart: right and wrong
    classes, archived, system, bank, and one Xero refuses manual journals on."""
    return {
        "revenue": f.account("41110", "Hardware Sale - Machine", "REVENUE", "REVENUE"),
        "other_income": f.account("42000", "Freight Recovered", "REVENUE", "OTHERINCOME"),
        "archived_revenue": f.account("41999", "Old Sales", "REVENUE", "REVENUE", status="ARCHIVED"),
        "cogs": f.account("51110", "Hardware Cost - Machine", "EXPENSE", "DIRECTCOSTS"),
        "overheads": f.account("56000", "Rent", "EXPENSE", "OVERHEADS"),
        "expense": f.account("57110", "Sales Expense General", "EXPENSE", "EXPENSE"),
        "archived_expense": f.account("57999", "Old Expense", "EXPENSE", "EXPENSE", status="ARCHIVED"),
        "depreciation": f.account("58000", "Depreciation", "EXPENSE", "DEPRECIATN"),
        "stock": f.account("14410", "Stock on Hand", "ASSET", "CURRENT"),
        "inventory": f.account("14420", "Inventory", "ASSET", "INVENTORY"),
        "tracked_inventory": f.account("14430", "Tracked Inventory", "ASSET", "INVENTORY",
                                       accepts_manual_journals=False),
        "fixed": f.account("16000", "Plant", "ASSET", "FIXED"),
        "bank": f.account("10100", "Operating Account", "ASSET", "BANK", is_bank=True),
        "receivables": f.account("11000", "Accounts Receivable", "ASSET", "CURRENT", is_system=True),
        "rounding": f.account("86000", "Rounding", "EXPENSE", "EXPENSE", is_system=True),
        "payables": f.account("20000", "Accounts Payable", "LIABILITY", "CURRLIAB", is_system=True),
        "retained": f.account("33000", "Retained Earnings", "EQUITY", "EQUITY", is_system=True),
    }
