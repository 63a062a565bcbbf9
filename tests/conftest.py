"""Shared fixtures: a real sandbox server process and a real Chromium.

``sandbox_url`` starts ``python -m sandbox serve --port 0`` once per test session, waits for its
ready line and yields the control URL; ``chromium`` launches Chromium once per session through
``probes.browser.launch_options()`` and skips browser tests cleanly when there is none.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READY = "govprobe sandbox listening on "


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=30)
    if not line or not line[0].startswith(READY):
        proc.kill()
        _, err = proc.communicate(timeout=5)
        pytest.fail(f"the sandbox did not start: {line!r}\n{err[-2000:]}")
    # drain stderr so a chatty server never blocks on a full pipe
    drain = threading.Thread(target=proc.stderr.read, daemon=True)
    drain.start()
    try:
        yield line[0][len(READY) :].strip()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        drain.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()


@pytest.fixture(scope="session")
def chromium():
    from probes.browser import find_chromium, launch_options

    if find_chromium() is None:
        pytest.skip("no Chromium found: install one (make browser) to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options())
        try:
            yield browser
        finally:
            browser.close()
