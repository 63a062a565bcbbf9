"""``govprobe schedule start`` as a real child process (``probes/schedule/scheduler.py``): a
real APScheduler on real SQLite job store files, jobs that survive a restart, run-now, and
SIGTERM / SIGINT; the command line talking to the running scheduler through its command table
(a pause during a running job holds); the run history it writes (``job_runs``), shown by
``schedule list`` and the review page ``/schedule``; its JSON log lines. Jobs here are of the
``touch`` kind (a file written by the job), so no test needs a browser."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from click.testing import CliRunner

from probes import store
from probes.cli.schedule import schedule
from probes.review.app import create_app
from tests.support.rounds import LI, TOKENS
from tests.support.served import Served

# the same click group that `govprobe schedule` registers, run as its own process
COMMAND = [str(Path(sys.executable).parent / "govprobe"), "schedule"]


def cli(*args: str, ok: bool = True):
    result = CliRunner().invoke(schedule, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def listed(jobs: Path) -> dict[str, dict]:
    out = cli("list", "--jobs", str(jobs), "--json").output
    return {j["id"]: j for j in json.loads(out)["jobs"]}


def write_config(path: Path, jobs: str) -> Path:
    path.write_text(f"timezone: Asia/Shanghai\njobs:\n{jobs}", encoding="utf-8")
    return path


def beat_and_boom(tmp_path: Path) -> Path:
    """A schedule of two jobs due once a year, run by hand: ``beat`` succeeds, ``boom`` fails."""
    return write_config(
        tmp_path / "schedule.yaml",
        f"""  - id: beat
    kind: touch
    cron: "0 4 1 1 *"
    args: {{path: {tmp_path / "beat"}}}
  - id: boom
    kind: touch
    cron: "0 4 1 1 *"
    args: {{path: {tmp_path / "boom"}, fail: true}}
""",
    )


class Child:
    """``schedule start`` in a child process, its log in a file."""

    def __init__(self, tmp: Path, jobs: Path, config: Path, extra: tuple[str, ...] = ()):
        self.log = tmp / f"scheduler-{time.monotonic_ns()}.log"
        args = ["start", "--jobs", str(jobs), "--schedule", str(config), "--db", str(tmp / "g.db")]
        with self.log.open("w") as err:
            self.process = subprocess.Popen(
                [*COMMAND, *args, "--wakeup", "0.2", *extra], stderr=err, cwd=tmp
            )
        wait_for(lambda: "scheduler started" in self.text(), self, what="the scheduler to start")

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def wait_for(condition, child: Child | None = None, *, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if child is not None and child.process.poll() is not None:
            pytest.fail(f"the scheduler exited ({child.process.returncode}):\n{child.text()}")
        time.sleep(0.05)
    log = child.text() if child else ""
    pytest.fail(f"timed out waiting for {what}\n{log}")


@pytest.fixture
def started(tmp_path):
    """Start children; whatever a test leaves running is killed after it."""
    children: list[Child] = []

    def start(jobs: Path, config: Path, *extra: str) -> Child:
        children.append(Child(tmp_path, jobs, config, extra))
        return children[-1]

    yield start
    for child in children:
        child.kill()


def lines(path: Path) -> list[str]:
    return [line.split()[0] for line in path.read_text().splitlines()] if path.exists() else []


def test_jobs_and_their_next_runs_survive_a_restart(tmp_path, started):
    jobs = tmp_path / "schedule.db"
    config = write_config(
        tmp_path / "schedule.yaml",
        f"""  - id: beat
    kind: touch
    cron: "0 4 * * *"
    jitter: 3000
    args: {{path: {tmp_path / "beat"}}}
""",
    )
    # added before any scheduler ran: the store is created by `add`
    cli("add", "extra", "--kind", "touch", "--cron", "30 2 * * mon-fri", "--jitter", "600",
        "--arg", f"path={tmp_path / 'extra'}", "--jobs", str(jobs), "--schedule", str(config))  # fmt: skip
    before = listed(jobs)
    assert list(before) == ["extra"]

    first = started(jobs, config)
    running = listed(jobs)
    assert set(running) == {"extra", "beat"}
    assert running["extra"]["next_run"] == before["extra"]["next_run"]
    assert "job beat added from the schedule file" in first.text()
    # one scheduler per job store
    second = subprocess.run(
        [*COMMAND, "start", "--jobs", str(jobs), "--schedule", str(config)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert second.returncode == 1
    assert (
        f"{jobs}: a scheduler is already running on it (pid {first.process.pid})" in second.stderr
    )
    assert first.stop() == 0

    stopped = listed(jobs)
    assert stopped == running
    with sqlite3.connect(jobs) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    again = started(jobs, config)
    assert listed(jobs) == running  # the same jobs, the same (jittered) next runs
    assert "from the schedule file" not in again.text()
    assert "job extra: touch, cron 30 2 * * mon-fri, next run " + running["extra"]["next_run"] in (
        again.text()
    )
    assert again.stop() == 0
    beat = running["beat"]
    assert beat["kind"] == "touch" and beat["schedule"] == "cron 0 4 * * *"
    assert beat["jitter"] == 3000 and beat["max_instances"] == 1 and beat["coalesce"] is True
    assert datetime.fromisoformat(beat["next_run"]).utcoffset().total_seconds() == 8 * 3600


def test_run_now_runs_the_job_once_and_keeps_its_schedule(tmp_path, started):
    jobs = tmp_path / "schedule.db"
    out = tmp_path / "out" / "beat"
    config = write_config(
        tmp_path / "schedule.yaml",
        f"""  - id: beat
    kind: touch
    cron: "0 4 1 1 *"
    args: {{path: {out}}}
