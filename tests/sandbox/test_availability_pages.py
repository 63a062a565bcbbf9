"""A city's week of availability visits where evaluators read it: the status strip of the city
page (the review app served by uvicorn, read with httpx) and the figure with its visits in the
report. The visits are written into the real database the way check rounds write them."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import httpx
import lxml.html
import pytest

from probes import store
from probes.app import evaluation
from probes.review.app import create_app
from probes.text import beijing
from tests.support.rounds import LI, TOKENS
from tests.support.served import Served


def _visit(db, round_id: str, city: str, at: datetime, *, up: bool) -> None:
    store.save_check(
        db, round_id, url=f"http://{city}.example/", kind="home", city=city, channel="pc",
        classification="up" if up else "down", detail={"available": up},
        at=at.isoformat(timespec="seconds"),
    )  # fmt: skip


@pytest.fixture
def week(filled) -> dict:
    """The small evaluated round, with the week of checks before it: 广州 visited every hour
    (149 visits, one failed; in the hour missed, a round in which nothing anywhere answered:
    ours), 拉萨 once a night (7 visits, one failed)."""
    db, path, round_id = filled
    end = datetime.fromisoformat(evaluation.checks_until(store.get_round(db, round_id)))
    hour = end.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    times = {}
    for k in range(1, 151):
        at = hour - timedelta(hours=k) + timedelta(minutes=5)
        check = store.start_round(db, "check", "sandbox", {"http_only": True}, at=at.isoformat())
        if k != 9:  # that hour's visit was missed: only the dark round below came
            _visit(db, check, "guangzhou", at, up=k != 5)
        if k % 24 == 2:
            _visit(db, check, "lhasa", at, up=k != 50)
        times[k] = at
    dark_at = hour - timedelta(hours=9) + timedelta(minutes=35)
    dark = store.start_round(db, "check", "sandbox", {"http_only": True}, at=dark_at.isoformat())
    for city in ("guangzhou", "xian", "chengdu"):  # three hosts, no answer: our network
        _visit(db, dark, city, dark_at, up=False)
    return {"db": db, "path": path, "round": round_id, "hour": hour, "times": times}


def _cells(page, city_strip: str = "pc") -> list:
    (strip,) = page.xpath(f'//div[@data-strip="{city_strip}"]')
    return strip.xpath(".//span[@data-state]")


def test_the_city_page_shows_the_week_as_a_strip_of_hours(week) -> None:
    with (
        Served(create_app(week["path"], tokens=TOKENS)) as base,
        httpx.Client(base_url=base, headers={"Authorization": f"Bearer {LI}"}) as client,
    ):
        gz = client.get(f"/rounds/{week['round']}/cities/guangzhou")
        lhasa = client.get(f"/rounds/{week['round']}/cities/lhasa")
    assert gz.status_code == 200 and lhasa.status_code == 200
    page = lxml.html.fromstring(gz.text)
    cells = _cells(page)
    assert len(cells) == 168  # a week of hours, the last one the round's own
    states = [c.get("data-state") for c in cells]
    # the hour k before the last: cell 167 - k
    assert states[167 - 5] == "down" and states[167 - 9] == "ours" and states[167 - 1] == "up"
    assert states[167] == "none"  # the round's own hour: no visit yet
    assert states.count("up") == 148  # 149 visits, one down
    failed = cells[167 - 5].get("title")
    assert failed.startswith(beijing(week["hour"] - timedelta(hours=5)))  # Beijing time
    assert "不可用" in failed and "1 次访问" in failed
    assert "我方原因" in cells[167 - 9].get("title")
    (figure,) = page.xpath('//p[@data-availability="guangzhou"]')
    assert figure.text_content() == f"{100 * 148 / 149:.2f}%（一周 149 次访问）"

    figure = lxml.html.fromstring(lhasa.text).xpath('//p[@data-availability="lhasa"]')[0]
    assert "一周 7 次访问" in figure.text_content() and "抽样不足" in figure.text_content()
    assert "未计分" in figure.text_content()


def test_the_report_shows_each_citys_figure_with_its_visits(week, tmp_path) -> None:
    (out,) = evaluation.write_report(week["path"], tmp_path / "report.html")
    page = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    (gz,) = page.xpath('//p[@data-availability="guangzhou"]')
    assert gz.get("data-visits") == "149" and gz.get("data-short") is None
    (lhasa,) = page.xpath('//p[@data-availability="lhasa"]')
    assert lhasa.get("data-visits") == "7" and lhasa.get("data-short") == "1"
    assert "抽样不足" in lhasa.text_content()
    score = evaluation.score_of(week["db"], week["round"])
    items = {c["city"]: c["items"].get("availability") for c in score["cities"]}
    assert items == {"guangzhou": round(100 * 148 / 149, 2), "lhasa": None}
    written = evaluation.write_report(week["path"], tmp_path / "tables", fmt="csv")
    (table,) = [w for w in written if w.name == "availability.csv"]
    with table.open(encoding="utf-8-sig", newline="") as f:
        rows = {r["城市代码"]: r for r in csv.DictReader(f)}
    assert (rows["lhasa"]["访问次数"], rows["lhasa"]["抽样不足"], rows["lhasa"]["得分"]) == (
        "7", "是", "未测",
    )  # fmt: skip
    assert (rows["guangzhou"]["规则要求次数"], rows["guangzhou"]["抽样不足"]) == ("140", "否")
