"""Consultations and complaints over their lifetime: decide, submit once, poll, judge, label.

An *item* is one message: a city × scenario × kind (consult | complaint) in an interaction
round. Its states (``items.state``) and the events that move it (``item_events``)::

    intent ──sending──▶ submitted ──▶ replied
       │        │           └──────▶ closed (no reply when the window closed)
       │        └─(no receipt)──▶ unknown
       └── (blocked: captcha, login; nothing sent)

Exactly once:

* the intent is stored before the browser opens the form, and a ``sending`` event in its own
  committed transaction right before the one click that sends;
* an item in ``submitted``, ``replied`` or ``closed`` is never sent again;
* an item with a ``sending`` event but no receipt (a timeout, a crash, a kill) is reconciled
  from 我的咨询 / 我的投诉 / 我的信件 (a table's rows or a list's cards): the row with its title
  whose ticket no other item claims is its receipt; only when the list, read successfully, has
  no such row is it sent again;
* a form refused and corrected is sent once more, at most, each click after its own
  ``sending`` mark; a portal that answers 请勿重复提交 has the message already: it is
  reconciled from the list, never counted as a new submission;
* ``--target live`` fills forms and stops (a dry run) unless ``send=True`` (``--submit``).

Time is the portal's: submission and reply times as the portal shows them (China time); where
a list shows no reply time, the time of the poll that first saw the reply, with the time since
the previous poll kept as its uncertainty. "Now" for the observation window is the portal's
clock (``probes/plan/targets.py``: the sandbox's simulated clock, or the real one). Working days
follow China's calendar (``probes/plan/workdays.py``); thresholds come from
``scenarios/indicators.yaml``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from playwright.async_api import async_playwright

from probes import store
from probes.app.progress import Progress, no_progress
from probes.judge.replies import match_row, reply_seen
from probes.net.browser import new_context
from probes.net.gate import HostGate, gather_per_host
from probes.outcomes import Outcome
from probes.plan.cities import load_registry
from probes.plan.indicators import Thresholds
from probes.plan.profiles import Profile, load_profiles
from probes.plan.scenarios import Scenario, ScenarioError, load_scenarios, select_scenarios
from probes.plan.targets import (
    Target,
    city_targets,
    sandbox_url_for,
)
from probes.plan.workdays import WorkCalendar
from probes.score.replies import judge_item, score_item, window_end  # noqa: F401 (judge_item)
from probes.settings import DEFAULT_SESSIONS
from probes.store.evidence import EvidenceStore, evidence_for
from probes.text import beijing
from probes.walk.consult import Account, Attempt, Contact, InteractionJourney, Letter
from probes.walk.walker import JourneyConfig

KINDS = ("consult", "complaint")


SANDBOX_ACCOUNT = Account("tester", "govprobe-sandbox")  # the sandbox's published test account


SANDBOX_CONTACT = Contact("测评员", "13800000000")


@dataclass
class ConsultOptions:
    concurrency: int = 4
    per_host: int = 2
    headless: bool = True
    send: bool = True  # False: a dry run (fill, never click the sending button)
    contact: Contact = SANDBOX_CONTACT
    account: Account | None = None  # log in with this account (the sandbox)
    sessions: Path | None = None  # saved sessions (govprobe login), one file per city
    solve_captcha_s: float = 0.0  # > 0 with a visible browser: a person types captchas
    user_agent_suffix: str = ""
    journey: JourneyConfig = field(default_factory=JourneyConfig)
    profiles: dict[str, Profile] = field(default_factory=dict)  # platform id -> its profile


def session_file(sessions: Path, city_id: str) -> Path:
    return Path(sessions) / f"{city_id}.json"


@dataclass(frozen=True)
class Planned:
    """One item to submit: a city's portal, a scenario and a kind."""

    target: Target
    scenario: Scenario
    kind: str

    @property
    def letter(self) -> Letter:
        message = self.scenario.consult if self.kind == "consult" else self.scenario.complaint
        return Letter(
            self.kind,
            message.title,
            message.question,
            self.scenario.matter(message.matter).name,
        )


