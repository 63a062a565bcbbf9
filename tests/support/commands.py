"""The ``govprobe`` command as users run it: a child process of the project's own virtualenv.

``govprobe(*args)`` must succeed and print one JSON document (``--json`` is added);
``run_govprobe(*args)`` is any run, its exit code and output left to the test. ``invoke``
runs a click command in-process, as ``click.testing.CliRunner`` does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner, Result

from tests.support.sandbox_client import in_a_thread

GOVPROBE = str(Path(sys.executable).parent / "govprobe")


def run_govprobe(
    *args: str,
    input: str | None = None,
    timeout: float = 600,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``govprobe ARGS`` to its end; its exit code, stdout and stderr (text). ``env`` is
    added to this process's environment without its ``GOVPROBE_*`` variables."""
    if env is not None:
        own = {k: v for k, v in os.environ.items() if not k.startswith("GOVPROBE_")}
        env = {**own, **env}
    return subprocess.run(
        [GOVPROBE, *args], input=input, capture_output=True, text=True, timeout=timeout,
        check=False, cwd=cwd, env=env,
    )  # fmt: skip


def govprobe(*args: str, timeout: float = 600) -> dict:
    """Run ``govprobe ARGS --json``; it must succeed, and its stdout is one JSON document."""
    done = run_govprobe(*args, "--json", timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def invoke(command: click.Command, *args: str, input: str | None = None) -> Result:
    """``command ARGS`` through click's runner, in a thread of its own: a command that runs its
    own event loop cannot run on the main thread while a browser fixture holds one there."""
    return in_a_thread(lambda: CliRunner().invoke(command, list(args), input=input))
