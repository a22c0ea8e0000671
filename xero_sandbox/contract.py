"""Contract checks: every recorded exchange against Xero's own OpenAPI descriptions, read in
place from ../shared/xero-openapi/ beside the repository (never copied into it). Test-only: it
needs the dev dependencies openapi-core and PyYAML.

    with run_sandbox(tmp_path, record_traffic=True) as sandbox:
        ...
        assert contract_problems(sandbox.traffic()) == []

Where the description documents the status (200 and, for writes, 400) the body is validated with
openapi-core. Statuses it does not document (401, 403, 404, 413, 415, 429, 500, 503) are checked
against the shapes Xero gives: problem details, an Error, or plain text.

Without the files the contract tests skip on a developer machine, but fail where the files must be:
in CI (`CI` set, as CI services do) or with `BMS_REQUIRE_XERO_SPEC=1` (`require_spec_files`)."""

from __future__ import annotations

import functools
import json
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

SPEC_DIR = Path(__file__).resolve().parents[2] / "shared" / "xero-openapi"
SPEC_FILES = {"accounting": "xero_accounting.yaml", "identity": "xero-identity.yaml"}
SERVERS = {"accounting": "https://api.xero.com", "identity": "https://api.xero.com"}
PLAIN_TEXT_STATUSES = {413, 503}


def specs_available() -> bool:
    return all((SPEC_DIR / name).exists() for name in SPEC_FILES.values())


@dataclass(frozen=True)
class SpecCheck:
    action: Literal["run", "skip", "fail"]
    message: str = ""


def specs_required(environ: Mapping[str, str]) -> bool:
    """CI has the files: there a missing one is a broken checkout, never a reason to skip."""
    ci = environ.get("CI", "").strip().lower()
    return ci not in ("", "0", "false", "no") or environ.get("BMS_REQUIRE_XERO_SPEC", "").strip() == "1"


def spec_check(missing: Sequence[Path], environ: Mapping[str, str]) -> SpecCheck:
    """What a contract test does when `missing` of its description files are not there."""
    if not missing:
        return SpecCheck("run")
    where = ", ".join(str(path) for path in missing)
    if specs_required(environ):
        return SpecCheck("fail", f"Xero's OpenAPI description is missing: {where}. CI (or BMS_REQUIRE_XERO_SPEC=1) "
                                 "requires it: put Xero's xero-openapi files in ../shared/xero-openapi/ beside "
                                 "the repository.")
    return SpecCheck("skip", f"Xero's OpenAPI description is not at {where}")


def require_spec_files(*paths: Path) -> None:
    """In a test: go on when the files are there (all of SPEC_FILES by default); otherwise skip, or
    fail where they are required (see `spec_check`)."""
    import pytest

    check = spec_check([path for path in paths or _spec_paths() if not path.exists()], os.environ)
    if check.action == "fail":
        pytest.fail(check.message, pytrace=False)
    if check.action == "skip":
        pytest.skip(check.message)


def _spec_paths() -> list[Path]:
    return [SPEC_DIR / name for name in SPEC_FILES.values()]


@functools.cache
def _spec(kind: str):
    import yaml
    from openapi_core import Config, OpenAPI

    document = yaml.load((SPEC_DIR / SPEC_FILES[kind]).read_text(), Loader=yaml.CSafeLoader)
    # Xero's files do not pass spec validation themselves; their schemas are what we check against.
    return OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))


def _shape_problem(exchange: dict) -> str | None:
    """For a status the description leaves out: is it one of Xero's shapes?"""
    status, content_type, body = exchange["status"], exchange["content_type"], exchange["body"]
    if status == 204:
        return None if not body else "a 204 with a body"
    if status in PLAIN_TEXT_STATUSES:
        return None if content_type.startswith("text/plain") and body else f"{status} is not plain text"
    if "json" not in content_type:
        return f"{status} answered {content_type!r}"
    try:
        document = json.loads(body)
    except ValueError:
        return f"{status} body is not JSON"
    if status == 429 and "x-rate-limit-problem" not in {k.lower() for k in exchange.get("response_headers", {})}:
        return "a 429 without X-Rate-Limit-Problem"
    if isinstance(document, dict) and {"Title", "Status", "Detail"} <= set(document) and document["Status"] == status:
        return None
    if isinstance(document, dict) and {"ErrorNumber", "Type", "Message"} <= set(document) and status == 400:
        return None
    return f"{status} body is neither problem details nor a Xero Error: {body[:120]!r}"


def _mock_request(exchange: dict):
    from openapi_core.testing import MockRequest

    kind, path = exchange["spec"], exchange["path"]
    if kind == "identity":
        path = "/Connections" + path[len("/connections"):]  # the description spells it so
    return MockRequest(SERVERS[kind], exchange["method"].lower(), path, args=exchange["query"],
                       headers=exchange["headers"],
                       content_type=exchange["headers"].get("content-type", "application/json"),
                       data=exchange["request_body"] or None)


def _schema_details(exc: Exception) -> list[str]:
    cause = exc.__cause__ or exc
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in getattr(cause, "schema_errors", [])] or [repr(cause)[:300]]


def request_problems(traffic: list[dict]) -> list[str]:
    """One line per recorded request (body, headers and query) that Xero's description does not
    accept; [] when all do. What a client sends, where `contract_problems` checks the answers."""
    from openapi_core.exceptions import OpenAPIError

    problems = []
    for exchange in traffic:
        try:
            with warnings.catch_warnings():  # openapi-core does not check OAuth2, and says so every time
                warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
                _spec(exchange["spec"]).validate_request(_mock_request(exchange))
        except OpenAPIError as exc:
            query = "&".join(f"{k}={v}" for k, v in exchange["query"].items())
            problems.append(f"{exchange['method']} {exchange['path']}?{query}: {_schema_details(exc)}")
    return problems


def contract_problems(traffic: list[dict]) -> list[str]:
    """One line per exchange that does not match Xero's description; [] when all do."""
    from openapi_core.templating.responses.exceptions import ResponseNotFound
    from openapi_core.testing import MockResponse

    problems = []
    for exchange in traffic:
        if exchange.get("dropped"):
            continue  # the client never saw this answer (a fault), only its request counts
        request = _mock_request(exchange)
        response = MockResponse(exchange["body"], status_code=exchange["status"],
                                content_type=exchange["content_type"].split(";")[0] or "application/json")
        label = f"{exchange['method']} {exchange['path']} → {exchange['status']}"
        try:
            _spec(exchange["spec"]).validate_response(request, response)
        except ResponseNotFound:
            if (shape := _shape_problem(exchange)) is not None:
                problems.append(f"{label}: {shape}")
        except Exception as exc:  # noqa: BLE001 (report every mismatch of the run, not just the first)
            problems.append(f"{label}: {_schema_details(exc)}")
    return problems
