"""The SQLite connections this process still holds open on a file: a library call that opens
the database must close it, or a later plain ``open()`` of the file by anyone in the process
drops that connection's POSIX locks and another process can checkpoint the WAL under it."""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path


def connections_to(path: str | Path) -> int:
    """How many open ``sqlite3.Connection`` objects, reachable or garbage not yet collected
    (``gc.get_objects`` sees both), have ``path`` as their main database."""
    wanted = Path(path).resolve()
    count = 0
    for obj in gc.get_objects():
        if not isinstance(obj, sqlite3.Connection):
            continue
        try:
            rows = obj.execute("PRAGMA database_list").fetchall()
        except sqlite3.ProgrammingError:  # closed
            continue
        count += any(name == "main" and file and Path(file).resolve() == wanted
                     for _, name, file in rows)  # fmt: skip
    return count
