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


class _Bars:
    """Bars on stderr that are live only while a phase is under way: the first call of a phase
    starts a display (or joins the one running), and once every phase on it is complete it
    stops, its bars left on the screen as they ended. Between phases nothing is live, so
    whatever a command prints to stdout then (the demo's tables) is never drawn into them."""

    def __init__(self, phases: Sequence[str]):
        from rich.console import Console

        self.phases = phases
        self.console = Console(stderr=True)
        self.lock = threading.Lock()  # the demo's phases report from two threads
        self.bars = None
        self.tasks: dict[str, int] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        with self.lock:
            if phase not in self.tasks:
                if self.bars is None:
                    self.bars = self._start()
                self.tasks[phase] = self.bars.add_task(phase_label(phase, self.phases))
            self.bars.update(self.tasks[phase], completed=done, total=total)
            if all(task.finished for task in self.bars.tasks):
                self.stop()

    def _start(self):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        columns = (
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(),
        )  # fmt: skip
        # lines a command prints meanwhile go above the bars when both share the terminal
        shared = self.console.is_terminal and sys.stdout.isatty()
        bars = Progress(*columns, console=self.console, redirect_stdout=shared,
                        redirect_stderr=False)  # fmt: skip
        bars.start()
        return bars

    def stop(self) -> None:
        if self.bars is not None:
            self.bars.stop()
        self.bars, self.tasks = None, {}


@contextlib.contextmanager
def progress_bars(show: bool, phases: Sequence[str] = ()) -> Iterator[Progress]:
    """A ``Progress`` drawing a bar per phase on stderr (phases numbered in the order
    ``phases`` gives), live while a phase is under way; with ``show`` False, ``no_progress``."""
    if not show:
        yield no_progress
        return
    bars = _Bars(phases)
    try:
        yield bars
    finally:
        with bars.lock:
            bars.stop()