""",
    )
    child = started(jobs, config)
    planned = listed(jobs)["beat"]["next_run"]
    assert cli("run-now", "beat", "--jobs", str(jobs)).output.startswith("beat：已设为到期")
    wait_for(lambda: lines(out) == ["started", "finished"], child, what="the job to run")
    time.sleep(1.0)  # several wake-ups later, it has not run again
    assert lines(out) == ["started", "finished"]
    assert listed(jobs)["beat"]["next_run"] == planned  # January 1st, 04:00, as before
    assert 'Job "beat (trigger: cron' in child.text() and "executed successfully" in child.text()
    assert child.stop() == 0


def test_sigterm_while_a_job_runs_lets_it_finish_and_exits_0(tmp_path, started):
    jobs = tmp_path / "schedule.db"
    out = tmp_path / "slow"
    config = write_config(
        tmp_path / "schedule.yaml",
        f"""  - id: slow
    kind: touch
    every: 1d
    args: {{path: {out}, seconds: 6}}  # long enough to be asked something while it stops
  - id: other
    kind: touch
    every: 1d
    args: {{path: {tmp_path / "other"}}}
""",
    )
    child = started(jobs, config)
    cli("run-now", "slow", "--jobs", str(jobs))
    wait_for(lambda: lines(out) == ["started"], child, what="the job to start")

    child.process.send_signal(signal.SIGTERM)
    wait_for(lambda: "waiting for running jobs" in child.text(), child, what="the stop to begin")
    cli("run-now", "other", "--jobs", str(jobs))  # due while the scheduler stops
    assert child.process.wait(timeout=30) == 0
    assert lines(out) == ["started", "finished"]  # the job ran to its end
    assert not (tmp_path / "other").exists()
    # the job that fell due while stopping was not started, nor its run lost: still due
    other = datetime.fromisoformat(listed(jobs)["other"]["next_run"])
    assert abs((other - datetime.now(ZoneInfo("Asia/Shanghai"))).total_seconds()) < 30
    assert "Error submitting job" not in child.text()
    log = child.text()
    assert "SIGTERM received: stopping once the running jobs finish" in log
    assert "stopping: waiting for running jobs to finish" in log
    assert log.rstrip().endswith("INFO probes.schedule: scheduler stopped cleanly")
    assert log.index("waiting for running jobs") < log.index('Job "slow (trigger')


def test_sigint_stops_an_idle_scheduler_cleanly(tmp_path, started):
    jobs = tmp_path / "schedule.db"
    config = write_config(tmp_path / "schedule.yaml", "  []\n")
    child = started(jobs, config)
    assert child.stop(signal.SIGINT) == 0
    assert "SIGINT received" in child.text() and "scheduler stopped cleanly" in child.text()


def runs_of(db: Path) -> list[dict]:
    if not db.exists():
        return []
    with store.open_db(db) as opened:
        return store.job_runs(opened)


def test_a_pause_while_the_job_runs_is_never_overwritten_by_the_live_scheduler(tmp_path, started):
    """The job falls due every second and runs for three: the live scheduler writes its next
    run at every due time. A pause sent mid-run must hold past the run's end and the next
    due times: the job stays paused in the store and never runs again."""
    jobs = tmp_path / "schedule.db"
    out = tmp_path / "slow"
    config = write_config(
        tmp_path / "schedule.yaml",
        f"""  - id: slow
    kind: touch
    every: 1s
    args: {{path: {out}, seconds: 3}}
