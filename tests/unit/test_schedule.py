"""The scheduler's jobs and schedule file in-process (``probes/schedule/``): add, pause,
resume, remove, list; malformed files named with their key; the default timetable's fire
times; each kind calling its library function. ``schedule start`` as a child process:
``tests/e2e/test_schedule.py``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from probes.cli.schedule import schedule
from probes.schedule import jobs
from probes.schedule.file import load_schedule
from probes.schedule.jobs import ScheduleError


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


def test_pause_resume_and_remove_change_what_list_shows(tmp_path):
    jobs = tmp_path / "schedule.db"
    config = write_config(tmp_path / "schedule.yaml", "  []\n")
    add = ("add", "a", "--kind", "touch", "--every", "2h", "--arg", f"path={tmp_path / 'a'}")
    cli(*add, "--jobs", str(jobs), "--schedule", str(config))
    cli("add", "b", "--kind", "touch", "--cron", "0 3 * * *", "--arg", f"path={tmp_path / 'b'}",
        "--jobs", str(jobs), "--schedule", str(config))  # fmt: skip
    assert [j["paused"] for j in listed(jobs).values()] == [False, False]

    paused = cli("pause", "a", "--jobs", str(jobs)).output
    assert paused == "a：已暂停（没有调度器在运行，已直接修改作业库）\n"
    shown = listed(jobs)
    assert shown["a"]["paused"] is True and shown["a"]["next_run"] is None
    assert list(shown) == ["b", "a"]  # paused jobs come last
    assert shown["a"]["last_run"] is None  # no history database, no run yet
    table = CliRunner().invoke(schedule, ["list", "--jobs", str(jobs), "--db", str(tmp_path / "g.db")],
                               env={"COLUMNS": "200"}).output  # fmt: skip
    row = next(line for line in table.splitlines() if "│ a " in line)
    assert "心跳" in row and "每 2h" in row and "已暂停" in row and "尚未运行" in row
    refused = cli("run-now", "a", "--jobs", str(jobs), ok=False)
    assert refused.exit_code == 1 and "作业 'a' 已暂停：请先 resume" in refused.output

    cli("resume", "a", "--jobs", str(jobs))
    resumed = listed(jobs)["a"]
    assert resumed["paused"] is False
    next_run = datetime.fromisoformat(resumed["next_run"])
    assert 7000 < (next_run - datetime.now(ZoneInfo("Asia/Shanghai"))).total_seconds() <= 7200

    cli("remove", "a", "--jobs", str(jobs))
    assert list(listed(jobs)) == ["b"]
    gone = cli("remove", "a", "--jobs", str(jobs), ok=False)
    assert gone.exit_code == 1 and f"{jobs}：没有作业 'a'（现有作业：b）" in gone.output
    taken = cli("add", "b", "--kind", "touch", "--every", "1h", "--arg", "path=x",
                "--jobs", str(jobs), "--schedule", str(config), ok=False)  # fmt: skip
    assert "作业 'b' 已存在" in taken.output
    missing = cli("list", "--jobs", str(tmp_path / "none.db"), ok=False)
    assert "none.db：还没有作业库" in missing.output


def jobs_yaml(*entries: str) -> str:
    return "jobs:\n" + "".join(f"  - {{{e}}}\n" for e in entries)


TOUCH = "kind: touch, args: {path: x}"


GUIDES = "id: a, kind: guides, cron: '0 1 * * sun'"


MALFORMED = [
    ("jobz: []\n", "jobz", "Extra inputs are not permitted"),
    ("timezone: Mars/Olympus\n", "timezone", "unknown time zone 'Mars/Olympus'"),
    (jobs_yaml("id: a, kind: crawl, cron: '0 1 * * *'"), "jobs[0].kind", "'guides'"),
    (
        jobs_yaml(f"id: a, {TOUCH}, cron: '0 1 * * *'", f"id: b, {TOUCH}, cron: '61 1 * * *'"),
        "jobs[1].cron",
        "61",
    ),
    (jobs_yaml(f"id: a, {TOUCH}, cron: '0 1 * * 0'"), "jobs[0].cron", "name the days of the week"),
    (jobs_yaml(f"id: a, {TOUCH}, cron: '0 1 * *'"), "jobs[0].cron", "5 fields"),
    (jobs_yaml(f"id: a, {TOUCH}, every: 2 hours"), "jobs[0].every", "say 90s, 30m, 2h, 1d or 1w"),
    (jobs_yaml(f"id: a, {TOUCH}"), "jobs[0]", "give either cron or every"),
    (jobs_yaml(f"id: a, {TOUCH}, every: 2h, jitter: -1"), "jobs[0].jitter", "greater than or"),
    (
        jobs_yaml(f"{GUIDES}, args: {{target: live, citys: [广州]}}"),
        "jobs[0].args",
        "citys: Extra inputs are not permitted",
    ),
    (jobs_yaml(f"{GUIDES}, args: {{cities: [广州]}}"), "jobs[0].args", "target: Field required"),
    (
        jobs_yaml(f"{GUIDES}, args: {{target: live, cities: [火星]}}"),
        "jobs[0].args",
        "没有这个城市：'火星'",
    ),
    (
        jobs_yaml(f"{GUIDES}, args: {{target: live, scenario_ids: [bakery]}}"),
        "jobs[0].args",
        "scenario_ids: 没有这个场景：'bakery'",
    ),
    (
        jobs_yaml("id: a, kind: poll, every: 2h, args: {target: sandbox}"),
        "jobs[0].args",
        "sandbox_url: polling the sandbox needs",
    ),
    (
        jobs_yaml(f"id: a, {TOUCH}, every: 1h", f"id: a, {TOUCH}, every: 2h"),
        "jobs",
        "duplicate job id 'a'",
    ),
    ("jobs: [oops\n", "not valid YAML", ""),
]


@pytest.mark.parametrize(("body", "where", "says"), MALFORMED)
def test_a_malformed_schedule_names_the_file_and_the_key(tmp_path, body, where, says):
    path = tmp_path / "schedule.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ScheduleError) as caught:
        load_schedule(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {where}"), message
    assert says in message


def test_start_refuses_a_malformed_schedule_before_touching_the_store(tmp_path):
    path = write_config(tmp_path / "schedule.yaml", "  - {id: a, kind: touch, cron: '0 1 * * 7'}\n")
    result = cli("start", "--jobs", str(tmp_path / "s.db"), "--schedule", str(path), ok=False)
    assert result.exit_code == 1
    assert f"Error: {path}: jobs[0].cron: " in result.output
    assert not (tmp_path / "s.db").exists()


def test_add_checks_its_arguments_as_the_file_would(tmp_path):
    config = write_config(tmp_path / "schedule.yaml", "  []\n")
    result = cli("add", "g", "--kind", "guides", "--cron", "0 1 * * sun", "--arg", "target=live",
                 "--arg", "citys=[广州]", "--jobs", str(tmp_path / "s.db"), "--schedule", str(config),
                 ok=False)  # fmt: skip
    assert "schedule add: args: citys: Extra inputs are not permitted" in result.output
    added = cli("add", "g", "--kind", "guides", "--cron", "0 1 * * sun", "--arg", "target=live",
                "--arg", "cities=[广州, 深圳]", "--arg", "concurrency=2", "--db", "x/g.db",
                "--jobs", str(tmp_path / "s.db"), "--schedule", str(config))  # fmt: skip
    assert added.output.startswith("g：已添加，下次运行 ")
    assert listed(tmp_path / "s.db")["g"]["args"] == {
        "target": "live", "cities": ["广州", "深圳"], "concurrency": 2, "db_path": "x/g.db"
    }  # fmt: skip


def fire_times(trigger, start: datetime, end: datetime) -> list[datetime]:
    times, previous, now = [], None, start
    while (t := trigger.get_next_fire_time(previous, now)) and t < end:
        times.append(t)
        previous = now = t
    return times


def test_the_default_schedule_runs_guides_weekly_at_night_polls_in_working_hours_checks_daily():
    config = load_schedule()
    specs = {j.id: j for j in config.jobs}
    assert {s.kind for s in specs.values()} == {"guides", "poll", "checks"}
    china = ZoneInfo("Asia/Shanghai")
    monday = datetime(2026, 11, 30, tzinfo=china)
    week = monday + timedelta(days=7)

    def times(job_id: str) -> list[datetime]:
        return fire_times(specs[job_id].trigger(config.timezone, None), monday, week)

    guides = times("guides")
    assert len(guides) == 1 and guides[0].weekday() == 6 and guides[0].hour < 6
    polls = times("poll")
    assert {t.weekday() for t in polls} == {0, 1, 2, 3, 4}
    assert sorted({t.hour for t in polls}) == [9, 11, 13, 15, 17] and len(polls) == 25
    assert len(times("checks")) == 7
    for spec in specs.values():
        options = spec.options(config.defaults)
        assert options.coalesce and options.misfire_grace_time >= 3600 and options.jitter > 0
        assert spec.kwargs("results/govprobe.db")["db_path"] == "results/govprobe.db"


@pytest.mark.parametrize(
    ("kind", "function"),
    [
        ("guides", "probes.app.guides:run_guides"),
        ("poll", "probes.app.consult:consult_poll"),
        ("checks", "probes.app.health:check_portals"),
    ],
)
def test_each_kind_takes_the_arguments_of_the_library_function_it_calls(kind, function):
    import importlib
    import inspect

    module, name = function.split(":")
    parameters = inspect.signature(getattr(importlib.import_module(module), name)).parameters
    assert set(jobs.KINDS[kind].args.model_fields) <= set(parameters)


def test_a_command_no_scheduler_answers_is_withdrawn_and_said_in_chinese(tmp_path):
    """A live scheduler holds the lock (here: this process, which never reads the command
    table): ``pause`` asks it, waits ``--timeout``, withdraws its command and says so."""
    import fcntl
    import os
    import sqlite3

    jobs = tmp_path / "schedule.db"
    config = write_config(tmp_path / "schedule.yaml", "  []\n")
    cli("add", "a", "--kind", "touch", "--every", "2h", "--arg", "path=x",
        "--jobs", str(jobs), "--schedule", str(config))  # fmt: skip
    with (tmp_path / "schedule.db.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write(str(os.getpid()))
        lock.flush()
        unanswered = cli("pause", "a", "--jobs", str(jobs), "--timeout", "0.3", ok=False)
        assert listed(jobs)["a"]["paused"] is False  # list only reads: it works meanwhile
    assert unanswered.exit_code == 1
    assert (
        f"{jobs}：调度器（pid {os.getpid()}）在 0.3 秒内没有应答命令 #1（pause a），"
        "已撤回该命令，作业未改动。" in unanswered.output
    )
    with sqlite3.connect(jobs) as conn:
        assert conn.execute("SELECT status FROM schedule_commands").fetchall() == [("expired",)]
    assert listed(jobs)["a"]["paused"] is False  # and no scheduler applies it later


def test_a_json_log_line_carries_time_with_offset_level_event_job_round_and_message():
    import logging

    from probes.schedule.logs import SchedulerJsonFormatter

    record = logging.LogRecord("probes.schedule", logging.ERROR, __file__, 1, "job %s failed",
                               ("poll",), None)  # fmt: skip
    record.event, record.job, record.round = "job_failed", "poll", "R1"
    line = json.loads(SchedulerJsonFormatter(json_ensure_ascii=False).format(record))
    assert list(line) == ["time", "level", "event", "job", "round", "message", "logger"]
    assert datetime.fromisoformat(line["time"]).utcoffset() == timedelta(hours=8)
    assert (line["level"], line["event"], line["job"], line["round"], line["message"]) == (
        "ERROR", "job_failed", "poll", "R1", "job poll failed"
    )  # fmt: skip
    plain = logging.LogRecord("apscheduler.scheduler", logging.INFO, __file__, 1, "中文", (), None)
    assert (
        json.loads(SchedulerJsonFormatter(json_ensure_ascii=False).format(plain))["event"] == "log"
    )
