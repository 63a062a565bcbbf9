"""Alerts reach a real webhook (apprise ``json://`` to a receiver on 127.0.0.1): one message per
event, in Chinese, naming the city, the portal, the round and the page to look at; none for a
round without faults; a send that fails fails nothing."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from probes import alert, store
from probes.alert.regressions import hold_regressions
from probes.cli import main
from probes.outcomes import Outcome
from tests.support.rounds import MATTERS, write_next_round
from tests.support.webhook import receiving

BEIJING_TIME = re.compile(r"时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _home_checks(db, visits: list[tuple[datetime, str]]) -> list[str]:
    """One check round per visit of 广州's PC home page; the rounds' ids."""
    rounds = []
    for at, classification in visits:
        round_id = store.start_round(db, "check", "sandbox", {})
        store.save_check(
            db, round_id, url="http://portal/guangzhou", kind="home", city="guangzhou",
            channel="pc", classification=classification, at=_iso(at),
        )  # fmt: skip
        store.finish_round(db, round_id)
        rounds.append(round_id)
    return rounds


def _login_expired(db, since: datetime) -> int:
    consult = store.start_round(db, "consult", "live", {"dry_run": False})
    item = store.record_intent(
        db, city="lhasa", scenario="beauty-salon", kind="consult", round_id=consult,
        title="美容院开办咨询", content="问题", portal_url="http://portal/lhasa",
    )  # fmt: skip
    store.note_item(
        db, item, "poll_failed", at=_iso(since + timedelta(seconds=5)), outcome="blocked",
        reason="login_expired: 登录已失效, 请运行 govprobe login --city 拉萨",
    )  # fmt: skip
    return item


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def receiver():
    with receiving() as server:
        yield server


def test_each_fault_sends_one_alert_with_what_to_look_at(filled, receiver):
    db, path, _first = filled
    urls = (receiver.alert_url,)
    started = datetime.now(UTC) - timedelta(minutes=1)
    # a guide gone since last round, and one of six probes our own failure (over 10%)
    second = write_next_round(
        db, Path(path),
        outcomes={("guangzhou", MATTERS[1]): Outcome.GUIDE_MISSING,
                  ("lhasa", MATTERS[0]): Outcome.PROBE_ERROR},
    )  # fmt: skip
    gone = next(p["id"] for p in store.probes_of_round(db, second)
                if (p["city"], p["matter"]) == ("guangzhou", MATTERS[1]))  # fmt: skip
    hold_regressions(db, second)
    sent, failed = alert.after_guides(path, second, urls)
    assert failed == [] and [a.event for a in sent] == ["probe_errors", "regressions"]
    # a saved login found expired by this poll
    item = _login_expired(db, started)
    sent, failed = alert.after_items(
        path, urls, since=_iso(started), what="回复查询", round_id=None, outcomes=["ok", "blocked"]
    )
    assert failed == [] and [a.event for a in sent] == ["login_expired"]
    # 广州's PC portal down at every visit for a day, said once, at the visit that makes it a day
    t0 = datetime.now(UTC) - timedelta(days=2)
    rounds = _home_checks(db, [(t0, "up"), (t0 + timedelta(hours=1), "down"),
                               (t0 + timedelta(hours=13), "down"),
                               (t0 + timedelta(hours=25), "down"),
                               (t0 + timedelta(hours=26), "down")])  # fmt: skip
    said = [alert.after_checks(path, r, urls)[0] for r in rounds]
    assert [len(s) for s in said] == [0, 0, 0, 1, 0]
    # a scheduled job that raised
    run = {"job": "guides", "kind": "guides", "started_at": _iso(t0), "ended_at": _iso(t0),
           "outcome": "failed", "error": "RuntimeError: Chromium 意外退出", "round": None}  # fmt: skip
    assert alert.alert_job_result(run, urls) == []

    messages = {m["title"].split("：")[0]: m for m in receiver.received}
    assert len(receiver.received) == 5 == len(messages)  # one per event
    assert all(m["path"] == "/hook" and BEIJING_TIME.search(m["message"])
               for m in receiver.received)  # fmt: skip

    regressions = messages["【govprobe】指南结果回归（待复核，暂不计分）"]["message"]
    assert f"轮次：{second}" in regressions
    assert "广州 电脑端「公共场所卫生许可」" in regressions
    assert "上一轮 正常获取 → 本轮 未找到办事指南" in regressions
    assert f"请查看 /probes/{gone}" in regressions and "门户 http://portal/guangzhou" in regressions
    assert f"/queue?round={second}#q-regressions" in regressions

    errors = messages["【govprobe】探测程序错误过多"]
    assert "1/6" in errors["title"] and "共 6 个，其中探测程序错误 1 个" in errors["message"]
    assert "阈值 10%" in errors["message"] and f"/queue?round={second}" in errors["message"]

    login = messages["【govprobe】登录已失效"]
    assert "拉萨" in login["title"]
    assert (
        f"请查看 /items/{item}" in login["message"]
        and "门户 http://portal/lhasa" in login["message"]
    )
    assert "govprobe login --city 拉萨" in login["message"]

    down = messages["【govprobe】门户连续一天无法访问"]["message"]
    assert "广州 电脑端" in down and "连续 3 次访问均无法访问（24 小时）" in down
    assert f"轮次：{rounds[3]}" in down and "门户 http://portal/guangzhou" in down

    job = messages["【govprobe】定时任务失败"]
    assert "guides" in job["title"] and "Chromium 意外退出" in job["message"]
    assert "govprobe schedule list" in job["message"]


def test_a_round_without_faults_sends_nothing(filled, receiver):
    db, path, _first = filled
    urls = (receiver.alert_url,)
    second = write_next_round(db, Path(path))
    assert hold_regressions(db, second) == []
    t0 = datetime.now(UTC) - timedelta(days=2)
    rounds = _home_checks(db, [(t0 + timedelta(hours=h), "up") for h in (0, 12, 24, 36)])
    assert alert.after_guides(path, second, urls) == ([], [])
    assert alert.after_items(path, urls, since=_iso(t0), what="回复查询", round_id=None,
                             outcomes=["ok"] * 4) == ([], [])  # fmt: skip
    assert all(alert.after_checks(path, r, urls) == ([], []) for r in rounds)
    ok = {"job": "guides", "kind": "guides", "started_at": _iso(t0), "ended_at": _iso(t0),
          "outcome": "ok", "error": None, "round": second}  # fmt: skip
    assert alert.alert_job_result(ok, urls, db_path=path) == []
    assert receiver.received == []


def test_a_successful_scheduled_round_sends_its_rounds_alerts(filled, receiver):
    db, path, _first = filled
    second = write_next_round(db, Path(path), outcomes={("guangzhou", MATTERS[2]): Outcome.BLOCKED})
    hold_regressions(db, second)
    run = {"job": "guides", "kind": "guides", "started_at": store.now_iso(),
           "ended_at": store.now_iso(), "outcome": "ok", "error": None, "round": second}  # fmt: skip
    assert alert.alert_job_result(run, [receiver.alert_url], db_path=path) == []
    (message,) = receiver.received
    assert "指南结果回归" in message["title"] and "本轮 被拦截" in message["message"]


def test_a_send_that_fails_is_said_and_fails_nothing(filled):
    db, path, _first = filled
    dead = f"json://127.0.0.1:{_free_port()}/hook"
    started = datetime.now(UTC) - timedelta(seconds=30)
    # noted a minute from now: as the poll below would note it while it runs
    _login_expired(db, datetime.now(UTC) + timedelta(minutes=1))
    run = {"job": "poll", "kind": "poll", "started_at": _iso(started), "ended_at": None,
           "outcome": "failed", "error": "boom", "round": None}  # fmt: skip
    (failure,) = alert.alert_job_result(run, [dead])
    assert failure.event == "job_failed" and "告警发送失败" in failure.said()
    # the command says it on stderr and exits as its work did (nothing to poll: 0)
    result = CliRunner().invoke(
        main, ["poll", "--target", "live", "--db", path, "--alert", dead, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "告警发送失败：json://127.0.0.1" in result.stderr
    assert '"items"' in result.stdout and "告警" not in result.stdout


def test_an_alert_url_apprise_cannot_read_is_refused_before_any_work(filled):
    _db, path, _first = filled
    result = CliRunner().invoke(main, ["poll", "--db", path, "--alert", "nosuch://x"])
    assert result.exit_code == 2
    assert "nosuch://x" in result.output and "无法识别" in result.output


@pytest.mark.parametrize(
    "text, total, fires_above",
    [("10%", 360, 36), ("10%", 6, 0.6), ("5", 360, 5), ("0", 10, 0)],
)
def test_the_probe_error_threshold_is_a_count_or_a_share(text, total, fires_above):
    limit = alert.ProbeErrorLimit.parse(text)
    assert limit.limit(total) == pytest.approx(fires_above)


@pytest.mark.parametrize("text", ["ten", "-1", "150%"])
def test_a_bad_probe_error_threshold_is_refused_naming_it(text):
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        alert.ProbeErrorLimit.parse(text)
