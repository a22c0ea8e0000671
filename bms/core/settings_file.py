"""This checkout's Xero settings file (var/xero.env): `bms demo` writes the sandbox's XERO_* settings
there, and settings.py reads them, so every `bms` command in the same checkout — `bms xero_check` or
`bms sync …` in a second shell — talks to the same sandbox as the demo.

The environment always wins: with any XERO_* variable set, the file is not read at all, so a real Xero
configuration is never mixed with the sandbox's URLs. Only stdlib here: settings.py imports it before
Django is set up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

# What the file may set: the Xero endpoints and app credentials, and the address Xero links back to.
NAMES = ("XERO_", "BMS_BASE_URL")


def _allowed(name: str) -> bool:
    return name.startswith(NAMES[0]) or name == NAMES[1]


def settings_file_read(path: str | Path, environ: Mapping[str, str]) -> dict[str, str]:
    """The file's NAME=value lines (blank lines and # comments skipped), or {} when the environment
    sets any XERO_* variable, when no file is named, or when it does not exist."""
    if not path or any(name.startswith(NAMES[0]) for name in environ):
        return {}
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return {}
    values = {}
    for line in text.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and not name.startswith("#") and _allowed(name.strip()):
            values[name.strip()] = value.strip()
    return values


def settings_file_write(path: str | Path, values: Mapping[str, str], *, header: str) -> None:
    """Write the settings, readable by the owner only (a client secret is among them), replacing the
    file in one step so a command starting meanwhile never reads half of it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("".join(f"# {line}\n" for line in header.splitlines()))
        out.write("".join(f"{name}={value}\n" for name, value in values.items() if _allowed(name)))
    os.replace(partial, target)
