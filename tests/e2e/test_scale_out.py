"""A round spread over Playwright browser servers on loopback, one of them killed mid-round
(docs/operations.md, "多机扩展"): the servers are real ``python -m playwright run-server``
processes (``tests/support/browser_servers.py``), each in its own process group, killed with
SIGKILL as a lost machine is; the round is ``govprobe run`` as users run it, and its probes are
compared with the sandbox's truth (``sandbox.truth.compare``), never hard-coded.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import time

import httpx
import pytest

from sandbox.truth import compare, fetch_truths
from tests.support.browser_servers import BrowserServer
from tests.support.commands import GOVPROBE, run_govprobe

pytestmark = pytest.mark.browser


def one_city_per_archetype(sandbox_url: str) -> list[str]:
    cities = httpx.get(f"{sandbox_url}/__sandbox/cities", timeout=30).json()
    chosen: dict[str, str] = {}
    for city in sorted(cities, key=lambda c: c["city_id"]):
        chosen.setdefault(city["archetype"], city["name"])
    return sorted(chosen.values())


def test_a_round_over_browser_servers_survives_losing_one_mid_round(sandbox_url, tmp_path):
    cities = one_city_per_archetype(sandbox_url)
    db = tmp_path / "scale.db"
    servers = [BrowserServer(tmp_path / f"server-{n}.log") for n in range(3)]
    try:
        for server in servers:
            server.start()
        args = ["run", "--sandbox-url", sandbox_url, "--scenario", "beauty-salon", "--channel",
                "pc", "--concurrency", "4", "--db", str(db), "--json"]  # fmt: skip
        for city in cities:
            args += ["--city", city]
        for server in servers:
            args += ["--browser-endpoint", server.endpoint]
        walking = subprocess.Popen(
            [GOVPROBE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        victim = servers[0]  # the first of the least busy: it gets the first job
        deadline = time.monotonic() + 120
        while victim.renderers() == 0:  # no journey in flight there yet
            assert walking.poll() is None, walking.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "no journey started on the first server"
            time.sleep(0.2)
        time.sleep(2)  # well into its walk
        assert victim.renderers() > 0 and walking.poll() is None
        victim.kill()
        out, err = walking.communicate(timeout=300)
    finally:
        for server in servers:
            server.stop()
    assert walking.returncode == 0, err[-3000:]
    probes = json.loads(out)["probes"]

    # every probe as the sandbox's truth says, none our own error, none against a city
    assert len(probes) == len(cities) * 3
    truths = fetch_truths(sandbox_url, {p["city"] for p in probes})
    figures = compare(probes, truths)
    assert figures["outcomes_matching"] == len(probes), figures["mismatches"]
    assert figures["right_variant"] == figures["found"], figures["mismatches"]
    assert "probe_error" not in {p["outcome"] for p in probes}

    # the probes that were on the lost server say so: which server, Playwright's reason, when
    stored = sqlite_rows(db, "SELECT city, matter, extra FROM probes")
    rewalked = {(city, matter): json.loads(extra)["rewalked"] for city, matter, extra in stored
                if "rewalked" in json.loads(extra or "{}")}  # fmt: skip
    assert rewalked, "no probe says it was walked again"
    assert len(rewalked) % 3 == 0  # whole jobs: each of a job's matters walked again
    for losses in rewalked.values():
        assert [loss["endpoint"] for loss in losses] == [victim.endpoint]
        assert losses[0]["reason"] and losses[0]["lost_at"]
    assert len(rewalked) < len(probes)  # the other servers' journeys were kept as walked
    assert f"浏览器 {victim.endpoint} 已失去" in err
    (status,) = sqlite_rows(db, "SELECT status FROM rounds")[0]
    assert status == "finished"


def test_servers_that_do_not_answer_are_left_out_and_none_left_stops_the_round(
    sandbox_url, tmp_path
):
    """A server that does not answer at the start is left out with a line saying so; with
    the only one left killed mid-round, the round stops interrupted, and ``--resume`` over a
    live server finishes it with every probe as the truth says."""
    cities = one_city_per_archetype(sandbox_url)[:2]
    db = tmp_path / "lost.db"
    dead = "ws://127.0.0.1:9/nothing"
    server = BrowserServer(tmp_path / "server.log").start()
    try:
        args = ["run", "--sandbox-url", sandbox_url, "--scenario", "beauty-salon", "--channel",
                "pc", "--db", str(db), "--json", "--browser-endpoint", dead]  # fmt: skip
        for city in cities:
            args += ["--city", city]
        walking = subprocess.Popen(
            [GOVPROBE, *args, "--browser-endpoint", server.endpoint],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while server.renderers() == 0:
            assert walking.poll() is None, walking.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "no journey started"
            time.sleep(0.2)
        time.sleep(1)
        server.kill()
        out, err = walking.communicate(timeout=120)
    finally:
        server.stop()
    assert walking.returncode == 1
    assert f"浏览器服务器 {dead} 无应答，本轮不用它" in err
    (round_id, status) = sqlite_rows(db, "SELECT id, status FROM rounds")[0]
    assert status == "interrupted"
    assert "所有浏览器都已失去" in err and f"govprobe run --resume {round_id}" in err
    assert "probe_error" not in {o for (o,) in sqlite_rows(db, "SELECT outcome FROM probes")}

    again = BrowserServer(tmp_path / "again.log").start()
    try:
        args[args.index(dead)] = again.endpoint
        done = run_govprobe(*args, "--resume", round_id, timeout=300)
    finally:
        again.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    probes = json.loads(done.stdout)["probes"]
    assert len(probes) == len(cities) * 3
    figures = compare(probes, fetch_truths(sandbox_url, {p["city"] for p in probes}))
    assert figures["outcomes_matching"] == len(probes), figures["mismatches"]

    nobody = run_govprobe(
        "run", "--sandbox-url", sandbox_url, "--city", cities[0], "--db", str(db),
        "--browser-endpoint", dead,
    )  # fmt: skip
    assert nobody.returncode == 1
    assert "所有浏览器服务器均无应答" in nobody.stderr and dead in nobody.stderr


def sqlite_rows(path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql).fetchall()
