"""Encryption at rest for Xero tokens: MultiFernet over a rotatable key set.

Keys come from BMS_TOKEN_KEYS, or, for the embedded default, from a key file created on first
use with mode 0600. The first key encrypts; every key decrypts, which is what lets a rotation
re-encrypt tokens while workers that still hold the old set keep working.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class TokenKeyError(Exception):
    """A stored token cannot be decrypted with the configured keys."""


_lock = threading.Lock()
# (BMS_TOKEN_KEYS, the key file's mtime) → the cipher built from them
_cache: tuple[tuple[tuple[str, ...], int | None], MultiFernet] | None = None


def _key_file() -> Path:
    return Path(settings.BMS_TOKEN_KEY_FILE)


def _read_key_file(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _write_key_file(path: Path, keys: list[str]) -> None:
    # Write beside it and rename, so a reader never sees a half-written key set.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _ensure_key_file(path: Path) -> None:
    if path.exists():
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it first: use theirs
    with os.fdopen(fd, "w") as handle:
        handle.write(Fernet.generate_key().decode() + "\n")


def configured_keys() -> list[str]:
    if settings.BMS_TOKEN_KEYS:
        return list(settings.BMS_TOKEN_KEYS)
    path = _key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    _ensure_key_file(path)
    return _read_key_file(path)


def _cipher() -> MultiFernet:
    global _cache
    path = _key_file()
    # The cache follows the key file's mtime, so a rotation by another process is picked up.
    marker = (tuple(settings.BMS_TOKEN_KEYS), path.stat().st_mtime_ns if path.exists() else None)
    with _lock:
        if _cache is None or _cache[0] != marker:
            keys = configured_keys()
            if not keys:
                raise TokenKeyError("no token encryption key is configured")
            cipher = MultiFernet([Fernet(key.encode()) for key in keys])
            marker = (tuple(settings.BMS_TOKEN_KEYS), path.stat().st_mtime_ns if path.exists() else None)
            _cache = (marker, cipher)
        return _cache[1]


def encrypt_secret(plain: str) -> str:
    return _cipher().encrypt(plain.encode()).decode()


def decrypt_secret(stored: str) -> str:
    try:
        return _cipher().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise TokenKeyError(
            "a stored Xero token cannot be decrypted: the key that encrypted it is not in the key set"
        ) from None


def rotate_secret(stored: str) -> str:
    """Re-encrypt with the first key (decrypting with any)."""
    try:
        return _cipher().rotate(stored.encode()).decode()
    except InvalidToken:
        raise TokenKeyError("a stored Xero token cannot be decrypted with the current key set") from None


def key_file_add_key() -> Path:
    """Put a new key first in the key file (embedded default); returns the file."""
    path = _key_file()
    keys = configured_keys()
    _write_key_file(path, [Fernet.generate_key().decode(), *keys])
    return path


def key_file_keep_only_first() -> None:
    path = _key_file()
    keys = _read_key_file(path)
    _write_key_file(path, keys[:1])
