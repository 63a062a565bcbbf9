"""Progress of the long commands on stderr, in Chinese: which phase, n of N (rich).

A library function says how far it is through a callback, ``progress(phase, done, total)``
(``Progress``; the phases' ids are ``probes.text.PHASE_ZH``'s), called once with ``done`` 0 when
it knows its total and again as each step ends. ``progress_bars`` turns those calls into one
bar per phase on stderr, or into nothing when switched off, so that what a command prints on
stdout (its tables, its ``--json``) is never mixed with them.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator, Sequence

from probes.text import PHASE_ZH

Progress = Callable[[str, int, int], None]


def no_progress(phase: str, done: int, total: int) -> None:
    """The ``Progress`` that shows nothing (the default of every library function)."""


def phase_label(phase: str, phases: Sequence[str] = ()) -> str:
    """The phase in Chinese, numbered ``阶段 i/N`` when it is one of ``phases``."""
    label = PHASE_ZH.get(phase, phase)
    if phase in phases:
        return f"阶段 {list(phases).index(phase) + 1}/{len(phases)} {label}"
    return label


@contextlib.contextmanager
def progress_bars(show: bool, phases: Sequence[str] = ()) -> Iterator[Progress]:
    """A ``Progress`` drawing a bar per phase on stderr while the block runs (phases numbered in
    the order ``phases`` gives); with ``show`` False, ``no_progress``."""
    if not show:
        yield no_progress
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bars

    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    )  # fmt: skip
    # lines a command prints meanwhile go above the bars when both share the terminal
    shared = console.is_terminal and sys.stdout.isatty()
    with Bars(*columns, console=console, redirect_stdout=shared, redirect_stderr=False) as bars:
        tasks: dict[str, int] = {}
        lock = threading.Lock()  # the demo's phases report from two threads

        def update(phase: str, done: int, total: int) -> None:
            with lock:
                if phase not in tasks:
                    tasks[phase] = bars.add_task(phase_label(phase, phases), total=total)
                bars.update(tasks[phase], completed=done, total=total)

        yield update