def interaction_round(db, target: str, *, dry_run: bool, new: bool, params: dict) -> str:
    """The round items belong to: the latest consultation round for this target (so a second
    ``consult submit`` finds the items of the first), or a new one, its params naming the
    versions and the machine it starts with (``environment``)."""
    from probes.net.browser import environment

    if not new:
        for round_id in rounds_for(db, target, params.get("sandbox_url"), dry_run=dry_run):
            return round_id
    facts = {**params, "dry_run": dry_run, "environment": environment()}
    return store.start_round(db, "consult", target, facts)


def rounds_for(db, target: str, sandbox_url: str | None, *, dry_run: bool = False) -> list[str]:
    """Interaction rounds sent to these portals, newest first: on the sandbox, only those sent
    to this very sandbox (another sandbox process never received them)."""
    out = []
    for row in store.rounds_of(db, "consult", target=target, newest_first=True):
        params = row["params"]
        if bool(params.get("dry_run")) != dry_run:
            continue
        if target == "sandbox" and params.get("sandbox_url") != sandbox_url:
            continue
        out.append(row["id"])
    return out


def _guide_urls(db) -> dict[tuple[str, str, str], str]:
    """(city, scenario, matter) -> the PC guide the latest guide round found."""
    round_id = store.latest_round(db, "guides")
    if round_id is None:
        return {}
    rows = store.found_guides(db, round_id, channel="pc")
    return {(r["city"], r["scenario"], r["matter"]): r["guide_url"] for r in rows}


def _has_sending(db, item_id: int) -> bool:
    return any(e["event"] == "sending" for e in store.item_events(db, item_id))


def _steps(attempt: Attempt) -> list[dict]:
    """The attempt's steps as the item's event keeps them (screenshots by their sha256)."""
    return [
        {
            "seq": s.seq,
            "action": s.action,
            "matched": s.matched,
            "url": s.url,
            "ms": s.duration_ms,
            "screenshot": s.screenshot.sha256 if s.screenshot else None,
        }
        for s in attempt.steps
    ]


def _keep(db, item_id: int, attempt: Attempt) -> None:
    for kind, ref in attempt.evidence:
        store.add_item_evidence(db, item_id, kind, ref)


async def _open_journey(browser, playwright, evidence, target: Target, options, gate: HostGate):
    """A city's context (its saved session when there is one, else the options' account) and
    the interaction journey walking it; the caller closes the context."""
    city = target.city
    session = session_file(options.sessions, city.id) if options.sessions else None
    saved = session is not None and session.exists()
    extra = {"storage_state": str(session)} if saved else {}
    context = await new_context(
        browser, playwright, "pc", user_agent_suffix=options.user_agent_suffix, **extra
    )
    await gate.attach(context)
    journey = InteractionJourney(
        context,
        evidence,
        target.url,
        "pc",
        city_name=city.name,
        profile=options.profiles.get(city.platform),
        config=options.journey,
        account=None if saved else options.account,
        session_note=f"请运行 govprobe login --city {city.name} 重新登录并保存会话"
        if saved
        else "",
        solve_captcha_s=options.solve_captcha_s,
    )
    return context, journey


async def _submit_city(
    browser, playwright, db, evidence, round_id, items: list[Planned], options, guides, report,
    gate: HostGate,
) -> None:  # fmt: skip
    target = items[0].target
    city = target.city
    context, journey = await _open_journey(browser, playwright, evidence, target, options, gate)
    try:
        for planned in items:
            report(await _submit_one(db, journey, round_id, planned, options, guides))
        _share_rating(db, round_id, city.id, journey.rating_entry)
    finally:
        await context.close()


