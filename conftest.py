"""Fixtures shared by every suite: the personas, logged in or not."""

import pytest

from bms.core.testing import persona


@pytest.fixture
def admin_user(db):
    return persona("admin")


@pytest.fixture
def finance_user(db):
    return persona("finance")


@pytest.fixture
def staff_user(db):
    return persona("staff")


@pytest.fixture
def partner_user(db):
    return persona("partner")


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    return _client_for(client, admin_user)


@pytest.fixture
def finance_client(client, finance_user):
    return _client_for(client, finance_user)


@pytest.fixture
def staff_client(client, staff_user):
    return _client_for(client, staff_user)


@pytest.fixture
def partner_client(client, partner_user):
    return _client_for(client, partner_user)
