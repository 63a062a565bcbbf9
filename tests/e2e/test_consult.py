"""Consultations and complaints end to end: real sandbox process, real Chromium, real SQLite:
crashes reconciled, captchas, dry runs, saved sessions, the letter system. The full cycle over
all 36 cities is ``test_consult_cycle.py``.
"""

from __future__ import annotations

import asyncio
import json
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from probes import store
from probes.app.consult import SANDBOX_ACCOUNT, SANDBOX_CONTACT
from probes.net.browser import launch_options
from probes.outcomes import Outcome
from probes.plan.scenarios import load_scenarios
from probes.store.evidence import EvidenceStore
from probes.walk.consult import InteractionJourney, Letter
from tests.support.commands import GOVPROBE, govprobe
from tests.support.sandbox_client import clock, run_async, submissions

pytestmark = pytest.mark.browser


def _run_one(sandbox: str, db: str, *extra: str) -> dict:
    return govprobe(
        "consult", "submit", "--sandbox-url", sandbox, "--db", db, "--city", "成都",
        "--scenario", "beauty-salon", "--kind", "consult", *extra,
    )  # fmt: skip


def _pretend_sent_before_a_crash(sandbox: str, db_path: str, *, received: bool) -> int:
    """The state a kill leaves between the click and the receipt: the intent and the sending
    mark stored; the portal received the message (or not)."""
    scenario = load_scenarios()["beauty-salon"]
    db = store.open_db(db_path)
    params = {"dry_run": False, "sandbox_url": sandbox}  # as `consult submit` starts one
    round_id = store.start_round(db, "consult", "sandbox", params)
    store.finish_round(db, round_id, "interrupted")
    item = store.record_intent(
        db, city="chengdu", scenario="beauty-salon", kind="consult", round_id=round_id,
        title=scenario.consult.title, content=scenario.consult.question,
    )  # fmt: skip
    store.note_item(db, item, "sending")
    db.close()
    if received:
        with httpx.Client(base_url=_site(sandbox, "chengdu"), timeout=15) as c:
            login = {"username": SANDBOX_ACCOUNT.username, "password": SANDBOX_ACCOUNT.password}
            c.post("/login", data=login)
            form = {"txtTitle": scenario.consult.title, "txtContent": scenario.consult.question,
                    "txtMatter": "公共场所卫生许可", "txtName": "测评员", "txtMobile": "13800000000"}  # fmt: skip
            assert c.post("/hdjl/consult/new?region=510100", data=form).status_code == 200
    return item


def _site(sandbox: str, city_id: str) -> str:
    cities = httpx.get(sandbox + "/__sandbox/cities", timeout=15).json()
    pc = next(c["pc_url"] for c in cities if c["city_id"] == city_id)
    return pc[: pc.index("/", len("http://"))]


def test_a_message_received_before_a_crash_is_reconciled_not_sent_again(sandbox, tmp_path):
    db = str(tmp_path / "g.db")
    item = _pretend_sent_before_a_crash(sandbox, db, received=True)
    (result,) = _run_one(sandbox, db)["results"]
    assert result["action"] == "reconciled" and result["item"] == item
    assert len(submissions(sandbox)) == 1
    assert result["ticket"] == submissions(sandbox)[0]["receipt"]


def test_a_message_lost_before_the_portal_got_it_is_sent_once(sandbox, tmp_path, open_store):
    db = str(tmp_path / "g.db")
    _pretend_sent_before_a_crash(sandbox, db, received=False)
    (result,) = _run_one(sandbox, db)["results"]
    assert result["action"] == "submitted" and len(submissions(sandbox)) == 1
    events = [e["event"] for e in store.item_events(open_store(db), result["item"])]
    assert events.index("not_in_list") < events.index("submitted")


def test_a_captcha_blocks_and_nothing_is_sent(sandbox, tmp_path, open_store):
    httpx.post(sandbox + "/__sandbox/faults", json={"city": "chengdu", "mode": "captcha"})
    (result,) = _run_one(sandbox, str(tmp_path / "g.db"))["results"]
    assert result["action"] == "blocked" and result["reason"].startswith("captcha")
    assert submissions(sandbox) == []
    item = store.get_item(open_store(tmp_path / "g.db"), result["item"])
    assert item["state"] == "intent" and item["outcome"] == "blocked"


