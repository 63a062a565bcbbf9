"""A progress bar on stderr for the long commands (nothing when it is switched off)."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def progress_bar(show: bool, total: int):
    if not show:
        yield lambda result: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("探测"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task("probes", total=total)
        yield lambda result: bar.advance(task)
