"""A guide round: every target portal × scenario walked, stored and judged.

Steps 3 to 5 of the data flow (README, "Architecture"): journeys run several at once in one
browser (a fresh context per journey, closed after), at most ``per_host`` at a time against
one host; each finished probe is stored at once, in its own transaction, so a killed round
loses at most the probes in flight and ``resume`` redoes only those.

Besides its own steps and captures, each journey keeps what a dispute or a debugging session
needs: a Playwright trace of every attempt (the context's tracing started afresh for each),
stored as evidence ``trace`` for the attempt that was stored when it did not end ``ok`` (for
every probe with ``traces="all"``, ``govprobe run --trace``), openable with ``playwright
show-trace``: DOM snapshots of every action and the network, without the screencast (the step
screenshots are evidence of their own; with it a trace was 0.77 MB instead of 0.05 MB, and a
traced 30-journey round took 385 s instead of 248 s, once each on a loaded machine); and the context's network as a HAR with the bodies embedded (evidence ``har``,
the same file for every probe of the job), which ``govprobe export`` turns into a WACZ. The
round's params name the versions and the machine it ran with (``environment``).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, async_playwright
from playwright.async_api import Error as PlaywrightError

from probes import store
from probes.judge.rejudge import judge_round
from probes.model import EvidenceRef, ProbeResult
from probes.net import browser as browsers
from probes.net.browser import environment, new_context
from probes.net.gate import HostGate, gather_per_host
from probes.net.pool import BrowserPool, NoBrowserLeft
from probes.net.retry import RetryPolicy, attempts
from probes.outcomes import TRANSIENT, Outcome
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
    # a transient outcome (timeout, portal_error, portal_unreachable) is tried again under the
    # one retry policy (probes/net/retry.py); it counts against a city only once confirmed
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Playwright browser servers (`playwright launch-server` / `run-server`) to walk in, jobs
    # spread over them in turn; empty: a local Chromium
    endpoints: tuple[str, ...] = ()
    # at most `per_host` requests at once per host across the round, `gap_s` apart
    # (probes/net/gate.py); False leaves requests ungated (journeys stay limited per host)
    gate_requests: bool = True
    gap_s: float = 0.0
    # a Playwright trace of each journey, kept for the probes that did not end ok ("failures"),
    # for every probe ("all": govprobe run --trace), or not recorded at all ("none")
    traces: str = "failures"
    # each job's network as a HAR, bodies embedded (evidence "har", for govprobe export)
    har: bool = True


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


Walked = tuple[ProbeResult, list[tuple[str, EvidenceRef]]]  # a probe and its trace and HAR


TRACE_TIMEOUT_S = 60.0  # writing one attempt's trace; past it the probe is kept without one


class Tracer:
    """The Playwright tracing of one journey's context, started afresh for each attempt it
    records (``_walk_confirmed`` says which): ``begin`` before an attempt, then ``end`` keeps
    its ``trace.zip`` in the evidence store (or drops it, ``keep=False``). Not chunks of one tracing: a chunk's ``trace.network`` holds
    every earlier chunk's requests too. Tracing is our own instrument: when it fails the
    journey goes on untraced, and the failure is said in the probe's ``extra["trace_error"]``."""

    def __init__(self, context: BrowserContext, evidence: EvidenceStore, scratch: Path):
        self.context, self.evidence, self.scratch = context, evidence, scratch
        self.error = ""
        self._running = False
        self._count = 0

    async def begin(self) -> None:
        if not self.error:
            tracing = self.context.tracing
            started = tracing.start(screenshots=False, snapshots=True, sources=False)
            self._running = await self._do(started)

    @property
    def running(self) -> bool:
        """Whether the attempt walking now is traced."""
        return self._running

    async def end(self, *, keep: bool) -> EvidenceRef | None:
        if not self._running:
            return None
        self._running = False
        self._count += 1
        path = self.scratch / f"trace-{self._count}.zip"
        if not await self._do(self.context.tracing.stop(path=path if keep else None)):
            return None
        if not keep:
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.error = f"trace not written: {exc}"
            return None
        path.unlink()
        return self.evidence.put(data, "application/zip")

    async def _do(self, call) -> bool:
        try:
            await asyncio.wait_for(call, TRACE_TIMEOUT_S)
        except (PlaywrightError, TimeoutError) as exc:
            said = (str(exc) or type(exc).__name__).splitlines()[0]
            self.error = f"tracing failed: {said[:200]}"
            return False
        return True


