"""Without Xero's OpenAPI files the contract tests skip on a developer machine, and fail in CI."""

from pathlib import Path

import pytest

from xero_sandbox.contract import require_spec_files, spec_check

MISSING = [Path("/nowhere/xero-openapi/xero_accounting.yaml")]


def test_it_runs_when_every_file_is_there_whatever_the_environment():
    assert spec_check([], {}).action == "run"
    assert spec_check([], {"CI": "true"}).action == "run"


def test_it_skips_on_a_developer_machine_without_the_files():
    for environ in ({}, {"CI": ""}, {"CI": "false"}, {"CI": "0"}, {"BMS_REQUIRE_XERO_SPEC": "0"}):
        check = spec_check(MISSING, environ)
        assert check.action == "skip", environ
        assert str(MISSING[0]) in check.message


@pytest.mark.parametrize("environ", [{"CI": "true"}, {"CI": "1"}, {"CI": "yes"}, {"BMS_REQUIRE_XERO_SPEC": "1"}])
def test_it_fails_where_the_files_are_required_naming_the_missing_path(environ):
    check = spec_check(MISSING, environ)
    assert check.action == "fail"
    assert str(MISSING[0]) in check.message and "BMS_REQUIRE_XERO_SPEC" in check.message


def test_a_contract_test_fails_in_ci_without_the_files(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"xero_accounting\.yaml"):
        require_spec_files(*MISSING)


def test_a_contract_test_skips_on_a_developer_machine_without_the_files(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BMS_REQUIRE_XERO_SPEC", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_spec_files(*MISSING)
