"""The scale suite needs PostgreSQL and Redis: it runs in the PostgreSQL pass of `make test` when
BMS_TEST_DATABASE_URL and BMS_TEST_REDIS_URL are set (`.ci/run` sets both), and is skipped otherwise."""

import os

import pytest

from tests.scale.harness import service_urls


def pytest_collection_modifyitems(config, items):
    skip = None
    if service_urls() is None:
        skip = pytest.mark.skip(reason="needs BMS_TEST_DATABASE_URL (PostgreSQL) and BMS_TEST_REDIS_URL")
    elif os.environ.get("BMS_TEST_ON") != "postgres":
        skip = pytest.mark.skip(reason="runs in the PostgreSQL pass of make test")
    for item in items:
        if "tests/scale/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.scale)
            if skip:
                item.add_marker(skip)