def _share_rating(db, round_id: str, city: str, seen: bool | None) -> None:
    """A 好差评 entry is the portal's, not one message's: an item reconciled from the list (its
    journey never looked) takes what the city's other journeys saw."""
    rows = store.items_of(db, round_id=round_id, include_dry_run=True)
    mine = [i for i in rows if i["city"] == city]
    if seen is None:
        seen = next((bool(i["rating_entry"]) for i in mine if i["rating_entry"] is not None), None)
    if seen is None:
        return
    for item in mine:
        if item["rating_entry"] is None:
            store.note_item(db, item["id"], "rating_entry", rating_entry=seen)


async def _submit_one(db, journey, round_id, planned: Planned, options, guides) -> dict:
    city, letter = planned.target.city, planned.letter
    message = planned.scenario.consult if planned.kind == "consult" else planned.scenario.complaint
    item_id = store.record_intent(
        db,
        city=city.id,
        scenario=planned.scenario.id,
        kind=planned.kind,
        round_id=round_id,
        matter=message.matter,
        portal_url=planned.target.url,
        title=letter.title,
        content=letter.content,
        dry_run=not options.send,
    )
    item = store.get_item(db, item_id)
    result = {"item": item_id, "city": city.id, "scenario": planned.scenario.id}
    result["kind"] = planned.kind
    if options.send and item["state"] in ("submitted", "replied", "closed"):
        return {**result, "action": "kept", "state": item["state"], "ticket": item["ticket"]}
    if options.send and (item["state"] == "unknown" or _has_sending(db, item_id)):
        # it may have been sent: read the list before anything else
        attempt, rows = await journey.read_list(
            planned.kind, item["list_url"], wanted=[(item["ticket"], letter.title)]
        )
        _keep(db, item_id, attempt)
        if attempt.outcome != Outcome.OK:
            store.note_item(db, item_id, "reconcile_failed", reason=attempt.reason)
            return {**result, "action": "unresolved", "state": item["state"]}
        claimed = store.claimed_tickets(db, city.id, planned.kind, besides=item_id)
        row = match_row(rows, ticket=item["ticket"], title=letter.title, claimed=claimed)
        if row is not None:
            store.mark_submitted(db, item_id, row.ticket, row.submitted_at)
            store.note_item(db, item_id, "reconciled", list_url=attempt.list_url, outcome="ok")
            return {**result, "action": "reconciled", "state": "submitted", "ticket": row.ticket}
        store.note_item(db, item_id, "not_in_list", list_url=attempt.list_url)

    async def before_click() -> None:
        store.note_item(db, item_id, "sending")

    guide = guides.get((city.id, planned.scenario.id, message.matter))
    attempt = await journey.submit(
        letter, options.contact, send=options.send, before_click=before_click, guide_url=guide
    )
    _keep(db, item_id, attempt)
    noted = {"outcome": attempt.outcome.value, "reason": attempt.reason}
    if attempt.rating_entry is not None:
        noted["rating_entry"] = attempt.rating_entry
    if attempt.list_url:
        noted["list_url"] = attempt.list_url
    store.note_item(db, item_id, "attempt", detail={"steps": _steps(attempt)}, **noted)
    if attempt.duplicate:
        return await _reconcile_duplicate(db, journey, item_id, planned, attempt, result)
    if attempt.sent and attempt.ticket:
        store.mark_submitted(db, item_id, attempt.ticket, attempt.submitted_at)
        return {**result, "action": "submitted", "state": "submitted", "ticket": attempt.ticket}
    if attempt.sent:
        store.mark_unknown(db, item_id, attempt.reason or "no receipt seen")
        return {**result, "action": "unknown", "state": "unknown", "reason": attempt.reason}
    action = "filled" if attempt.outcome == Outcome.OK else attempt.outcome.value
    return {**result, "action": action, "state": item["state"], "reason": attempt.reason}


