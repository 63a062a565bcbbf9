"""The database is opened and closed so that no connection of this process is left exposed:
reading a file's header with ``open()`` drops every POSIX lock the process holds on it (the
season test's ``file is not a database``, CI of 9e7e6f6), and a library call that leaves its
connection open leaves it to be exposed so."""

from __future__ import annotations

import subprocess
import sys

import pytest

from probes import store
from probes.app.demo import consult_poll_summary
from probes.app.evaluation import import_offline
from tests.support.connections import connections_to

# another process takes the database out of WAL: it needs every other connection gone
TAKE_EXCLUSIVE = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=0); "
    "print(c.execute('PRAGMA journal_mode = DELETE').fetchone()[0])"
)


def test_opening_to_read_keeps_the_locks_of_the_processs_other_connections(tmp_path):
    path = tmp_path / "g.db"
    held = store.open_db(path)
    try:
        store.latest_round(held, kind="guides")  # a connection in use, as a round's is
        store.open_db(path, create=False).close()  # a reading command in the same process
        other = subprocess.run(
            [sys.executable, "-c", TAKE_EXCLUSIVE, str(path)], capture_output=True, text=True
        )
        assert other.returncode != 0 and "locked" in other.stderr, other.stdout
        assert held.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        held.close()


def test_a_file_that_is_not_a_database_is_named_when_opened_to_write(tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_bytes(b"not a database, but long enough to have a header\n" * 4)
    for create in (True, False):
        with pytest.raises(store.StoreError, match="不是 SQLite 数据库") as said:
            store.open_db(notes, create=create).close()
        assert str(notes) in str(said.value)
    assert connections_to(notes) == 0


def test_library_calls_close_the_database_they_open(tmp_path):
    path = tmp_path / "g.db"
    offline = tmp_path / "offline.csv"
    offline.write_text("city,offline_score\n广州,90\n", encoding="utf-8")
    import_offline(str(path), offline)
    assert connections_to(path) == 0
    assert consult_poll_summary(str(path), "http://127.0.0.1:9") == []
    assert connections_to(path) == 0
