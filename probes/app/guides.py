"""What ``govprobe run`` and ``govprobe rejudge`` do, as library functions.

Step 1-2 of the data flow (README, "Architecture"): load the scenarios, the registry and the
profiles, resolve where each portal is (sandbox, live or one bare url), then hand the round to
``probes/walk/round.py``.
"""

from __future__ import annotations

import contextlib
import sys

from probes import store
from probes.alert.regressions import hold_regressions
from probes.app.progress import Progress, no_progress
from probes.judge.rejudge import judge_replies, judge_round
from probes.net.retry import BACKOFF_S, BUDGET_S, RETRIES, RetryPolicy
from probes.plan.cities import load_registry
from probes.plan.indicators import load_indicators
from probes.plan.profiles import load_profiles
from probes.plan.scenarios import ScenarioError, load_scenarios, select_scenarios
from probes.plan.targets import (
    Target,
    city_targets,
    round_stamp,
    sandbox_url_for,
)
from probes.plan.workdays import WorkCalendar
from probes.score.observations import interaction_round_for
from probes.score.replies import score_items
from probes.settings import CHANNELS, LIVE_GAP_S
from probes.store.evidence import evidence_for
from probes.walk.round import RoundOptions, plan, run_round, summarize


def run_guides(
    *,
    target: str = "sandbox",
    sandbox_url: str | None = None,
    portal_url: str | None = None,
    cities=(),
    scenario_ids=(),
    channels=(),
    db_path: str = "results/govprobe.db",
    concurrency: int = 4,
    per_host: int = 2,
    resume_round: str | None = None,
    user_agent_suffix: str = "",
    retries: int = RETRIES,
    backoff_s: float = BACKOFF_S,
    retry_budget_s: float = BUDGET_S,
    endpoints=(),
    gap_s: float | None = None,
    trace: bool = False,
    clock: str = "real",
    progress: Progress = no_progress,
    say=None,
) -> dict:
    """Walk a guide round and return its summary. Every journey is traced; a probe keeps its
    trace when it did not end ``ok``, or always with ``trace`` (``govprobe run --trace``).
    ``progress("guides", done, total)`` counts the probes. The probes that regressed from the
    previous round are held for review (``held``: their ids; ``probes/alert/regressions.py``).
    ``say`` gets the lines a person should read while it runs (a browser server left out or
    lost; docs/operations.md, "多机扩展"), by default on stderr. ``clock``: the time the round
    is stamped with, ``real`` or ``sandbox`` (its simulated clock, for a season simulated on
    it: ``probes.plan.targets.round_stamp``), named in its params."""
    if say is None:
        say = _to_stderr
    scenarios = select_scenarios(scenario_ids)
    if gap_s is None:  # a real office gets a second between requests; the sandbox none
        gap_s = LIVE_GAP_S if target == "live" and not portal_url else 0.0
    channels = tuple(channels) or CHANNELS
    if portal_url and len(scenarios) != 1 and not scenario_ids:
        raise ScenarioError("--portal-url needs --scenario")
    with store.open_db(db_path) as db:
        evidence = evidence_for(db_path)
        options = RoundOptions(
            concurrency=concurrency, per_host=per_host, user_agent_suffix=user_agent_suffix,
            retry=RetryPolicy(retries, backoff_s, retry_budget_s), endpoints=tuple(endpoints),
            gap_s=gap_s,
            traces="all" if trace else "failures",
        )  # fmt: skip
        if resume_round and store.get_round(db, resume_round) is None:
            raise ScenarioError(f"{db_path}: no round {resume_round!r} to resume")
        params = {
            "target": "portal" if portal_url else target,
            "cities": list(cities),
            "scenarios": list(scenarios),
            "channels": list(channels),
            "portal_url": portal_url,
            "concurrency": concurrency,
            "per_host": per_host,
            "gap_s": gap_s,
            "traces": options.traces,
            "retry": options.retry.describe(),
            "clock": clock,
        }
        with contextlib.ExitStack() as stack:
            if portal_url:
                targets = [Target(None, ch, portal_url, "portal_url") for ch in channels]
                profiles = {}
            else:
                registry = load_registry()
                chosen = registry.select(list(cities))
                profiles = load_profiles()
                url = None
                if target == "sandbox":
                    url = params["sandbox_url"] = stack.enter_context(sandbox_url_for(sandbox_url))
                targets = city_targets(target, url, registry, chosen, channels)
            stamp = round_stamp(clock, params["target"], params.get("sandbox_url"))
            jobs = plan(targets, list(scenarios.values()), profiles)
            total = sum(len(j.scenario.matters) for j in jobs)
            done = [0]

            def tick(result) -> None:
                done[0] += 1
                progress("guides", done[0], total)

            progress("guides", 0, total)
            round_id = run_round(
                db,
                evidence,
                jobs,
                scenarios,
                target=params["target"],
                params=params,
                options=options,
                round_id=resume_round,
                on_probe=tick,
                say=say,
                stamp=stamp,
            )
        # a probe worse than last round's is held for an evaluator before it is scored
        held = hold_regressions(db, round_id)
        return summarize(db, round_id) | {"held": held}


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)  # sys.stderr now: a progress bar may wrap it


def rejudge(db_path: str, round_id: str | None = None) -> tuple[str, int]:
    """Judge a stored round again from its evidence, with today's rules and no browser;
    returns the round and how many probes and items were judged.

    A guide round (the latest one by default) has its guides extracted and judged again, and
    the consultation and complaint items of the interaction round scored with it (the latest
    real one of the same target, ``interaction_round_for``) have their replies judged again
    from the list and detail pages their polls kept; ``--round`` naming an interaction round
    judges its items alone. Every replied or closed item is then scored again (working days,
    timeliness, suggested effectiveness); an evaluator's label is kept. The database must
    exist: a mistyped ``--db`` is an error, never a new database."""
    with store.open_db(db_path, create=False) as db:
        round_id = round_id or store.latest_round(db, kind="guides")
        if round_id is None:
            raise ScenarioError(f"{db_path}: no guide round to judge")
        found = store.get_round(db, round_id)
        if found is None:
            raise ScenarioError(f"{db_path}: no round {round_id!r}")
        evidence = evidence_for(db_path)
        scenarios = load_scenarios()
        judged, items_round = 0, round_id
        if found["kind"] == "guides":
            judged = judge_round(db, evidence, round_id, scenarios)
            items_round = interaction_round_for(db, round_id)
        elif found["kind"] != "consult":
            raise ScenarioError(
                f"{db_path}: round {round_id!r} is a {found['kind']} round, not judged"
            )
        if items_round is not None:
            judged += len(judge_replies(db, evidence, items_round))
            calendar, thresholds = WorkCalendar.load(), load_indicators().thresholds
            score_items(db, items_round, scenarios, calendar, thresholds)
        return round_id, judged