async def _walk_job(
    browser, playwright, job: Job, evidence, options, skip: set, gate: HostGate | None = None
) -> list[Walked]:
    with tempfile.TemporaryDirectory(prefix="govprobe-journey-") as folder:
        scratch = Path(folder)
        har = scratch / "network.har"
        recording = {"record_har_path": har, "record_har_content": "embed"} if options.har else {}
        context = await new_context(
            browser, playwright, job.target.channel, user_agent_suffix=options.user_agent_suffix,
            **recording,
        )  # fmt: skip
        tracer = None
        walked: list[tuple[ProbeResult, EvidenceRef | None]] = []
        try:
            if gate is not None:
                await gate.attach(context)
            if options.traces != "none":
                tracer = Tracer(context, evidence, scratch)
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
            city = job.target.city.id if job.target.city else None
            for matter in job.scenario.matters:
                if (city, job.scenario.id, matter.id, job.target.channel) in skip:
                    continue
                walked.append(
                    await _walk_confirmed(journey, matter, city, job.scenario.id, options, tracer)
                )
        finally:
            with contextlib.suppress(PlaywrightError):  # the HAR is written as it closes
                await context.close()
        network = None
        if options.har and har.is_file():
            network = evidence.put(har.read_bytes(), "application/json")
    return [
        (result, [(kind, ref) for kind, ref in (("trace", trace), ("har", network)) if ref])
        for result, trace in walked
    ]


async def _walk_confirmed(
    journey, matter, city, scenario: str, options, tracer: Tracer | None = None
) -> tuple[ProbeResult, EvidenceRef | None]:
    """Walk a matter; a transient failure is tried again (``options.retry``) before it is
    believed, as monitoring services confirm an outage. The last attempt is stored, with the
    earlier ones' outcomes and the wait after each in ``extra["attempts"]``; passing only on a
    retry marks the probe flaky, and a transient outcome that every attempt met is
    ``extra["confirmed"]``. Returned with the stored attempt's trace, when it is kept
    (``RoundOptions.traces``).

    A trace is recorded only where it can be kept: on every attempt with ``traces="all"``, else
    from the first retry on (from the first attempt when the policy retries nothing). Its DOM
    snapshots cost a sixth of a round's time, and a probe that ends ok keeps none. A probe
    that ends neither ok nor transient (``guide_missing``, ``blocked``, ...) on an untraced
    walk is walked once more, traced, and stored from that walk (``extra["walked_again"]``;
    flaky when the two disagree): a point taken from a city rests on a walk that replays."""
    tracing = tracer is not None
    walked = 0

    async def attempt() -> ProbeResult:
        nonlocal walked
        walked += 1
        if tracing:
            await tracer.end(keep=False)  # the attempt before, not stored: its trace goes with it
            if options.traces == "all" or walked > 1 or options.retry.retries == 0:
                await tracer.begin()
        return await journey.walk(matter, city=city, scenario=scenario)

    tries = await attempts(options.retry, attempt, lambda r: r.outcome in TRANSIENT)
    results, waits = list(tries.results), list(tries.waits)
    last = tries.last
    again = (
        tracing
        and not tracer.running
        and not tracer.error
        and last.outcome != Outcome.OK
        and last.outcome not in TRANSIENT
    )
    if again:
        waits.append(0.0)
        await tracer.begin()
        results.append(await journey.walk(matter, city=city, scenario=scenario))
    earlier = [
        {"attempt": n, "outcome": r.outcome.value, "reason": r.reason,
         "started_at": r.started_at, "seconds": r.seconds, "wait_s": round(wait, 3)}
        for n, (r, wait) in enumerate(zip(results, waits, strict=False), start=1)
    ]  # fmt: skip
    result = replace(results[-1], attempt=len(results))
    trace = None
    if tracing:
        keep = options.traces == "all" or result.outcome != Outcome.OK
        trace = await tracer.end(keep=keep)
    extra = dict(result.extra)
    if tracing and tracer.error:
        extra["trace_error"] = tracer.error
    if again:
        extra["attempts"] = earlier
        extra["walked_again"] = True
        extra["flaky"] = result.outcome != last.outcome
    elif earlier:
        extra["attempts"] = earlier
        extra["flaky"] = result.outcome not in TRANSIENT
        extra["confirmed"] = result.outcome in TRANSIENT
    if tries.budget_spent:
        extra["retry_budget_spent"] = True  # a retry would have started past the cap: unconfirmed
    return (replace(result, extra=extra) if extra != result.extra else result), trace


