"""``govprobe check --http-only`` on the served sandbox: the availability visits of the national
rule, stored as a check round, with no browser at all."""

from __future__ import annotations

import json

import pytest

from probes import store
from probes.cli.check import check
from probes.net import browser as browsers
from tests.support.commands import invoke

CITIES = ("北京", "成都")


@pytest.fixture
def no_chromium(monkeypatch, tmp_path):
    """``$GOVPROBE_CHROMIUM`` names a file that does not exist: any browser start fails (the
    full check then exits 1: tests/e2e/test_checks.py,
    ``test_check_exits_non_zero_when_no_browser_check_could_run``)."""
    monkeypatch.setenv(browsers.ENV_VAR, str(tmp_path / "no-chromium"))
    browsers._find.cache_clear()
    yield
    browsers._find.cache_clear()


def _args(sandbox_url: str, db_path, *extra: str) -> list[str]:
    cities = [a for c in CITIES for a in ("--city", c)]
    return ["--sandbox-url", sandbox_url, *cities, "--db", str(db_path), *extra]


def test_http_only_stores_visits_and_https_and_never_starts_a_browser(
    sandbox_cities, no_chromium, tmp_path, open_store
) -> None:
    sandbox_url, _ = sandbox_cities
    db_path = tmp_path / "h.db"
    done = invoke(check, *_args(sandbox_url, db_path, "--http-only", "--json"))
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert len(summary["portals"]) == 2 * len(CITIES)
    states = {(p["city"], p["classification"], p["available"]) for p in summary["portals"]}
    # 北京's firewall wants a script: with no browser its visits stay undecided (not counted)
    assert states == {("beijing", "protected", None), ("chengdu", "up", True)}
    assert not any(p.get("browser_error") or p.get("pages") for p in summary["portals"])

    db = open_store(db_path)
    row = store.get_round(db, summary["round"])
    assert row["kind"] == "check" and row["status"] == "finished"
    assert row["params"]["http_only"] is True and row["params"]["browser"] is False
    assert row["params"]["environment"]["chromium"] is None
    kinds = [r["kind"] for r in store.check_rows(db, [summary["round"]])]
    assert sorted(kinds) == sorted(["home", "https"] * 2 * len(CITIES))  # no page, no link
    assert {h["item"] for h in summary["hardware"]} <= {"availability", "https"}
