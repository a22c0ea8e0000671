"""Test data for the nightly journals: a chart with Cost and Stock defaults, and dispatches shipped
at a given local time. Xero tests reuse it."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from bms.ledger.models import AccountClass, AccountType
from bms.ledger.services import account_defaults_update
from bms.stock.services import dispatch_create, dispatch_ship
from bms.testing import factories as f

D = Decimal


def journal_chart():
    """Defaults Cost 51110 / Stock 14410 (the sandbox's AU codes), and a parts cost account 51120."""
    cost = f.account("51110", "Hardware Cost - Machine", AccountClass.EXPENSE, AccountType.DIRECTCOSTS)
    parts = f.account("51120", "Hardware Cost - Parts", AccountClass.EXPENSE, AccountType.DIRECTCOSTS)
    stock = f.account("14410", "Stock on Hand", AccountClass.ASSET, AccountType.CURRENT)
    account_defaults_update(cost_account=cost, stock_account=stock)
    return {"cost": cost, "parts": parts, "stock": stock}


def local(text: str, tz: str = "Australia/Sydney") -> datetime:
    """'2026-04-23 09:00' in `tz`, as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


_counter = iter(range(1, 10**9))


def shipped(entity, at: datetime, *lines, customer=None, reference=None):
    """A dispatch of (product, quantity) lines shipped at `at`; the clock is `at` while it happens,
    as it would be for a person pressing Ship."""
    customer = customer or f.customer(code=f"C{next(_counter):05d}", name="Bright Tools Pty Ltd")
    with time_machine.travel(at, tick=False):
        dispatch = dispatch_create(entity=entity, customer=customer,
                                   reference=reference or f"DSP-{next(_counter):05d}",
                                   lines=[(product, D(str(quantity))) for product, quantity in lines])
        return dispatch_ship(dispatch=dispatch, shipped_at=at)