async def walk_jobs(
    db,
    evidence: EvidenceStore,
    round_id: str | None,
    jobs: Sequence[Job],
    options: RoundOptions,
    launch: dict,
    on_probe: Callable[[ProbeResult | None], None] = lambda r: None,
    start: Callable[[Browser], str] | None = None,
    say: Callable[[str], None] = lambda m: None,
) -> str | None:
    """Walk every job not yet done in this round, storing each probe as it finishes; returns
    the round. ``launch`` holds the keyword arguments of ``chromium.launch``
    (``browser.launch_options``), or with ``options.endpoints`` the options each server
    launches with (``browser.server_launch_options``). With no ``round_id`` the round is new:
    ``start(browser)`` starts it once the browsers are open (so that it can name the Chromium
    that walks it).

    The jobs are spread over the browsers (``probes/net/pool.py``); a job whose browser is
    lost while it walks is walked again, from its first matter, on another, and its probes
    say so (``extra["rewalked"]``: each lost browser, Playwright's reason and when). Nothing
    walked on a lost browser is stored. ``say`` gets the lines a person should read (a server
    left out, one lost). With no browser left the round stops, resumable (``NoBrowserLeft``)."""
    done = store.done_keys(db, round_id) if round_id is not None else set()
    todo = [j for j in jobs if not all(k in done for k in j.probe_keys())]
    for job in jobs:
        if job not in todo:
            for _ in job.scenario.matters:
                on_probe(None)  # already stored: count it for the progress bar
    if not todo:
        return round_id
    gate = HostGate(options.per_host, options.gap_s) if options.gate_requests else None
    async with async_playwright() as playwright:
        pool = await BrowserPool.open(playwright, launch, options.endpoints, say)
        try:
            if round_id is None:
                if start is None:
                    raise ValueError("walk_jobs needs a round_id or a start")
                round_id = start(pool.first)

            async def one(job: Job) -> None:
                async def walk(browser: Browser) -> list[Walked]:
                    return await _walk_job(browser, playwright, job, evidence, options, done, gate)

                walked, losses = await pool.run(walk)
                for result, refs in walked:
                    if losses:
                        rewalked = [loss.as_dict() for loss in losses]
                        result = replace(result, extra={**result.extra, "rewalked": rewalked})
                    store.save_probe(db, round_id, result, refs)
                    on_probe(result)

            try:
                await gather_per_host(
                    todo, one, url=lambda job: job.target.url,
                    concurrency=options.concurrency, per_host=options.per_host,
                )  # fmt: skip
            except NoBrowserLeft as exc:
                raise NoBrowserLeft(
                    f"{exc}：轮次 {round_id} 已中断，已完成的探测均已保存；"
                    f"浏览器恢复后用 govprobe run --resume {round_id}（其余选项同本次）续完"
                ) from exc
        finally:
            await pool.close()
    return round_id


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
    say: Callable[[str], None] = lambda m: None,
    stamp: Callable[[], str] | None = None,
) -> str:
    """Walk, store and judge a round (or finish an interrupted one when ``round_id`` is given).

    ``stamp`` gives the round's start and end instead of the real clock (the sandbox's
    simulated one: ``probes.plan.targets.round_stamp``); its probes keep their real times.

    A new round is started once its browser is open, its params naming the versions and the
    machine it runs with (``environment``); a resumed one keeps those it started with. A round
    that stops before its end (no browser left, a kill) is ``interrupted``."""
    options = options or RoundOptions()
    started: list[str] = [round_id] if round_id is not None else []
    at: list[str | None] = [None]  # the start on the stamp's clock (an interruption's end too)

    def start(browser: Browser | None) -> str:
        if not started:
            facts = {**params, "environment": environment(browser)}
            at[0] = stamp() if stamp else None
            started.append(store.start_round(db, "guides", target, facts, at=at[0]))
        return started[0]

    try:
        if options.endpoints:
            launch = browsers.server_launch_options(headless=options.headless)
        else:
            launch = browsers.launch_options(headless=options.headless)
        walking = walk_jobs(db, evidence, round_id, jobs, options, launch, on_probe, start, say)
        asyncio.run(walking)
    except BaseException:
        if started:
            store.finish_round(db, started[0], status="interrupted", at=at[0])
        raise
    round_id = start(None)  # nothing was planned to walk: the round is started all the same
    judge_round(db, evidence, round_id, scenarios)
    store.finish_round(db, round_id, at=stamp() if stamp else None)
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
