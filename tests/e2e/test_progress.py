"""Progress on the long commands, as users run them (child processes): forced on with
``--progress`` (their stderr is not a terminal), each says its phase and its count in Chinese on
stderr, and with ``--json`` its stdout is still one JSON document; ``--no-progress`` and a
stderr that is not a terminal show none."""

from __future__ import annotations

import json
import re

import pytest

from tests.support.commands import run_govprobe

pytestmark = pytest.mark.browser


def _one_json(stdout: str) -> dict:
    return json.loads(stdout)  # raises on anything beside the one document


def _finished(stderr: str, phase: str) -> tuple[int, int]:
    """The last count shown on the phase's bar: (done, total)."""
    counts = re.findall(rf"{phase}\D*?(\d+)/(\d+)", stderr)
    assert counts, stderr
    done, total = counts[-1]
    return int(done), int(total)


def test_run_and_check_show_their_phase_and_count_on_stderr_beside_json(sandbox_url, tmp_path):
    db = str(tmp_path / "p.db")
    walked = run_govprobe(
        "run", "--sandbox-url", sandbox_url, "--city", "成都", "--scenario", "beauty-salon",
        "--channel", "pc", "--db", db, "--json", "--progress",
    )  # fmt: skip
    assert walked.returncode == 0, walked.stderr[-2000:]
    probes = _one_json(walked.stdout)["probes"]
    assert _finished(walked.stderr, "办事指南探测") == (len(probes), len(probes))

    checked = run_govprobe(
        "check", "--sandbox-url", sandbox_url, "--city", "成都", "--db", db, "--json",
        "--progress",
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr[-2000:]
    summary = _one_json(checked.stdout)
    done, total = _finished(checked.stderr, "门户健康检查")
    assert done == total >= len(summary["portals"]) == 2  # the two addresses, then the links

    quiet = run_govprobe(
        "check", "--sandbox-url", sandbox_url, "--city", "成都", "--db", db, "--json",
    )  # fmt: skip
    assert quiet.returncode == 0 and "门户健康检查" not in quiet.stderr  # not a terminal
    _one_json(quiet.stdout)


def test_consult_submit_and_poll_show_their_counts_and_no_progress_shows_none(sandbox, tmp_path):
    db = str(tmp_path / "i.db")
    sent = run_govprobe(
        "consult", "submit", "--sandbox-url", sandbox, "--city", "成都", "--scenario",
        "beauty-salon", "--db", db, "--json", "--progress",
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr[-2000:]
    assert len(_one_json(sent.stdout)["results"]) == 2  # a consultation and a complaint
    assert _finished(sent.stderr, "咨询投诉提交") == (2, 2)

    polled = run_govprobe("poll", "--sandbox-url", sandbox, "--db", db, "--json", "--progress")
    assert polled.returncode == 0, polled.stderr[-2000:]
    assert len(_one_json(polled.stdout)["items"]) == 2
    assert _finished(polled.stderr, "回复查询") == (2, 2)

    silent = run_govprobe(
        "poll", "--sandbox-url", sandbox, "--db", db, "--json", "--no-progress"
    )  # fmt: skip
    assert silent.returncode == 0 and "回复查询" not in silent.stderr
    _one_json(silent.stdout)
