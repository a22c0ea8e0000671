"""Every list screen pages by keyset (bms/core/pagination.py): the same number of queries whatever
the number of rows shown, every row exactly once walking forward or backward (ties and nulls in the
sort key included, filters kept), and no cursor or old page number that makes a 500."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from bms.core import pagination
from bms.core.pagination import Page, page_of
from bms.core.testing import page_link
from bms.customers.selectors import customers_list
from bms.stock.models import Dispatch, DispatchStatus
from bms.stock.selectors import dispatches_list
from bms.testing.lists import LISTS, ListScreen, seed_base

pytestmark = pytest.mark.django_db
SCREENS = {screen.name: screen for screen in LISTS}


def _queries(client, url: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, (url, params)
    return len(captured)


def _seeded(screen: ListScreen, base, rows: int):
    """Seed `rows` rows in a savepoint, yield (url, seeded), then roll them back."""
    sid = transaction.savepoint()
    try:
        seeded = screen.seed(base, rows)
        yield screen.url(seeded), seeded
    finally:
        transaction.savepoint_rollback(sid)


@pytest.mark.parametrize("name", list(SCREENS))
def test_queries_per_page_are_the_same_for_5_and_50_rows_shown(client, name):
    screen, base = SCREENS[name], seed_base()
    client.force_login(base.user)
    counts = {}
    for rows in (5, 50):
        for url, seeded in _seeded(screen, base, rows):
            pages = {"first": {}, "last": {"page": "last"}, **screen.variants(base, seeded)}
            counts[rows] = {label: _queries(client, url, params) for label, params in pages.items()}
    assert counts[5] == counts[50]


HOSTILE = ["", "x", "!!!", "%00", "\x00", "A" * 5000, "bnVsbA", "W10", "e30",
           base64.urlsafe_b64encode(json.dumps(["2026-01-01", 2**70]).encode()).decode(),
           base64.urlsafe_b64encode(json.dumps([None, None, None, None, None]).encode()).decode(),
           base64.urlsafe_b64encode(json.dumps(["\x00", 1]).encode()).decode(),
           base64.urlsafe_b64encode(json.dumps([[1], {"a": 1}]).encode()).decode(),
           base64.urlsafe_b64encode(json.dumps(["2026-13-45T99:00:00", "NaN", "1e999", True]).encode()).decode()]


@pytest.mark.parametrize("name", list(SCREENS))
def test_a_cursor_or_page_number_it_did_not_write_shows_the_first_page(client, name):
    screen, base = SCREENS[name], seed_base()
    client.force_login(base.user)
    seeded = screen.seed(base, 60)
    url = screen.url(seeded)
    first = client.get(url).context["page_obj"]
    for value in HOSTILE:
        for param in ("after", "before"):
            _assert_first_page_or_refused(client.get(url, {param: value}), first, (param, value))
    for value in ("2", "0", "-1", "abc", "99999999999999999999", "\x00"):
        # a link from before keyset pages
        _assert_first_page_or_refused(client.get(url, {"page": value}), first, ("page", value))


def _assert_first_page_or_refused(response, first: Page, what) -> None:
    if "\x00" in what[1]:  # the request guard refuses a NUL anywhere in a query string
        assert response.status_code == 400, what
        return
    assert response.status_code == 200, what
    assert response.context["page_obj"].rows == first.rows, what


# --- keyset walks -------------------------------------------------------------------------------


@pytest.fixture
def dispatches():
    """23 dispatches: 4 not shipped (nulls, heading the list), and shipped ones sharing moments in
    threes, so the sort key ties and only the id tells rows apart."""
    base = seed_base()
    at = datetime(2026, 5, 4, 1, 0, tzinfo=UTC)
    Dispatch.objects.bulk_create(
        Dispatch(entity=base.entities[i % 2], customer=base.customers[0], reference=f"R{i:02d}",
                 status=DispatchStatus.DRAFT if i < 4 else DispatchStatus.SHIPPED,
                 shipped_at=None if i < 4 else at - timedelta(hours=i // 3)) for i in range(23))
    return base


def _walk(queryset, params: dict[str, str], *, backward: bool) -> list[int]:
    query = QueryDict(mutable=True)
    query.update({**params, **({"page": "last"} if backward else {})})
    seen: list[int] = []
    page: Page = page_of(queryset, query, per_page=4)
    while True:
        seen = [row.pk for row in page.rows] + seen if backward else seen + [row.pk for row in page.rows]
        more, link = (page.has_previous, page.previous_query) if backward else (page.has_next, page.next_query)
        if not more:
            return seen
        for name, value in params.items():
            assert f"{name}={value}" in link  # the filter goes with the cursor
        page = page_of(queryset, QueryDict(link), per_page=4)


def test_walking_forward_or_backward_shows_every_row_once_in_order_across_ties_and_nulls(dispatches):
    expected = [d.pk for d in dispatches_list()]
    assert len(expected) == 23
    assert _walk(dispatches_list(), {}, backward=False) == expected
    assert _walk(dispatches_list(), {}, backward=True) == expected


def test_a_filtered_walk_keeps_the_filter_on_every_page(dispatches):
    entity = dispatches.entities[1]
    expected = [d.pk for d in dispatches_list(entity=entity)]
    assert len(expected) == 11
    params = {"entity": str(entity.pk)}
    assert _walk(dispatches_list(entity=entity), params, backward=False) == expected
    assert _walk(dispatches_list(entity=entity), params, backward=True) == expected


def test_previous_from_a_middle_page_returns_the_page_before_it(dispatches):
    queryset = dispatches_list()
    first = page_of(queryset, QueryDict(), per_page=4)
    second = page_of(queryset, QueryDict(first.next_query), per_page=4)
    back = page_of(queryset, QueryDict(second.previous_query), per_page=4)
    assert back.rows == first.rows and not back.has_previous and back.has_next


def test_the_screen_links_first_previous_next_and_last_with_the_search_kept(client):
    base = seed_base()
    client.force_login(base.user)
    SCREENS["customers"].seed(base, 120)
    url = SCREENS["customers"].url(None)
    first = client.get(url, {"q": "Trading"})
    html = first.content.decode()
    assert "Next" in html and "Last" in html and "Previous" not in html
    assert "50 shown · 120 rows" in html
    expected = [c.code for c in customers_list(search="Trading")]
    second = client.get(url + page_link(first, "next"))
    assert "Previous" in second.content.decode() and "First" in second.content.decode()
    assert [c.code for c in second.context["page_obj"]] == expected[50:100]
    last = client.get(url, {"q": "Trading", "page": "last"}).context["page_obj"]
    assert [c.code for c in last] == expected[-50:] and last.has_previous and not last.has_next


def test_a_count_beyond_the_cap_says_more_than(client, monkeypatch):
    base = seed_base()
    client.force_login(base.user)
    SCREENS["jobs"].seed(base, 60)
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 55)
    assert "more than 55 rows" in client.get(SCREENS["jobs"].url(None)).content.decode()
