"""The instance folder and the SQLite database are private to their owner."""

from __future__ import annotations

import os
import stat

from sqlalchemy import text

from issuer.db import Database
from tests.issuer.conftest import initialised_vouch


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_sqlite_file_and_its_wal_and_shm_are_created_0600(tmp_path):
    old = os.umask(0o022)  # the usual umask: files 0644 unless created otherwise
    try:
        folder = tmp_path / "instance"
        database = Database(f"sqlite:///{folder / 'vouch.sqlite3'}")
        with database.engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
            modes = {
                name: _mode(folder / name)
                for name in ("vouch.sqlite3", "vouch.sqlite3-wal", "vouch.sqlite3-shm")
            }
        database.dispose()
    finally:
        os.umask(old)
    assert modes == dict.fromkeys(modes, 0o600)
    assert _mode(folder) == 0o700


def test_an_existing_world_readable_database_is_made_0600(tmp_path):
    path = tmp_path / "vouch.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Database(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600


def test_vouch_init_makes_the_instance_folder_0700(tmp_path):
    old = os.umask(0o022)
    try:
        initialised_vouch(tmp_path, "file-modes-passphrase-1")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "instance") == 0o700
    assert _mode(tmp_path / "instance" / "vouch.sqlite3") == 0o600
