"""Evidence that replays: a probe that did not end ok keeps the Playwright trace of the attempt
that was stored (``playwright show-trace`` opens it: a zip holding ``trace.trace`` and
``trace.network``), an ok one keeps none unless ``govprobe run --trace``; every probe keeps
its context's network as a HAR; the round names what it ran with (``environment``)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import httpx
import pytest

from probes import store
from probes.store.evidence import evidence_for
from tests.support.commands import govprobe

pytestmark = pytest.mark.browser


def _evidence(db, probe_id: int, kind: str) -> list[dict]:
    return [e for e in store.evidence_of_probe(db, probe_id) if e["kind"] == kind]


def _trace_files(db_path, row: dict) -> list[str]:
    data = evidence_for(db_path).read(row["relpath"])
    assert hashlib.sha256(data).hexdigest() == row["sha256"]
    assert row["media_type"] == "application/zip" and row["size"] == len(data)
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_a_probe_that_failed_keeps_its_trace_and_an_ok_one_none(
    sandbox_cities, tmp_path, open_store
):
    url, _ = sandbox_cities  # the faults are cleared after the test
    httpx.post(url + "/__sandbox/faults", json={"city": "lhasa", "mode": "5xx"}).raise_for_status()
    db_path = tmp_path / "r.db"
    summary = govprobe(
        "run", "--sandbox-url", url, "--city", "拉萨", "--city", "成都", "--scenario",
        "beauty-salon", "--channel", "pc", "--retries", "1", "--backoff", "0.2",
        "--db", str(db_path),
    )  # fmt: skip
    db = open_store(db_path)
    probes = store.probes_of_round(db, summary["round"])
    failed = [p for p in probes if p["city"] == "lhasa"]
    passed = [p for p in probes if p["city"] == "chengdu"]
    assert failed and {p["outcome"] for p in failed} == {"portal_error"}
    assert passed and {p["outcome"] for p in passed} == {"ok"}
    for probe in failed:
        (trace,) = _evidence(db, probe["id"], "trace")  # the stored attempt's, not the first's
        files = _trace_files(db_path, trace)
        assert "trace.trace" in files and "trace.network" in files
        with zipfile.ZipFile(evidence_for(db_path).path(trace["relpath"])) as z:
            requests = [json.loads(line) for line in z.read("trace.network").splitlines()]
        statuses = {r["snapshot"]["response"]["status"] for r in requests}
        assert statuses == {503}  # what the server sent, in this attempt only
        assert len(requests) == 1
    for probe in passed:
        assert _evidence(db, probe["id"], "trace") == []
        (har,) = _evidence(db, probe["id"], "har")
        entries = json.loads(evidence_for(db_path).read(har["relpath"]))["log"]["entries"]
        assert any(
            e["request"]["url"] == probe["guide_url"] and e["response"]["status"] == 200
            for e in entries
        )
    environment = store.get_round(db, summary["round"])["params"]["environment"]
    assert set(environment) == {"govprobe", "playwright", "chromium", "python", "machine"}
    assert environment["chromium"].split(".")[0].isdigit()
    assert set(environment["machine"]) == {"hostname", "platform", "cpus"}


def test_with_trace_every_probe_keeps_one(sandbox_url, tmp_path, open_store):
    db_path = tmp_path / "t.db"
    summary = govprobe(
        "run", "--sandbox-url", sandbox_url, "--city", "成都", "--scenario", "beauty-salon",
        "--channel", "pc", "--trace", "--db", str(db_path),
    )  # fmt: skip
    db = open_store(db_path)
    probes = store.probes_of_round(db, summary["round"])
    assert probes and {p["outcome"] for p in probes} == {"ok"}
    for probe in probes:
        (trace,) = _evidence(db, probe["id"], "trace")
        assert {"trace.trace", "trace.network"} <= set(_trace_files(db_path, trace))
    assert store.get_round(db, summary["round"])["params"]["traces"] == "all"


def test_a_guide_missing_on_an_untraced_walk_is_walked_again_traced(
    sandbox_cities, tmp_path, open_store
):
    """Only retries are traced (a trace's snapshots cost a sixth of a round), so a probe that
    ends guide_missing, not transient and so not retried, is walked once more, traced, and
    stored from that walk: two walks that agree, the trace of the second."""
    url, _ = sandbox_cities  # the faults are cleared after the test
    gone = {"city": "chengdu", "mode": "guide_gone"}
    httpx.post(url + "/__sandbox/faults", json=gone).raise_for_status()
    db_path = tmp_path / "g.db"
    summary = govprobe(
        "run", "--sandbox-url", url, "--city", "成都", "--scenario", "resident-insurance",
        "--channel", "pc", "--db", str(db_path),
    )  # fmt: skip
    db = open_store(db_path)
    probes = store.probes_of_round(db, summary["round"])
    assert probes and {p["outcome"] for p in probes} == {"guide_missing"}
    for probe in probes:
        assert probe["attempt"] == 2 and probe["extra"]["walked_again"] is True
        assert probe["flaky"] is False  # both walks found nothing
        # the earlier walk, as a retry's would be (the stored one is the probe itself)
        assert [a["outcome"] for a in probe["extra"]["attempts"]] == ["guide_missing"]
        (trace,) = _evidence(db, probe["id"], "trace")
        assert {"trace.trace", "trace.network"} <= set(_trace_files(db_path, trace))