def test_with_a_person_at_a_visible_browser_a_captcha_is_solved_and_sent(sandbox, tmp_path):
    """--headed: the journey waits while the evaluator types the captcha (here: a task that
    reads the digits off the captcha image, as a person would)."""
    httpx.post(sandbox + "/__sandbox/faults", json={"city": "chengdu", "mode": "captcha"})
    portal = next(
        c["pc_url"]
        for c in httpx.get(sandbox + "/__sandbox/cities").json()
        if c["city_id"] == "chengdu"
    )
    scenario = load_scenarios()["beauty-salon"]
    letter = Letter(
        "consult", scenario.consult.title, scenario.consult.question, "公共场所卫生许可"
    )

    async def main():
        from playwright.async_api import async_playwright

        async with async_playwright() as p:
            browser = await p.chromium.launch(**launch_options())
            context = await browser.new_context()
            journey = InteractionJourney(
                context, EvidenceStore(tmp_path / "evidence"), portal, "pc",
                account=SANDBOX_ACCOUNT, solve_captcha_s=60,
            )  # fmt: skip

            async def person() -> None:
                while True:
                    for page in context.pages:
                        image = page.locator("img.captcha")
                        if await image.count():
                            svg = await page.evaluate(
                                "src => fetch(src).then(r => r.text())",
                                await image.first.get_attribute("src"),
                            )
                            import re

                            digits = "".join(re.findall(r">(\d)</text>", svg))
                            await page.locator("input[name=captcha]").fill(digits)
                            return
                    await asyncio.sleep(0.2)

            async def no_op() -> None:
                return None

            helper = asyncio.create_task(person())
            attempt = await journey.submit(letter, SANDBOX_CONTACT, send=True, before_click=no_op)
            helper.cancel()
            await browser.close()
            return attempt

    attempt = run_async(main)
    assert attempt.outcome == Outcome.OK and attempt.sent and attempt.ticket
    assert [s["receipt"] for s in submissions(sandbox)] == [attempt.ticket]
    assert any(s.action == "captcha" for s in attempt.steps)


def test_a_dry_run_fills_the_form_and_sends_nothing(sandbox, tmp_path, open_store):
    db = str(tmp_path / "g.db")
    summary = _run_one(sandbox, db, "--dry-run")
    (result,) = summary["results"]
    assert summary["dry_run"] and result["action"] == "filled"
    assert submissions(sandbox) == []
    con = open_store(db)
    item = store.get_item(con, result["item"])
    assert item["dry_run"] and item["state"] == "intent" and item["reason"].startswith("dry_run")
    assert [e["kind"] for e in store.evidence_of_item(con, item["id"])] == ["form"]
    assert store.open_items(con) == []  # a dry run is never polled