async def _reconcile_duplicate(db, journey, item_id, planned: Planned, attempt, result) -> dict:
    """The portal refused the message as one it already has (请勿重复提交): an earlier click of
    ours arrived. Its receipt is the list's row with its title that no other item claims; with
    no such row the item stays unknown (polls keep looking), and nothing is counted as sent."""
    city, letter = planned.target.city, planned.letter
    listed, rows = await journey.read_list(
        planned.kind, attempt.list_url, wanted=[(None, letter.title)]
    )
    _keep(db, item_id, listed)
    claimed = store.claimed_tickets(db, city.id, planned.kind, besides=item_id)
    row = match_row(rows, ticket=None, title=letter.title, claimed=claimed)
    if listed.outcome == Outcome.OK and row is not None:
        store.mark_submitted(db, item_id, row.ticket, row.submitted_at)
        store.note_item(
            db, item_id, "reconciled", list_url=listed.list_url, outcome="ok",
            detail={"duplicate": attempt.reason},
        )  # fmt: skip
        return {**result, "action": "reconciled", "state": "submitted", "ticket": row.ticket}
    reason = f"{attempt.reason}; 未在列表中找到 ({listed.reason or 'no row'})"
    store.mark_unknown(db, item_id, reason)
    return {**result, "action": "unknown", "state": "unknown", "reason": reason}


async def _run_cities(groups, work, options: ConsultOptions, launch: dict) -> None:
    """``work`` for each city's group in one browser, at most ``concurrency`` cities at once
    and ``per_host`` against one portal; every context's requests pass one gate."""
    gate = HostGate(options.per_host)  # requests per host, across the cities' contexts
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch)
        try:
            await gather_per_host(
                groups, lambda items: work(browser, playwright, items, gate),
                url=lambda items: items[0].target.url,
                concurrency=options.concurrency, per_host=options.per_host,
            )  # fmt: skip
        finally:
            await browser.close()


def submit_items(
    db,
    evidence: EvidenceStore,
    planned: Sequence[Planned],
    *,
    round_id: str,
    options: ConsultOptions,
    launch: dict,
    report: Callable[[dict], None] = lambda r: None,
    progress: Progress = no_progress,
) -> list[dict]:
    """Submit each planned item that is not yet sent, one browser context per city
    (``progress("consult", done, total)`` counts the planned items)."""
    guides = _guide_urls(db)
    by_city: dict[str, list[Planned]] = defaultdict(list)
    for p in planned:
        by_city[p.target.city.id].append(p)
    results: list[dict] = []

    def keep(result: dict) -> None:
        results.append(result)
        report(result)
        progress("consult", len(results), len(planned))

    progress("consult", 0, len(planned))

    async def work(browser, playwright, items, gate) -> None:
        await _submit_city(
            browser, playwright, db, evidence, round_id, items, options, guides, keep, gate
        )

    asyncio.run(_run_cities(list(by_city.values()), work, options, launch))
    return results


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _last_poll(db, item_id: int) -> str | None:
    for event in reversed(store.item_events(db, item_id)):
        if event["event"] == "polled" and event["detail"].get("portal_now"):
            return event["detail"]["portal_now"]
    return None


async def _poll_city(
    browser, playwright, db, evidence, target: Target, items, options, now, scenarios, cal, th,
    gate: HostGate,
) -> list[str]:  # fmt: skip
    """Read the city's list pages; the outcome of each item's read (``ok`` or why not)."""
    polled: list[str] = []
    context, journey = await _open_journey(browser, playwright, evidence, target, options, gate)
    try:
        for kind in KINDS:
            mine = [i for i in items if i["kind"] == kind]
            if not mine:
                continue
            list_url = next((i["list_url"] for i in mine if i["list_url"]), None)
            wanted = [(i["ticket"], i["title"]) for i in mine]
            attempt, rows = await journey.read_list(kind, list_url, wanted=wanted)
            portal_now = now()
            for item in mine:
                _keep(db, item["id"], attempt)
                polled.append(attempt.outcome.value)
                if attempt.outcome != Outcome.OK:
                    store.note_item(
                        db, item["id"], "poll_failed", outcome=attempt.outcome.value,
                        reason=attempt.reason,
                    )  # fmt: skip
                    continue
                _poll_item(db, item, rows, attempt, portal_now, scenarios, cal, th)
    finally:
        await context.close()
    return polled