""",
    )
    child = started(jobs, config)
    wait_for(lambda: lines(out) == ["started"], child, what="the job to start")
    said = cli("pause", "slow", "--jobs", str(jobs)).output
    assert said == f"slow：已暂停（由运行中的调度器（pid {child.process.pid}）执行）\n"
    paused_at = datetime.now(ZoneInfo("UTC"))
    wait_for(lambda: lines(out) == ["started", "finished"], child, what="the run to end")
    time.sleep(2.5)  # past the run's end and two more of its due times
    assert lines(out) == ["started", "finished"]
    assert listed(jobs)["slow"]["paused"] is True
    with sqlite3.connect(jobs) as conn:
        assert conn.execute("SELECT next_run_time FROM apscheduler_jobs").fetchall() == [(None,)]
        assert conn.execute("SELECT action, job_id, status FROM schedule_commands").fetchall() == [
            ("pause", "slow", "done")
        ]
    runs = runs_of(tmp_path / "g.db")
    assert [r["outcome"] for r in runs if r["outcome"] != "skipped"] == ["ok"]
    assert all(r["started_at"] is None for r in runs if r["outcome"] == "skipped")
    assert all(datetime.fromisoformat(r["scheduled_at"]) < paused_at for r in runs)
    assert child.stop() == 0
    assert listed(jobs)["slow"]["paused"] is True  # and after the scheduler stopped
    assert "command #1 from pid" in child.text() and "pause slow: done" in child.text()


def test_runs_are_recorded_listed_shown_on_the_review_page_and_logged_as_json(tmp_path, started):
    jobs = tmp_path / "schedule.db"
    config = beat_and_boom(tmp_path)
    child = started(jobs, config, "--log-format", "json")
    cli("run-now", "beat", "--jobs", str(jobs))
    cli("run-now", "boom", "--jobs", str(jobs))
    history = tmp_path / "g.db"
    wait_for(
        lambda: sorted(r["outcome"] for r in runs_of(history)) == ["failed", "ok"],
        child,
        what="both runs to end",
    )
    runs = {r["job_id"]: r for r in runs_of(history)}
    beat, boom = runs["beat"], runs["boom"]
    assert beat["kind"] == "touch" and beat["error"] == "" and beat["pid"] == child.process.pid
    assert beat["started_at"] <= beat["ended_at"] and beat["counts"] == {}
    assert boom["outcome"] == "failed"
    assert boom["error"] == f"RuntimeError: touch job asked to fail ({tmp_path / 'boom'})"

    shown = listed(jobs)  # no --db: the default, which this test never wrote
    assert shown["beat"]["last_run"] is None
    out = cli("list", "--jobs", str(jobs), "--db", str(history), "--json").output
    last = {j["id"]: j["last_run"] for j in json.loads(out)["jobs"]}
    assert last["beat"]["outcome"] == "ok" and last["boom"]["outcome"] == "failed"
    table = (
        CliRunner()
        .invoke(
            schedule, ["list", "--jobs", str(jobs), "--db", str(history)], env={"COLUMNS": "240"}
        )
        .output
    )
    beat_row = next(line for line in table.splitlines() if "│ beat " in line)
    assert "心跳" in beat_row and "成功" in beat_row and "下次运行" in table
    assert "失败：RuntimeError" in next(line for line in table.splitlines() if "│ boom " in line)
    assert child.stop() == 0

    # one JSON object per line, with the time in Beijing time and the job it is about
    logged = [json.loads(line) for line in child.text().splitlines()]
    assert all(list(e)[:6] == ["time", "level", "event", "job", "round", "message"] for e in logged)
    assert all(datetime.fromisoformat(e["time"]).utcoffset().total_seconds() == 8 * 3600
               for e in logged)  # fmt: skip
    events = [(e["event"], e["job"], e["level"]) for e in logged]
    assert ("scheduler_started", None, "INFO") in events
    assert ("job_started", "beat", "INFO") in events and ("job_finished", "beat", "INFO") in events
    assert ("job_failed", "boom", "ERROR") in events
    assert events[-1] == ("scheduler_stopped", None, "INFO")

    # the review page: each job's last run, then the history, newest first
    with (
        Served(create_app(history, tokens=TOKENS)) as base,
        httpx.Client(base_url=base, headers={"authorization": f"Bearer {LI}"}) as client,
    ):
        home = client.get("/")
        assert '<a href="/schedule">调度记录</a>' in home.text
        page = client.get("/schedule")
        assert page.status_code == 200
        rows = re.findall(r'<tr data-run="\d+" data-job="(\w+)" data-outcome="(\w+)">', page.text)
        assert sorted(set(rows)) == [("beat", "ok"), ("boom", "failed")]
        assert "RuntimeError: touch job asked to fail" in page.text and "成功" in page.text
        one_job = client.get("/schedule?job=beat").text
        runs_table = one_job[one_job.index('data-table="runs"') :]
        assert re.findall(r'data-job="(\w+)"', runs_table) == ["beat"]


def test_a_scheduled_job_that_fails_is_alerted_and_one_that_succeeds_is_not(tmp_path, started):
    """``schedule start --alert URL``: the live scheduler's failed run reaches the receiver as
    one Chinese message naming the job and its error; the run that went well sends nothing."""
    from tests.support.webhook import receiving

    jobs = tmp_path / "schedule.db"
    config = beat_and_boom(tmp_path)
    with receiving() as receiver:
        child = started(jobs, config, "--alert", receiver.alert_url)
        cli("run-now", "beat", "--jobs", str(jobs))
        cli("run-now", "boom", "--jobs", str(jobs))
        history = tmp_path / "g.db"
        wait_for(
            lambda: len(runs_of(history)) == 2 and receiver.received,
            child,
            what="both runs to end and the alert to arrive",
        )
        assert child.stop() == 0
        (message,) = receiver.received
    assert "boom" in message["title"]
    assert "心跳" in message["message"] and "失败" in message["message"]
    assert "touch job asked to fail" in message["message"]
