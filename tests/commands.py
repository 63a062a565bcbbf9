"""The ``govprobe`` command as users run it: a child process, its JSON read from stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

GOVPROBE = str(Path(sys.executable).parent / "govprobe")


def govprobe(*args: str, timeout: float = 600) -> dict:
    """Run ``govprobe ARGS --json``; it must succeed, and its stdout is one JSON document."""
    done = subprocess.run(
        [GOVPROBE, *args, "--json"], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)