def _poll_item(db, item, rows, attempt, portal_now: datetime, scenarios, cal, th) -> None:
    """One item's part of a list read: its row found, the poll noted with the pages its row was
    judged from (so ``govprobe rejudge`` can judge it again), its reply kept or its window
    closed, and then its scores (``probes/score/replies.py``)."""
    item_id = item["id"]
    claimed = store.claimed_tickets(db, item["city"], item["kind"], besides=item_id)
    row = match_row(rows, ticket=item["ticket"], title=item["title"], claimed=claimed)
    shown = next((n for n, r in enumerate(rows) if r is row), None)
    detail = attempt.detail_pages.get(shown) if shown is not None else None
    previous = _last_poll(db, item_id)
    store.note_item(
        db,
        item_id,
        "polled",
        list_url=attempt.list_url,
        detail={
            "portal_now": _iso(portal_now),
            "status": row.status if row else None,
            "list_html": attempt.list_page.sha256 if attempt.list_page else None,
            "detail_html": detail.sha256 if detail else None,
        },
    )
    if row is not None and item["state"] in ("intent", "unknown"):
        store.mark_submitted(db, item_id, row.ticket, row.submitted_at)
    item = store.get_item(db, item_id)
    if item["state"] not in ("submitted",):
        return
    reply = reply_seen(row, portal_now, previous or item["submitted_at"])
    if reply is not None:
        store.record_reply(
            db, item_id, replied_at=reply.replied_at, reply_text=reply.text,
            status_text=reply.status, source=reply.source, uncertainty_s=reply.uncertainty_s,
        )  # fmt: skip
    else:
        end = window_end(item, cal, th)
        if end is None or portal_now < end:
            return
        store.close_item(
            db, item_id, f"截至 {beijing(end)} 未收到回复（答复时限 {th.window_days} 个工作日）"
        )
    score_item(db, item_id, scenarios[item["scenario"]], cal, th)


def pollable(db) -> list[dict]:
    """Open items worth a look: submitted, or possibly sent (unknown, or intent with a click)."""
    return [
        i
        for i in store.open_items(db)
        if i["state"] in ("submitted", "unknown") or _has_sending(db, i["id"])
    ]


def poll_items(
    db,
    evidence: EvidenceStore,
    targets: dict[str, Target],
    scenarios: dict[str, Scenario],
    *,
    now: Callable[[], datetime],
    calendar: WorkCalendar,
    thresholds: Thresholds,
    options: ConsultOptions,
    launch: dict,
    round_ids: Sequence[str] | None = None,
    progress: Progress = no_progress,
) -> list[str]:
    """Read each open item's list page once per city and kind; record replies; close items
    whose window has ended; score what is answered or closed. ``round_ids``: only the items
    of these rounds (those sent to these portals). Returns each polled item's read outcome;
    ``progress("poll", done, total)`` counts the items."""
    by_city: dict[str, list[dict]] = defaultdict(list)
    for item in pollable(db):
        if item["city"] in targets and (round_ids is None or item["round_id"] in round_ids):
            by_city[item["city"]].append(item)
    if not by_city:
        return []
    polled: list[str] = []

    class _G:  # what _run_cities groups: something with a target
        def __init__(self, city):
            self.target = targets[city]
            self.items = by_city[city]

    groups = [[_G(c)] for c in by_city]
    total = sum(len(items) for items in by_city.values())
    progress("poll", 0, total)

    async def work(browser, playwright, group, gate) -> None:
        g = group[0]
        polled.extend(
            await _poll_city(
                browser, playwright, db, evidence, g.target, g.items, options, now, scenarios,
                calendar, thresholds, gate,
            )
        )  # fmt: skip
        progress("poll", len(polled), total)

    asyncio.run(_run_cities(groups, work, options, launch))
    return polled


