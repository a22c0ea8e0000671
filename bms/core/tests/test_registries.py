"""Core knows only its own permissions and audit actions; every app adds its own when it is ready,
before any view module asks for one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bms.core import access, audit
from bms.core.access import ALL_ROLES, RULES, access_rules_register, rule, user_can
from bms.core.audit import ACTIONS, audit_actions_register, audit_record
from bms.core.roles import Role

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def restored_registries(monkeypatch):
    monkeypatch.setattr(access, "RULES", dict(RULES))
    monkeypatch.setattr(audit, "ACTIONS", dict(ACTIONS))


def test_it_has_each_apps_permissions_once_the_apps_are_ready():
    assert {"billing.view", "billing.edit", "stock.view", "jobs.view", "jobs.retry", "xero.connect", "xero.sync",
            "xero.journals"} <= set(RULES)
    assert {"jobs.retried", "settings.changed", "settings.package_changed", "xero.bulk_sync"} <= set(ACTIONS)


def test_it_refuses_a_permission_nobody_registered():
    with pytest.raises(KeyError, match=r"unknown permission 'stock\.sell_everything'"):
        rule("stock.sell_everything")
    with pytest.raises(KeyError):
        user_can(None, "stock.sell_everything")


@pytest.mark.django_db
def test_it_refuses_an_audit_action_nobody_registered(admin_user):
    with pytest.raises(KeyError, match=r"unknown audit action 'stock.sold_everything'"):
        audit_record(actor=admin_user, action="stock.sold_everything")


@pytest.mark.usefixtures("restored_registries")
def test_it_accepts_a_registered_permission_and_the_same_rule_again():
    access_rules_register({"reports.view": {Role.ADMIN}})
    access_rules_register({"reports.view": {Role.ADMIN}})
    assert rule("reports.view")(lambda request: None).access_rule == "reports.view"


@pytest.mark.usefixtures("restored_registries")
def test_it_refuses_to_give_a_known_permission_other_roles():
    with pytest.raises(ValueError, match=r"billing.edit"):
        access_rules_register({"billing.edit": ALL_ROLES})
    with pytest.raises(ValueError, match=r"public"):
        access_rules_register({"public": ALL_ROLES})
    assert RULES["billing.edit"] == frozenset({Role.ADMIN, Role.FINANCE})


@pytest.mark.usefixtures("restored_registries")
def test_it_refuses_a_role_that_does_not_exist():
    with pytest.raises(ValueError):
        access_rules_register({"reports.view": {"janitor"}})


@pytest.mark.usefixtures("restored_registries")
def test_it_refuses_to_relabel_a_known_audit_action():
    audit_actions_register({"jobs.retried": "Job re-triggered"})
    with pytest.raises(ValueError, match=r"jobs.retried"):
        audit_actions_register({"jobs.retried": "Something else"})


@pytest.mark.slow
def test_it_registers_every_rule_before_any_view_declares_one():
    # A fresh process: every `@rule(...)` of the URLconf must run after all AppConfig.ready() (which
    # is when apps.ready turns true), never during one, whatever the order of INSTALLED_APPS.
    script = """
import importlib.machinery
import sys

import django
from django.apps import apps

calls = []


class SpyOnRule:  # wraps bms.core.access.rule as soon as the module is loaded (it needs Django set up)
    def find_spec(self, name, path, target=None):
        if name != "bms.core.access":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            declare = module.rule
            module.rule = lambda permission: calls.append((permission, apps.ready)) or declare(permission)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, SpyOnRule())
django.setup()
from django.urls import get_resolver

get_resolver().url_patterns
early = sorted({permission for permission, ready in calls if not ready})
assert calls and not early, f"rules declared before the apps were ready: {early}"
print(len(calls))
"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 10
