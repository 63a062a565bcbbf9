"""Shared fixtures: a real sandbox server process and a real Chromium.

``sandbox_url`` starts ``python -m sandbox serve --port 0`` once per test session (through
``probes.plan.targets.SandboxProcess``) and yields the control URL; ``world``, ``apps`` and
``control`` give the sandbox in-process; ``chromium`` launches Chromium once per session through
``probes.net.browser.launch_options()`` and skips browser tests cleanly when there is none.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    """A real sandbox process on free ports, started the way ``govprobe run`` starts one."""
    from probes.plan.targets import SandboxProcess

    sandbox = SandboxProcess(timeout=30)
    try:
        sandbox.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield sandbox.url
    finally:
        sandbox.stop()


@pytest.fixture(scope="module")
def world():
    from sandbox.world import load_world

    return load_world()


@pytest.fixture
def apps(world):
    """The sandbox's apps in-process (fresh state per test), for httpx ASGITransport tests."""
    from sandbox.server import build_apps

    return build_apps(world)


@pytest.fixture
def control(apps):
    from sandbox_client import AsgiClient

    return AsgiClient(apps.control)


@pytest.fixture(scope="session")
def chromium():
    from probes.net.browser import find_chromium, launch_options

    if find_chromium() is None:
        pytest.skip("no Chromium found: install one (make browser) to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options())
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def sandbox() -> Iterator[str]:
    """A sandbox process of this test's own (nothing received yet, its clock at the start)."""
    from probes.plan.targets import SandboxProcess

    with SandboxProcess() as process:
        yield process.url