def item_summary(item: dict) -> dict:
    """An item as ``govprobe poll --json`` prints it."""
    return {
        "id": item["id"],
        "city": item["city"],
        "kind": item["kind"],
        "scenario": item["scenario"],
        "submitted_at": item["submitted_at"],
        "ticket": item["ticket"],
        "status": item["state"],
        "status_text": item["status_text"],
        "replied_at": item["replied_at"],
        "replied_at_source": item["replied_at_source"],
        "working_days": item["working_days"],
        "timeliness": item["timeliness"],
        "effectiveness": item["effectiveness"],
        "effectiveness_source": item["effectiveness_source"],
        "rating_entry": None if item["rating_entry"] is None else bool(item["rating_entry"]),
        "outcome": item["outcome"],
        "reason": item["reason"],
    }


def pc_targets(target: str, sandbox_url: str | None, cities) -> list[Target]:
    """The cities' PC portals, where their message boards are."""
    registry = load_registry()
    return city_targets(target, sandbox_url, registry, registry.select(list(cities)), ("pc",))


def consult_submit(
    *,
    target: str = "sandbox",
    sandbox_url: str | None = None,
    cities=(),
    scenario_ids=(),
    kinds=(),
    db_path: str = "results/govprobe.db",
    send: bool | None = None,
    new_round: bool = False,
    headed: bool = False,
    sessions: str | Path | None = None,
    contact=None,
    concurrency: int = 4,
    per_host: int = 2,
    report=lambda r: None,
    progress: Progress = no_progress,
) -> dict:
    """Submit the scenarios' consultations and complaints, once each (``probes/app/consult.py``).

    ``send`` defaults to True on the sandbox and False (a dry run) on live portals."""
    from probes.net import browser as browsers

    scenarios = select_scenarios(scenario_ids)
    kinds = tuple(kinds) or KINDS
    send = (target == "sandbox") if send is None else send
    if target == "live" and send and contact is None:
        raise ScenarioError("--submit to live portals needs --contact NAME and --phone NUMBER")
    options = ConsultOptions(
        concurrency=concurrency,
        per_host=per_host,
        headless=not headed,
        send=send,
        contact=contact or SANDBOX_CONTACT,
        account=SANDBOX_ACCOUNT if target == "sandbox" and sessions is None else None,
        sessions=Path(sessions) if sessions else (DEFAULT_SESSIONS if target == "live" else None),
        profiles=load_profiles(),
        solve_captcha_s=300.0 if headed else 0.0,
    )
    with store.open_db(db_path) as db, contextlib.ExitStack() as stack:
        url = stack.enter_context(sandbox_url_for(sandbox_url)) if target == "sandbox" else None
        targets = pc_targets(target, url, cities)
        planned = [
            Planned(t, scenario, kind)
            for t in targets
            for scenario in scenarios.values()
            for kind in kinds
        ]
        params = {"cities": list(cities), "scenarios": list(scenarios), "kinds": list(kinds)}
        if target == "sandbox":
            params["sandbox_url"] = url
        round_id = interaction_round(db, target, dry_run=not send, new=new_round, params=params)
        launch = browsers.launch_options(headless=not headed)
        try:
            results = submit_items(
                db, evidence_for(db_path), planned, round_id=round_id, options=options,
                launch=launch, report=report, progress=progress,
            )  # fmt: skip
        except BaseException:
            store.finish_round(db, round_id, status="interrupted")
            raise
        store.finish_round(db, round_id)
    return {"round": round_id, "dry_run": not send, "results": results}


