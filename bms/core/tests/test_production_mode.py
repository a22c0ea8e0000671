"""Production mode (BMS_DEBUG=0): required settings, `bms check --deploy` clean, security headers.

Settings are read once, at start-up, so each test starts a fresh process with the environment a
real deployment would have."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


def _env(tmp_path, **overrides) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BMS_", "DJANGO_"))}
    env.update({
        "BMS_DEBUG": "0",
        "BMS_DATA_DIR": str(tmp_path),
        "BMS_SECRET_KEY": "x7Kp2-" + "q9LmZ3vR8tW1yB4nC6dF0gH5jK" * 3,
        "BMS_TOKEN_KEYS": Fernet.generate_key().decode(),
        "BMS_ALLOWED_HOSTS": "bms.example.com",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    })
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def _bms(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_it_passes_djangos_deployment_checks_in_production_mode(tmp_path):
    result = _bms("check", "--deploy", "--fail-level", "WARNING", env=_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("missing", ["BMS_SECRET_KEY", "BMS_TOKEN_KEYS", "BMS_ALLOWED_HOSTS"])
def test_it_refuses_to_start_in_production_mode_without_a_required_setting(tmp_path, missing):
    result = _bms("check", env=_env(tmp_path, **{missing: None}))
    assert result.returncode != 0
    assert "BMS cannot start" in result.stderr and missing in result.stderr
    assert "Traceback" not in result.stderr  # an operator's message, not a stack trace
    others = {"BMS_SECRET_KEY", "BMS_TOKEN_KEYS", "BMS_ALLOWED_HOSTS"} - {missing}
    assert not any(f"{name} (" in result.stderr for name in others)


HEADERS_SCRIPT = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(HTTP_HOST="bms.example.com")
plain = client.get("/login/")
secure = client.get("/login/", secure=True)
client.post("/login/", {"username": "x", "password": "y"}, secure=True)
print(json.dumps({
    "plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
    "headers": dict(secure.headers), "status": secure.status_code,
    "cookies": {name: dict(morsel) for name, morsel in secure.cookies.items()},
}))
"""


def test_it_sends_the_security_headers_and_secure_cookies_in_production_mode(tmp_path):
    env = _env(tmp_path)
    migrate = _bms("migrate", "--no-input", env=env)
    assert migrate.returncode == 0, migrate.stderr
    result = subprocess.run([sys.executable, "-c", HEADERS_SCRIPT], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain_status"] == 301 and seen["plain_location"].startswith("https://")  # HTTPS only
    headers = seen["headers"]
    assert seen["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    csrf = seen["cookies"]["csrftoken"]
    assert csrf["secure"] is True


def test_it_marks_the_session_cookie_secure_and_http_only_in_production_mode(tmp_path):
    script = ("import django; django.setup(); from django.conf import settings as s; import json; "
              "print(json.dumps([s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, "
              "s.SESSION_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT, s.DEBUG]))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=_env(tmp_path), capture_output=True,
                            text=True, timeout=60)
    assert json.loads(result.stdout) == [True, True, True, "Lax", True, False]