def test_live_portals_get_a_dry_run_unless_submit_is_given(tmp_path, open_store):
    db = str(tmp_path / "g.db")
    summary = govprobe(
        "consult", "submit", "--target", "live", "--city", "北京", "--kind", "consult",
        "--scenario", "beauty-salon", "--db", db, "--sessions", str(tmp_path / "s"),
    )  # fmt: skip
    assert summary["dry_run"] is True
    con = open_store(db)
    (item,) = store.items_of(con, include_dry_run=True)
    assert item["dry_run"] and "sending" not in [
        e["event"] for e in store.item_events(con, item["id"])
    ]
    # --submit to live portals needs the sender's details, and a yes at the prompt
    done = subprocess.run(
        [GOVPROBE, "consult", "submit", "--target", "live", "--submit", "--city", "北京",
         "--db", db], input="n\n", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode != 0


def test_a_saved_session_is_used_and_an_expired_one_blocks_with_how_to_renew(sandbox, tmp_path):
    from probes.app.consult import login_session

    sessions = tmp_path / "secrets"
    site = _site(sandbox, "chengdu")

    async def person_logs_in(page) -> None:
        await page.goto(site + "/login?region=510100")
        await page.fill("#username", SANDBOX_ACCOUNT.username)
        await page.fill("#password", SANDBOX_ACCOUNT.password)
        await page.click("#login-form button")
        await page.wait_for_load_state()

    # in a thread: login_session runs its own event loop
    with ThreadPoolExecutor(1) as pool:
        path = pool.submit(
            login_session, "成都", wait=person_logs_in, sessions=sessions, url=site + "/",
            headless=True,
        ).result()  # fmt: skip
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(sessions.stat().st_mode) == 0o700
    db = str(tmp_path / "g.db")
    (ok,) = _run_one(sandbox, db, "--sessions", str(sessions))["results"]
    assert ok["action"] == "submitted"  # no account given: the session did it
    state = json.loads(path.read_text())
    secrets = [c["value"] for c in state["cookies"] if c["name"].startswith("gp_session")]
    assert secrets
    # the session never lands in the database or the evidence
    for file in (p for p in tmp_path.rglob("*") if p.is_file() and sessions not in p.parents):
        assert not any(v.encode() in file.read_bytes() for v in secrets), file
    for cookie in state["cookies"]:
        cookie["value"] = "expired"
    path.write_text(json.dumps(state))
    (blocked,) = govprobe(
        "consult", "submit", "--sandbox-url", sandbox, "--db", db, "--city", "成都",
        "--scenario", "beauty-salon", "--kind", "complaint", "--sessions", str(sessions),
    )["results"]  # fmt: skip
    assert blocked["action"] == "blocked" and blocked["reason"].startswith("login_expired")
    assert "govprobe login --city 成都" in blocked["reason"]
    assert len(submissions(sandbox)) == 1


def test_a_letter_system_city_is_sent_each_kind_once_and_polled_from_cards(
    sandbox, tmp_path, open_store
):
    """深圳's 互动交流 is the 12345 letter system on its own origin: a unified login on the 个人
    tab, a table form with selects, radios and an agreement box, a complaint refused once (its
    被反映单位) and corrected once, then replies read from 我的信件's cards and detail pages."""
    db = str(tmp_path / "g.db")
    common = ("--sandbox-url", sandbox, "--db", db, "--city", "深圳", "--scenario", "beauty-salon")
    results = govprobe("consult", "submit", *common)["results"]
    assert {r["kind"]: r["action"] for r in results} == {
        "consult": "submitted",
        "complaint": "submitted",
    }
    sent = submissions(sandbox)
    assert sorted((s["city"], s["kind"]) for s in sent) == [
        ("shenzhen", "complaint"), ("shenzhen", "consult"),
    ]  # fmt: skip
    assert {r["ticket"] for r in results} == {s["receipt"] for s in sent}
    con = open_store(db)
    by_kind = {i["kind"]: i for i in store.items_of(con)}
    events = {kind: list(store.item_events(con, item["id"])) for kind, item in by_kind.items()}
    assert [e["event"] for e in events["consult"]].count("sending") == 1
    assert [e["event"] for e in events["complaint"]].count("sending") == 2  # refused, then sent

    def steps(kind: str) -> list[dict]:
        return next(e for e in events[kind] if e["event"] == "attempt")["detail"]["steps"]

    assert "login_tab" in [s["action"] for s in steps("consult")]  # the first one logs in
    actions = [s["action"] for s in steps("complaint")]
    assert actions.count("submit") == 2 and actions.count("correct") == 1
    refused = next(s for s in steps("complaint") if s["action"] == "refused")
    assert "被反映单位" in refused["matched"]
    # a second run sends nothing
    assert {r["action"] for r in govprobe("consult", "submit", *common)["results"]} == {"kept"}
    assert len(submissions(sandbox)) == 2
    # shenzhen answers consultations in 1 working day and complaints in 2, with their times
    clock(sandbox, advance="P3D")
    items = govprobe("poll", "--sandbox-url", sandbox, "--db", db)["items"]
    assert {i["kind"]: i["status"] for i in items} == {"consult": "replied", "complaint": "replied"}
    consult = next(i for i in items if i["kind"] == "consult")
    assert consult["replied_at"] == "2026-11-03T09:00:00+08:00"
    assert consult["replied_at_source"] == "portal" and consult["timeliness"] == "on_time"
    assert consult["effectiveness"] == "solved" and consult["rating_entry"] is True


def test_a_letter_the_portal_already_has_is_reconciled_not_sent_again(
    sandbox, tmp_path, open_store
):
    """The letter system refuses an identical letter (请勿重复提交): that means an earlier one
    arrived; the item takes its ticket from 我的信件 and nothing new is counted as sent."""
    scenario = load_scenarios()["beauty-salon"]
    cities = httpx.get(sandbox + "/__sandbox/cities", timeout=15).json()
    portal = next(c["pc_url"] for c in cities if c["city_id"] == "xining")
    with httpx.Client(timeout=15, follow_redirects=False) as c:
        hdjl = c.get(portal[: portal.index("/", len("http://"))] + "/hdjl/")
        letters = hdjl.headers["location"]  # the letter system's address for 西宁
        login = {"type": "person", "username": SANDBOX_ACCOUNT.username,
                 "password": SANDBOX_ACCOUNT.password}  # fmt: skip
        assert c.post(letters + "api/login", json=login).json()["ok"]
        letter = {"xjlx": "咨询", "ssqy": "城东区", "xjbt": scenario.consult.title,
                  "xjnr": scenario.consult.question, "xm": SANDBOX_CONTACT.name,
                  "lxdh": SANDBOX_CONTACT.phone, "sfgk": "不公开", "agree": "1"}  # fmt: skip
        assert "信件编号" in c.post(letters + "xj/write", data=letter).text
    (before,) = submissions(sandbox)
    db = str(tmp_path / "g.db")
    (result,) = govprobe(
        "consult", "submit", "--sandbox-url", sandbox, "--db", db, "--city", "西宁",
        "--scenario", "beauty-salon", "--kind", "consult",
    )["results"]  # fmt: skip
    assert result["action"] == "reconciled" and result["ticket"] == before["receipt"]
    assert submissions(sandbox) == [before]
    con = open_store(db)
    events = store.item_events(con, result["item"])
    assert [e["event"] for e in events].count("sending") == 1
    reconciled = next(e for e in events if e["event"] == "reconciled")
    assert reconciled["detail"]["duplicate"].startswith("duplicate")