def consult_poll(
    *,
    target: str = "sandbox",
    sandbox_url: str | None = None,
    db_path: str = "results/govprobe.db",
    sessions: str | Path | None = None,
    concurrency: int = 4,
    per_host: int = 2,
    progress: Progress = no_progress,
) -> dict:
    """Read every open item's list page; record replies, close what the window ended."""
    from probes.net import browser as browsers
    from probes.plan.indicators import load_indicators
    from probes.plan.targets import portal_clock
    from probes.plan.workdays import WorkCalendar

    if target == "sandbox" and not sandbox_url:
        raise ScenarioError(
            "poll --target sandbox needs --sandbox-url: the sandbox the items went to"
        )
    with store.open_db(db_path, create=False) as db:  # nothing to poll in a database made of a typo
        options = ConsultOptions(
            concurrency=concurrency,
            per_host=per_host,
            account=SANDBOX_ACCOUNT if target == "sandbox" and sessions is None else None,
            sessions=Path(sessions)
            if sessions
            else (DEFAULT_SESSIONS if target == "live" else None),
            profiles=load_profiles(),
        )
        url = sandbox_url.rstrip("/") if sandbox_url else None
        targets = {t.city.id: t for t in pc_targets(target, url, ())}
        rounds = rounds_for(db, target, url)
        polled = poll_items(
            db,
            evidence_for(db_path),
            targets,
            load_scenarios(),
            now=portal_clock(target, url),
            calendar=WorkCalendar.load(),
            thresholds=load_indicators().thresholds,
            options=options,
            launch=browsers.launch_options(),
            round_ids=rounds,
            progress=progress,
        )
        items = [item_summary(i) for i in store.items_of(db) if i["round_id"] in rounds]
    return {"items": items, "polled": polled}


def label_item(
    db_path: str, item_id: int, value: str, by: str, note: str, *, field: str = "effectiveness"
) -> dict:
    """An evaluator confirms or changes a reply's effectiveness (or its timeliness) from the
    command line, held to the review pages' rules (``overrides.label_reply`` /
    ``label_timeliness``: a reason, the name normalised); audited with the channel ``cli``.
    The database must exist: a typo in ``--db`` creates nothing."""
    from probes.store import overrides

    label = overrides.label_timeliness if field == "timeliness" else overrides.label_reply
    db = store.open_db(db_path, create=False)
    try:
        try:
            label(db, item_id, value, by=by, note=note, channel="cli")
        except overrides.OverrideError as exc:
            raise ScenarioError(f"{db_path}: item {item_id}: {exc}") from exc
        return item_summary(store.get_item(db, item_id))
    finally:
        db.close()


def login_session(
    city: str,
    *,
    wait,
    sessions: str | Path | None = None,
    url: str | None = None,
    headless: bool = False,
) -> Path:
    """Open the city's portal for a person to log in; when ``wait(page)`` returns, keep the
    session (cookies, local storage) in ``sessions/<city>.json``, readable by its owner only.
    The folder lies outside ``results/``: sessions are never exported nor kept as evidence."""
    import asyncio
    import os

    from playwright.async_api import async_playwright

    from probes.net import browser as browsers

    chosen = load_registry().select([city])[0]
    folder = Path(sessions) if sessions else DEFAULT_SESSIONS
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = session_file(folder, chosen.id)

    async def run() -> None:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(**browsers.launch_options(headless=headless))
            try:
                context = await browsers.new_context(browser, playwright, "pc")
                page = await context.new_page()
                await page.goto(url or chosen.pc_url, wait_until="domcontentloaded")
                if asyncio.iscoroutinefunction(wait):
                    await wait(page)
                else:  # a person at the terminal: keep the browser's loop running meanwhile
                    await asyncio.to_thread(wait, page)
                state = await context.storage_state()
            finally:
                await browser.close()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(state, f)
        os.chmod(path, 0o600)

    asyncio.run(run())
    return path
