"""Each round names what it ran with (``probes.net.browser.environment``, in its params): the
versions of govprobe, Playwright, Chromium and Python, and the machine. Chromium's version is
asked of the executable (``chromium --version``, a child process), so these are not unit tests;
the guide round's, from the running browser, is checked in ``tests/e2e/test_traces.py``."""

from __future__ import annotations

import platform
import re
from importlib.metadata import version

import probes
from probes import store
from probes.app.consult import interaction_round
from probes.check.round import CheckOptions, run_checks_async
from probes.net.browser import environment, find_chromium
from probes.plan.cities import load_registry
from probes.plan.targets import Target
from tests.support.sandbox_client import run_async

VERSION = re.compile(r"^\d+(\.\d+)+$")


def _assert_named(env: dict, *, chromium: bool = True) -> None:
    assert env["govprobe"] == probes.__version__
    assert env["playwright"] == version("playwright")
    assert env["python"] == platform.python_version()
    assert env["machine"]["hostname"] == platform.node()
    assert env["machine"]["cpus"] >= 1 and env["machine"]["platform"]
    if chromium:
        assert VERSION.match(env["chromium"]), env["chromium"]
    else:
        assert env["chromium"] is None


def test_the_environment_names_a_running_browser_by_its_own_version():
    class Running:
        version = "156.0.1.2"

    assert environment(Running())["chromium"] == "156.0.1.2"


def test_an_interaction_round_records_the_versions_and_the_machine(db):
    round_id = interaction_round(db, "sandbox", dry_run=True, new=True, params={"cities": []})
    params = store.get_round(db, round_id)["params"]
    _assert_named(params["environment"], chromium=find_chromium() is not None)
    assert params["dry_run"] is True and params["cities"] == []


def test_a_check_round_records_them_and_no_chromium_when_it_checks_no_page(
    sandbox_cities, tmp_path, open_store
):
    _, cities = sandbox_cities
    targets = [Target(load_registry().find("beijing"), "pc", cities["beijing"]["pc_url"])]
    path = tmp_path / "c.db"

    async def go() -> str:
        with store.open_db(path) as db:  # opened on the loop's own thread
            options = CheckOptions(browser=False)
            done = await run_checks_async(db, targets, target="sandbox", options=options)
        return done["round"]

    round_id = run_async(go)
    params = store.get_round(open_store(path), round_id)["params"]
    _assert_named(params["environment"], chromium=False)
