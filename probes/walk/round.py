"""A guide round: every target portal × scenario walked, stored and judged.

Steps 3 to 5 of the data flow (README, "Architecture"): journeys run several at once in one
browser (a fresh context per journey, closed after), at most ``per_host`` at a time against
one host; each finished probe is stored at once, in its own transaction, so a killed round
loses at most the probes in flight and ``resume`` redoes only those.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from playwright.async_api import Browser, async_playwright

from probes import store
from probes.judge.rejudge import judge_round
from probes.model import ProbeResult
from probes.net import browser as browsers
from probes.net.browser import new_context
from probes.net.gate import HostGate, gather_per_host
from probes.outcomes import TRANSIENT
from probes.plan.profiles import Profile
from probes.plan.scenarios import Scenario
from probes.plan.targets import Target
from probes.store.evidence import EvidenceStore
from probes.walk.guide import GuideJourney
from probes.walk.walker import JourneyConfig


@dataclass
class RoundOptions:
    concurrency: int = 4
    per_host: int = 2
    user_agent_suffix: str = ""  # an identifying token appended to the browser's user agent
    journey: JourneyConfig = field(default_factory=JourneyConfig)
    headless: bool = True
    # a transient outcome (timeout, portal_error, portal_unreachable) is tried again this many
    # times, after backoff_s, 2 x backoff_s, ...; it counts against a city only once confirmed
    retries: int = 1
    backoff_s: float = 5.0
    # Playwright browser servers (`playwright launch-server` / `run-server`) to walk in, jobs
    # spread over them in turn; empty: a local Chromium
    endpoints: tuple[str, ...] = ()
    # at most `per_host` requests at once per host across the round, `gap_s` apart
    # (probes/net/gate.py); False leaves requests ungated (journeys stay limited per host)
    gate_requests: bool = True
    gap_s: float = 0.0


@dataclass(frozen=True)
class Job:
    target: Target
    scenario: Scenario
    profile: Profile | None

    def probe_keys(self) -> list[tuple]:
        city = self.target.city.id if self.target.city else None
        return [(city, self.scenario.id, m.id, self.target.channel) for m in self.scenario.matters]


def plan(
    targets: Sequence[Target], scenarios: Sequence[Scenario], profiles: dict[str, Profile]
) -> list[Job]:
    jobs = []
    for scenario in scenarios:
        for target in targets:
            profile = profiles.get(target.city.platform) if target.city else None
            jobs.append(Job(target, scenario, profile))
    return jobs


async def _walk_job(
    browser, playwright, job: Job, evidence, options, skip: set, gate: HostGate | None = None
) -> list[ProbeResult]:
    context = await new_context(
        browser, playwright, job.target.channel, user_agent_suffix=options.user_agent_suffix
    )
    if gate is not None:
        await gate.attach(context)
    try:
        journey = GuideJourney(
            context,
            evidence,
            job.target.url,
            job.target.channel,
            profile=job.profile,
            city_name=job.target.city.name if job.target.city else None,
            config=options.journey,
            gate=gate,
        )
        results = []
        city = job.target.city.id if job.target.city else None
        for matter in job.scenario.matters:
            if (city, job.scenario.id, matter.id, job.target.channel) in skip:
                continue
            results.append(await _walk_confirmed(journey, matter, city, job.scenario.id, options))
        return results
    finally:
        await context.close()


async def _walk_confirmed(journey, matter, city, scenario: str, options) -> ProbeResult:
    """Walk a matter; a transient failure is tried again (with backoff) before it is believed,
    as monitoring services confirm an outage. The last attempt is stored, with the earlier
    ones' outcomes in ``extra["attempts"]``; passing only on a retry marks the probe flaky, and
    a transient outcome that every attempt met is ``extra["confirmed"]``."""
    result = await journey.walk(matter, city=city, scenario=scenario)
    earlier: list[dict] = []
    while result.outcome in TRANSIENT and len(earlier) < options.retries:
        earlier.append(
            {"attempt": result.attempt, "outcome": result.outcome.value, "reason": result.reason,
             "started_at": result.started_at, "seconds": result.seconds}
        )  # fmt: skip
        await asyncio.sleep(options.backoff_s * len(earlier))
        retry = await journey.walk(matter, city=city, scenario=scenario)
        result = replace(retry, attempt=result.attempt + 1)
    if not earlier:
        return result
    extra = dict(result.extra)
    extra["attempts"] = earlier
    extra["flaky"] = result.outcome not in TRANSIENT
    extra["confirmed"] = result.outcome in TRANSIENT
    return replace(result, extra=extra)


async def walk_jobs(
    db,
    evidence: EvidenceStore,
    round_id: str,
    jobs: Sequence[Job],
    options: RoundOptions,
    launch: dict,
    on_probe: Callable[[ProbeResult | None], None] = lambda r: None,
) -> None:
    """Walk every job not yet done in this round, storing each probe as it finishes.
    ``launch`` holds the keyword arguments of ``chromium.launch`` (``browser.launch_options``)."""
    done = store.done_keys(db, round_id)
    todo = [j for j in jobs if not all(k in done for k in j.probe_keys())]
    for job in jobs:
        if job not in todo:
            for _ in job.scenario.matters:
                on_probe(None)  # already stored: count it for the progress bar
    if not todo:
        return
    gate = HostGate(options.per_host, options.gap_s) if options.gate_requests else None
    async with async_playwright() as playwright:
        browsers = await open_browsers(playwright, launch, options.endpoints)
        try:

            async def one(numbered: tuple[int, Job]) -> None:
                n, job = numbered
                browser = browsers[n % len(browsers)]
                results = await _walk_job(browser, playwright, job, evidence, options, done, gate)
                for result in results:
                    store.save_probe(db, round_id, result)
                    on_probe(result)

            await gather_per_host(
                enumerate(todo), one, url=lambda numbered: numbered[1].target.url,
                concurrency=options.concurrency, per_host=options.per_host,
            )  # fmt: skip
        finally:
            for browser in browsers:
                await browser.close()


async def open_browsers(playwright, launch: dict, endpoints: Sequence[str]) -> list[Browser]:
    """A local Chromium, or one connection per browser server. The database and the evidence
    stay here: a server only drives pages. A server of another Playwright version is refused
    with both versions named."""
    if not endpoints:
        return [await playwright.chromium.launch(**launch)]
    from importlib.metadata import version

    from playwright.async_api import Error as PlaywrightError

    browsers = []
    for endpoint in endpoints:
        try:
            browsers.append(await playwright.chromium.connect(endpoint, timeout=30_000))
        except PlaywrightError as exc:
            for browser in browsers:
                await browser.close()
            message = str(exc).splitlines()[0]
            hint = ""
            if "version" in message.lower():
                hint = f" (this side runs Playwright {version('playwright')}; they must match)"
            raise RuntimeError(f"browser endpoint {endpoint}: {message}{hint}") from exc
    return browsers


def run_round(
    db,
    evidence: EvidenceStore,
    jobs: Sequence[Job],
    scenarios: dict[str, Scenario],
    *,
    target: str,
    params: dict,
    options: RoundOptions | None = None,
    round_id: str | None = None,
    on_probe: Callable[[ProbeResult | None], None] = lambda r: None,
) -> str:
    """Walk, store and judge a round (or finish an interrupted one when ``round_id`` is given)."""
    options = options or RoundOptions()
    if round_id is None:
        round_id = store.start_round(db, "guides", target, params)
    try:
        launch = {} if options.endpoints else browsers.launch_options(headless=options.headless)
        asyncio.run(walk_jobs(db, evidence, round_id, jobs, options, launch, on_probe))
    except BaseException:
        store.finish_round(db, round_id, status="interrupted")
        raise
    judge_round(db, evidence, round_id, scenarios)
    store.finish_round(db, round_id)
    return round_id


def summarize(db, round_id: str) -> dict:
    """The round as ``govprobe run --json`` prints it."""
    judgements = store.judgements_of_round(db, round_id)
    elements = store.shown_elements(db, round_id)
    materials = store.materials_of_probes(db, round_id)
    probes = []
    for p in store.probes_of_round(db, round_id):
        found = dict(elements.get(p["id"], {}))
        if p["id"] in materials:
            found["申请材料"] = materials[p["id"]]
        missing = judgements.get(p["id"], {}).get("missing")
        probes.append(
            {
                "city": p["city"],
                "scenario": p["scenario"],
                "channel": p["channel"],
                "matter": p["matter"],
                "outcome": p["outcome"],
                "reason": p["reason"],
                "guide_url": p["guide_url"],
                "steps": p["steps"],
                "seconds": p["seconds"],
                "found_by": p["found_by"],
                "attempt": p["attempt"],
                "flaky": p["flaky"],
                "rank": p["rank"],
                "elements": found,
                "missing": missing or [],
            }
        )
    return {"round": round_id, "probes": probes}
