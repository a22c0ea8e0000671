"""What the logs hold: routine refusals as one line, 500s with their traceback, and never a secret."""

import io
import logging
import sys
from types import SimpleNamespace

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import RequestFactory

from bms.core.logfilters import ClientErrorsOneLine, RedactSecrets, redact


def _every_handler() -> list[tuple[str, logging.Handler]]:
    # Not uvicorn's: that is the Xero sandbox's own server (started by tests in this process), which
    # imports nothing from BMS and logs no request lines (xero_sandbox/server.py: access_log=False).
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in logging.Logger.manager.loggerDict
                                      if not name.startswith("uvicorn"))]
    return [(logger.name, handler) for logger in loggers for handler in logger.handlers
            if not type(handler).__module__.startswith("_pytest") and not isinstance(handler, logging.NullHandler)]


def test_every_log_handler_carries_the_redaction_and_the_one_line_filters():
    handlers = _every_handler()
    assert {name for name, _ in handlers} >= {"root", "django.server"}
    missing = [(name, handler) for name, handler in handlers
               if not {RedactSecrets, ClientErrorsOneLine} <= {type(f) for f in handler.filters}]
    assert missing == []


def _request_lines(caplog, status: int) -> list[tuple[str, dict]]:
    """Each logged refusal with this status: its message and its fields (the console prints both on one line)."""
    return [(record.getMessage(), record.fields) for record in caplog.records
            if getattr(record, "status_code", None) == status and record.name.startswith("django.")]


@pytest.mark.django_db
def test_a_refused_page_is_one_line_with_method_path_status_and_user(staff_client, staff_user, caplog):
    caplog.set_level(logging.INFO)
    response = staff_client.post("/admin/entities/new/" + "?next=/secret&code=abc", {"name": "x"})
    assert response.status_code == 403
    assert _request_lines(caplog, 403) == [
        ("Forbidden: POST /admin/entities/new/", {"status": 403, "user": str(staff_user.pk)})]
    assert len([line for line in caplog.text.splitlines() if line.strip()]) == 1
    assert "Traceback" not in caplog.text and "PermissionDenied" not in caplog.text
    assert "?next" not in caplog.text


@pytest.mark.django_db
def test_a_missing_record_and_a_bad_host_are_one_line_each(admin_client, admin_user, caplog):
    caplog.set_level(logging.INFO)
    assert admin_client.get("/admin/entities/987654/").status_code == 404
    assert admin_client.get("/", HTTP_HOST="evil.example").status_code == 400
    assert _request_lines(caplog, 404) == [
        ("Not Found: GET /admin/entities/987654/", {"status": 404, "user": str(admin_user.pk)})]
    # Refused before anyone is signed in: no user to name.
    assert _request_lines(caplog, 400) == [("Bad Request: GET /", {"status": 400, "user": "-"})]
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback(caplog):
    request = RequestFactory().get("/billing/invoices/1/")
    try:
        _ = [1][2]  # a bug
    except IndexError:
        logging.getLogger("django.request").error("Internal Server Error: %s", request.path, exc_info=True,
                                                  extra={"status_code": 500, "request": request})
    assert "Internal Server Error: /billing/invoices/1/" in caplog.text
    assert "Traceback" in caplog.text and "IndexError" in caplog.text


def test_secrets_are_redacted_in_messages_arguments_tracebacks_and_fields(caplog):
    log = logging.getLogger("httpx")
    log.warning("token answer %s", {"access_token": "AT-1234567890", "refresh_token": "RT-1234567890",
                                    "id_token": "ID-1234567890"})
    log.warning("POST body: grant_type=authorization_code&code=CODE-12345&code_verifier=VER-12345")
    logging.getLogger("httpcore.http11").warning("headers %r", [(b"Authorization", b"Bearer eyJhbGciOi.secret.sig")])
    logging.getLogger("bms.xero").warning("app", extra={"fields": {"client_secret": "x", "body": "client_secret=CS-9"}})
    try:
        raise ValueError("callback /xero/callback/?code=CODE-67890&state=STATE-67890")
    except ValueError:
        logging.getLogger("bms.xero").exception("failed")
    for secret in ("AT-1234567890", "RT-1234567890", "ID-1234567890", "CODE-12345", "VER-12345", "eyJhbGciOi",
                   "CS-9", "CODE-67890", "STATE-67890"):
        assert secret not in caplog.text, secret
    assert caplog.text.count("[redacted]") >= 9 and "ValueError" in caplog.text


def test_words_that_merely_contain_code_or_state_are_left_alone():
    line = "status_code=403 error_code=5 decode=1 tax_state=NSW outcome=ok"
    assert redact(line) == line


def test_the_runserver_access_line_of_an_oauth_callback_holds_neither_code_nor_state():
    handler = logging.getLogger("django.server").handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        # What runserver (`bms demo`'s web process) calls for every request it answers.
        stub = SimpleNamespace(request=None, log_date_time_string=lambda: "05/Dec/2026 13:00:00")
        WSGIRequestHandler.log_message(stub, '"%s" %s %s',
                                       "GET /xero/callback/?code=ONE-TIME-CODE&state=STATE-VALUE HTTP/1.1", "302", "0")
    finally:
        handler.setStream(previous or sys.stderr)
    line = stream.getvalue()
    assert '"GET /xero/callback/?code=[redacted]&state=[redacted] HTTP/1.1" 302 0' in line
    assert "ONE-TIME-CODE" not in line and "STATE-VALUE" not in line
