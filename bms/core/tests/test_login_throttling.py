"""Login throttling (django-axes): five wrong passwords lock the username from that address."""

import pytest
from django.test import Client
from django.urls import reverse

from bms.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _try(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_it_locks_out_a_username_after_five_wrong_passwords_with_a_clear_message(admin_user):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        wrong = _try(client, admin_user.username, "guess")
        assert wrong.status_code == 200 and b"Please enter a correct username and password" in wrong.content
    locked = _try(client, admin_user.username, "guess")
    assert locked.status_code == 429
    assert b"Too many attempts" in locked.content and b"Wait 15 minutes" in locked.content
    # Even the right password is refused while the lock lasts.
    right = _try(client, admin_user.username, PASSWORD)
    assert right.status_code == 429 and "_auth_user_id" not in client.session


def test_it_keeps_the_lock_to_that_username_and_address(admin_user, finance_user):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        _try(attacker, admin_user.username, "guess")
    # The same person from the office, and a colleague from the attacker's address, still get in.
    office = Client(REMOTE_ADDR="198.51.100.20")
    assert _try(office, admin_user.username, PASSWORD).status_code == 302
    assert _try(attacker, finance_user.username, PASSWORD).status_code == 302


def test_it_lets_the_user_in_again_after_the_cool_off(admin_user, time_machine):
    client = Client(REMOTE_ADDR="203.0.113.7")
    time_machine.move_to("2026-05-01 09:00Z", tick=False)
    for _ in range(5):
        _try(client, admin_user.username, "guess")
    assert _try(client, admin_user.username, PASSWORD).status_code == 429
    time_machine.move_to("2026-05-01 09:16Z", tick=False)
    assert _try(client, admin_user.username, PASSWORD).status_code == 302


def test_it_resets_the_count_after_a_successful_login(admin_user):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        _try(client, admin_user.username, "guess")
    assert _try(client, admin_user.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _try(client, admin_user.username, "guess").status_code == 200
