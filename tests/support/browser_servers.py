"""Playwright browser servers on loopback, as docs/operations.md ("多机扩展") starts them:
``python -m playwright run-server --port N --host 127.0.0.1 --unsafe``, each in a process group
of its own; ``kill()`` sends SIGKILL to that group and to the groups of the browsers it
launched (Playwright gives each browser a group of its own), as a lost machine takes them all at
once: nothing is closed cleanly.

``renderers()`` counts the Chromium renderer processes the server's browsers run: a page is
open there, so a journey is walking on that server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path


class BrowserServer:
    def __init__(self, log: Path):
        self.log = log
        self.process: subprocess.Popen | None = None
        self.endpoint = ""
        self._log = None

    def start(self) -> BrowserServer:
        """Start it on a free port; returns once it listens (its first line names its
        address: ``Listening on ws://127.0.0.1:PORT/``)."""
        self._log = self.log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "playwright", "run-server", "--port", "0", "--host",
             "127.0.0.1", "--unsafe"],
            stdout=subprocess.PIPE, stderr=self._log, text=True,
            start_new_session=True,
        )  # fmt: skip
        line = self.process.stdout.readline().strip()
        if not line.startswith("Listening on ws://"):
            self.stop()
            raise RuntimeError(f"run-server said {line!r}: {self.log.read_text()[-2000:]}")
        self.endpoint = line.removeprefix("Listening on ").strip()
        return self

    def descendants(self) -> list[tuple[int, bytes]]:
        """The processes the server started, at any depth, with their command lines."""
        children: dict[int, list[int]] = {}
        commands: dict[int, bytes] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                commands[int(entry.name)] = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
        found, todo = [], [self.process.pid]
        while todo:
            for child in children.get(todo.pop(), []):
                found.append((child, commands.get(child, b"")))
                todo.append(child)
        return found

    def renderers(self) -> int:
        """How many Chromium renderers (open pages) the server's browsers run."""
        return sum(b"--type=renderer" in command for _, command in self.descendants())

    def kill(self) -> None:
        """SIGKILL to the server's process group and to each of its browsers' (Playwright
        starts a browser in a group of its own): everything on the "machine", at once."""
        groups = {self.process.pid}
        for pid, _ in self.descendants():
            with contextlib.suppress(ProcessLookupError):
                groups.add(os.getpgid(pid))
        for group in groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        else:  # the server is gone; its browsers may not be
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.stdout.close()
        self._log.close()
