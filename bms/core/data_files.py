"""The data directory (var/ by default) holds the SQLite databases, the job queue, the token keys and
this checkout's Xero settings: readable by the account BMS runs as, and by nobody else.

Every process calls `data_dir_make_private` from settings.py before anything opens a file there:
the directory becomes 0700, files already in it (from an older BMS, or copied in) become 0600, and
the SQLite files are created 0600 before SQLite first opens them. SQLite gives a database's -wal,
-shm and -journal files the mode of the database itself, so those are 0600 from their first byte.
Only stdlib here: settings.py imports it before Django is set up.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
# Not secret, and served to every browser: collectstatic's output keeps its own modes.
NOT_PRIVATE = frozenset({"static"})


def data_dir_make_private(path: Path, *, create: Iterable[Path] = ()) -> None:
    """`path` exists with mode 0700, what is already in it is owner-only, and each of `create`
    (the SQLite files BMS is about to open) exists as an owner-only file."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _chmod(path, DIR_MODE)
    for entry in path.iterdir():
        if entry.name not in NOT_PRIVATE:
            _make_private(entry)
    for file in create:
        file_create_private(file)


def file_create_private(path: Path) -> None:
    """Creates `path` empty with mode 0600 unless it exists (an empty file is a valid SQLite
    database); an existing one is left as it is (the directory walk fixed its mode)."""
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return  # another process (or an earlier run) made it first
    os.close(descriptor)


def _make_private(entry: Path) -> None:
    try:
        info = entry.lstat()
    except FileNotFoundError:
        return  # removed meanwhile (a -wal file at a checkpoint)
    if stat.S_ISLNK(info.st_mode):
        return  # a link points somewhere the operator chose; its target is theirs to protect
    if stat.S_ISDIR(info.st_mode):
        _chmod(entry, DIR_MODE)
        for child in entry.iterdir():
            _make_private(child)
    elif stat.S_IMODE(info.st_mode) & 0o077:
        _chmod(entry, stat.S_IMODE(info.st_mode) & ~0o077 | FILE_MODE)


def _chmod(path: Path, mode: int) -> None:
    # Another account's file in our directory is left alone: the 0700 directory still keeps others out.
    with contextlib.suppress(PermissionError):
        os.chmod(path, mode)
