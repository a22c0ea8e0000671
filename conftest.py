"""Fixtures shared by every suite: the personas, logged in or not."""

import logging

import pytest
from django.test import Client

from bms.core.logfilters import ClientErrorsOneLine, RedactSecrets
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


def _client_for(user) -> Client:
    # A client of its own per persona: two personas in one test must not share a session.
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def finance_client(finance_user):
    return _client_for(finance_user)


@pytest.fixture
def staff_client(staff_user):
    return _client_for(staff_user)


@pytest.fixture
def partner_client(partner_user):
    return _client_for(partner_user)


@pytest.fixture(autouse=True)
def _caplog_sees_what_the_console_prints(caplog):
    """caplog's handler (one for the whole session) gets the filters settings.LOGGING puts on every
    handler — redaction, one-line refusals — so a test reading caplog reads what an operator's log holds."""
    for handler in logging.getLogger().handlers:
        for log_filter in handler.filters:
            if isinstance(log_filter, ClientErrorsOneLine | RedactSecrets) and log_filter not in caplog.handler.filters:
                caplog.handler.addFilter(log_filter)
