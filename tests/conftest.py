"""The fixtures every lane shares (``tests/__init__.py`` says what each lane may use).

The sandbox: ``sandbox_url`` starts ``python -m sandbox serve --port 0`` once per test process
(through ``probes.plan.targets.SandboxProcess``, as ``govprobe run`` starts one) and yields its
control URL; a test that changes its faults or stats puts them back (``sandbox_cities`` clears
the faults after the test). ``sandbox`` is a process
of the test's own, for tests that need nothing received yet and the clock at its start.
``world``, ``apps`` and ``control`` give the sandbox in-process (fresh state per test).

A browser: ``chromium`` launches Chromium once per test process through
``probes.net.browser.launch_options()`` and skips browser tests cleanly when there is none.

Each test is marked with its lane (``unit``, ``sandbox``, ``e2e``: its folder), and a unit test
that asks for a sandbox process or a browser is refused at collection. The files run in this
order: those marked ``slow`` (minutes each), then e2e, sandbox, unit: under ``-n 2 --dist
loadfile`` the longest start first and the short ones fill in at the end. (xdist would
otherwise order the files by how many tests they hold, which sends the one-test 36-city
cycle last: the whole run then waited for it alone.)

Databases: ``db`` is a store database in ``tmp_path``; ``open_store`` opens one at any path;
``filled`` is the small evaluated round of ``tests/support/rounds.py``; ``review_db`` the round
the review pages show. Every database a fixture opens is closed after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlite_utils

from probes import store

LANES = {
    "unit": "in-process only: no socket, no browser, no child process (tests/unit)",
    "sandbox": "real servers and processes, no browser (tests/sandbox)",
    "e2e": "a real Chromium, or govprobe as a child process (tests/e2e)",
}
NOT_IN_PROCESS = {"sandbox_url", "sandbox", "sandbox_cities", "chromium"}
SLOW = "slow: takes minutes alone; run first"


def pytest_configure(config: pytest.Config) -> None:
    for lane, what in LANES.items():
        config.addinivalue_line("markers", f"{lane}: {what}")
    config.addinivalue_line("markers", SLOW)
    if hasattr(config.option, "loadscopereorder"):  # pytest-xdist: keep the order below
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        lane = item.path.parent.name
        if lane not in LANES:
            continue
        item.add_marker(lane)
        outside = NOT_IN_PROCESS & set(getattr(item, "fixturenames", ()))
        if lane == "unit" and outside:
            raise pytest.UsageError(
                f"{item.nodeid} is in tests/unit but uses {sorted(outside)}: "
                "move it to tests/sandbox or tests/e2e"
            )
    order = {"e2e": 1, "sandbox": 2, "unit": 3}
    items.sort(  # stable: each file's tests stay together and in their order
        key=lambda item: (
            0 if item.get_closest_marker("slow") else order.get(item.path.parent.name, 4)
        )
    )


@pytest.fixture(autouse=True)
def _shipped_data() -> Iterator[None]:
    """Every test starts and ends on the shipped data: a command run in-process with
    ``--data DIR`` leaves its evaluation folder chosen for the process."""
    from probes.plan.datafiles import use_data_dir

    use_data_dir(None)
    yield
    use_data_dir(None)


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


@pytest.fixture
def sandbox_cities(sandbox_url) -> Iterator[tuple[str, dict[str, dict]]]:
    """``(sandbox_url, its cities by id)``; any fault the test put on it is cleared after."""
    cities = {c["city_id"]: c for c in httpx.get(f"{sandbox_url}/__sandbox/cities").json()}
    try:
        yield sandbox_url, cities
    finally:
        httpx.post(f"{sandbox_url}/__sandbox/faults", json={"clear": "all"}).raise_for_status()


@pytest.fixture
def sandbox() -> Iterator[str]:
    """A sandbox process of this test's own (nothing received yet, its clock at the start)."""
    from probes.plan.targets import SandboxProcess

    with SandboxProcess() as process:
        yield process.url


@pytest.fixture(scope="session")
def world():
    """The sandbox's world (``sandbox/world/*.yaml``), loaded once: its values are frozen."""
    from sandbox.world import load_world

    return load_world()


@pytest.fixture
def apps(world):
    """The sandbox's apps in-process (fresh state per test), for httpx ASGITransport tests."""
    from sandbox.server import build_apps

    return build_apps(world)


@pytest.fixture
def control(apps):
    from tests.support.sandbox_client import AsgiClient

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
def open_store() -> Iterator[Callable[..., sqlite_utils.Database]]:
    """``open_store(path)`` opens (and migrates) the store database at ``path``, as
    ``store.open_db`` does; every database it opened is closed when the test ends."""
    opened: list[sqlite_utils.Database] = []

    def open_(path: str | Path, **options) -> sqlite_utils.Database:
        database = store.open_db(path, **options)
        opened.append(database)
        return database

    yield open_
    for database in opened:
        database.close()


@pytest.fixture
def db(tmp_path) -> Iterator[sqlite_utils.Database]:
    """A fresh store database, ``results/govprobe.db`` in the test's ``tmp_path``."""
    with store.open_db(tmp_path / "results" / "govprobe.db") as database:
        yield database


@pytest.fixture
def filled(db, tmp_path) -> tuple[sqlite_utils.Database, str, str]:
    """``(db, its path, the guide round)`` holding the small evaluated round of
    ``tests/support/rounds.py``: 广州 all found and answered, 拉萨 missing and unanswered."""
    from tests.support.rounds import write_evaluated_round

    path = tmp_path / "results" / "govprobe.db"
    return db, str(path), write_evaluated_round(db, path)


@pytest.fixture(scope="module")
def review_db(tmp_path_factory) -> dict:
    """The round the review pages show (``tests/support/rounds.py``), one per test module."""
    from tests.support.rounds import write_review_round

    return write_review_round(tmp_path_factory.mktemp("review") / "results" / "govprobe.db")
