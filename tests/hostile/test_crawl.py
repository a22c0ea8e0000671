"""Acceptance (issue 17): a crawl of every URL pattern the resolver knows, as each role, with hostile
query strings, path ids and form bodies: no server error, and a refused request writes nothing.
One seeded database for the whole module; every request is rolled back (tests/hostile/crawl.py)."""

import json
import logging

import pytest
from django.db import connection, transaction
from django.test import Client

from bms.core.testing import persona
from bms.demo.data import seed_demo
from tests.hostile.crawl import SCREENS, Crawler, patterns, uncovered

pytestmark = pytest.mark.slow

ROLES = ("admin", "finance", "staff")


@pytest.fixture(scope="module")
def crawled(django_db_setup, django_db_blocker):
    if connection.vendor != "sqlite":
        pytest.skip("the crawl runs in the SQLite pass (it takes a minute; PostgreSQL adds nothing it checks)")
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        clients = {"anonymous": Client(raise_request_exception=False)}
        for role in ROLES:
            clients[role] = Client(raise_request_exception=False)
            clients[role].force_login(persona(role))
        ids = {}
        for label in {label for kwargs in SCREENS.values() for label in kwargs.values()}:
            from django.apps import apps

            model = apps.get_model(label)
            ids[label] = model._default_manager.order_by("pk").values_list("pk", flat=True).first() or 1
        quiet = logging.getLogger("django.request"), logging.getLogger("django.security.csrf")
        levels = [logger.level for logger in quiet]
        for logger in quiet:
            logger.setLevel(logging.ERROR)  # thousands of routine 4xx lines
        try:
            result = Crawler(clients=clients, ids=ids).crawl()
        finally:
            for logger, level in zip(quiet, levels, strict=True):
                logger.setLevel(level)
        transaction.set_rollback(True)
    print(json.dumps({"patterns": result.pages, "roles": result.roles, "requests": result.requests,
                      "server_errors": len(result.server_errors), "refused": result.refused,
                      "accepted_with_writes": result.accepted_writes,
                      "refused_with_writes_compared": result.refused_and_compared,
                      "half_written": len(result.half_written),
                      "seconds": round(result.seconds, 1)}))
    return result


def test_the_crawl_covers_every_url_pattern_the_resolver_knows():
    assert uncovered() == [], "name the path ids of these patterns in tests/hostile/crawl.py SCREENS"
    assert set(SCREENS) == {name for name, _ in patterns()}, "SCREENS names patterns that no longer exist"


@pytest.mark.django_db  # so pytest-django sets the test database up for the module's crawl
def test_no_request_of_the_crawl_is_a_server_error(crawled):
    assert crawled.requests > 1000
    assert crawled.server_errors == []


@pytest.mark.django_db
def test_no_refused_request_of_the_crawl_wrote_anything(crawled):
    assert crawled.accepted_writes > 0, "the statement watch saw no write at all: is it still wired?"
    assert crawled.half_written == []
