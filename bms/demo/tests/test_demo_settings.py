"""`bms demo` leaves the sandbox's Xero settings in this checkout (var/xero.env), so a `bms` command
in a second shell talks to the same sandbox; `--help` names the ports given."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from bms.core.settings_file import settings_file_read, settings_file_write
from bms.demo.management.commands import demo as demo_command
from bms.demo.management.commands.demo import demo_xero_settings
from bms.demo.supervisor import Outcome

pytestmark = pytest.mark.slow  # starts bms processes

ROOT = Path(settings.BASE_DIR)


def _second_shell(data_dir: Path, code: str, **extra: str) -> str:
    """A fresh `bms shell` in this checkout, as another terminal would run it: no XERO_* in its
    environment, the data folder the demo used."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("XERO_") and name not in ("BMS_XERO_ENV_FILE", "DJANGO_SETTINGS_MODULE")}
    env |= {"BMS_DATA_DIR": str(data_dir), **extra}
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-v", "0", "-c", code], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def demo_run(settings, tmp_path, monkeypatch, capsys):
    """`bms demo --port 9100 --sandbox-port 9101` with its children stood in for (they have their
    own tests): what it leaves behind and what it says."""
    settings.BMS_XERO_ENV_FILE = str(tmp_path / "xero.env")
    for name in [name for name in os.environ if name.startswith("XERO_")]:
        monkeypatch.delenv(name)
    monkeypatch.setattr(demo_command, "supervise", lambda children, env, out: Outcome(None, None))
    call_command("demo", "--port", "9100", "--sandbox-port", "9101")
    return tmp_path, capsys.readouterr().out


def test_it_leaves_the_sandbox_settings_for_every_command_in_the_checkout_and_says_where(demo_run):
    data_dir, said = demo_run
    written = data_dir / "xero.env"
    assert settings_file_read(written, {}) == demo_xero_settings(9100, 9101)
    assert stat.S_IMODE(written.stat().st_mode) == 0o600  # the client secret is in it
    assert "Xero settings:" in said and "xero.env" in said and "bms xero_check" in said
    seen = _second_shell(data_dir, "from django.conf import settings as s; print(s.XERO_API_URL, s.XERO_CLIENT_ID, "
                                    "s.XERO_WEB_URL, s.BMS_BASE_URL)")
    assert seen.split() == ["http://127.0.0.1:9101/api.xro/2.0", "bms-demo", "http://127.0.0.1:9101",
                            "http://127.0.0.1:9100"]


def test_a_real_xero_configuration_in_the_environment_wins_whole(demo_run):
    data_dir, _ = demo_run
    seen = _second_shell(data_dir, "from django.conf import settings as s; print(s.XERO_API_URL, s.XERO_CLIENT_ID)",
                         XERO_CLIENT_ID="real-app")
    assert seen.split() == ["https://api.xero.com/api.xro/2.0", "real-app"]  # no sandbox URL mixed in


def test_with_xero_in_the_environment_the_demo_writes_nothing(settings, tmp_path, monkeypatch, capsys):
    settings.BMS_XERO_ENV_FILE = str(tmp_path / "xero.env")
    monkeypatch.setenv("XERO_CLIENT_ID", "real-app")
    monkeypatch.setattr(demo_command, "supervise", lambda children, env, out: Outcome(None, None))
    call_command("demo")
    assert not (tmp_path / "xero.env").exists()
    assert "from the environment (XERO_*)" in capsys.readouterr().out


def test_the_file_takes_only_xero_settings_and_the_base_url(tmp_path):
    path = tmp_path / "xero.env"
    settings_file_write(path, {"XERO_API_URL": "http://127.0.0.1:1/api.xro/2.0", "BMS_SECRET_KEY": "no"},
                        header="test")
    path.write_text(path.read_text() + "BMS_DEBUG=0\n# XERO_CLIENT_ID=commented\nBMS_BASE_URL=http://x\n")
    assert settings_file_read(path, {}) == {"XERO_API_URL": "http://127.0.0.1:1/api.xro/2.0",
                                            "BMS_BASE_URL": "http://x"}
    assert settings_file_read(path, {"XERO_API_URL": "https://api.xero.com/api.xro/2.0"}) == {}
    assert settings_file_read(tmp_path / "missing.env", {}) == {}


@pytest.mark.parametrize("order", [["--port", "9100", "--sandbox-port", "9101", "--help"],
                                   ["--help", "--port", "9100", "--sandbox-port", "9101"]])
def test_help_names_the_ports_given(order):
    shown = subprocess.run([sys.executable, str(ROOT / "manage.py"), "demo", *order], cwd=ROOT,
                           capture_output=True, text=True, timeout=60, check=True).stdout
    flat = " ".join(shown.split())
    assert "web app on :9100" in flat and "sandbox on :9101" in flat
    assert ":8000" not in flat and ":8001" not in flat
