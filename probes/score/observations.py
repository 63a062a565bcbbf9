"""From the database to what scoring reads: the observations of a round.

Step 6 of the data flow (README, "Architecture") starts here: ``probes/score/scoring.py`` is pure and
reads observations; this module reads them out of SQLite.

* **Guide** (one per probe of the guide round): outcome, how it was found, steps, seconds, rank
  (a transient outcome only counts when a retry confirmed it, else it is left out and listed);
  an evaluator's active override (``probes/store/overrides.py``) wins over the machine: an outcome
  overridden counts as confirmed, an element overridden present or absent changes the
  completeness over the matter's required elements (a guide the machine missed and an
  evaluator found counts as found by navigation, with no completeness or accuracy measured);
  completeness from the judgement; accuracy as findings over checks, where the checks made on a
  found guide are its form and sample links that were checked plus the four rules every guide
  gets (time limits, phone numbers, 是否网办 against the online-apply entry, PC and mobile
  agreeing). A probe held for review (a regression from the previous round, table ``holds``)
  is read as it is, marked ``held``: scoring leaves it out as 待复核 until an evaluator
  confirms or overrides it.
* **Handling** (one per probe with a found guide): the online-apply entry followed by the journey
  (reached, a login wall counting as reached), the on-site visits the guide states
  (到办事现场次数) and its online-handling depth (网上办理深度) when it states one.
* **Interaction** (one per item of the interaction round, never a dry run): timeliness and
  effectiveness as stored, an evaluator's label winning over the suggestion. An item still
  waiting has no timeliness yet; one whose submission was blocked is left out.
* **好差评** (one per city): 100 when the consultation journeys saw a rating entry on the
  portal, 0 when they looked and saw none; not measured when they never looked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from probes import store
from probes.judge.rules import parse_visits
from probes.outcomes import TRANSIENT, Outcome
from probes.plan.cities import Registry
from probes.score.scoring import (
    CityInfo,
    GuideObservation,
    HandlingObservation,
    HardwareObservation,
    InteractionObservation,
)
from probes.store import overrides

FIXED_ACCURACY_CHECKS = 4

# 易获性 counts the steps a citizen takes to reach the guide: arriving, the profile's steps
# (picking the region), searching, paging, opening a result or a category. Not ours: closing a
# notice overlay or waiting; and not reaching: what the journey does once the guide is open
# (opening its tabs and sub-pages, capturing it, following its online-apply entry).
NOT_A_CITIZEN_STEP = frozenset({"dismiss_overlay", "wait"})
ON_THE_GUIDE = frozenset({"expand", "capture", "open_subpage", "online_apply"})


def citizen_steps(actions: list[str]) -> list[str]:
    """The steps of a journey that a citizen takes to reach its guide, in order."""
    counted = []
    for action in actions:
        if action in ON_THE_GUIDE:
            break
        if action not in NOT_A_CITIZEN_STEP:
            counted.append(action)
    return counted


@dataclass(frozen=True)
class RoundObservations:
    guide_round: str
    interaction_round: str | None
    cities: tuple[CityInfo, ...]
    guides: tuple[GuideObservation, ...]
    handling: tuple[HandlingObservation, ...]
    interactions: tuple[InteractionObservation, ...]
    direct: tuple[HardwareObservation, ...] = ()  # items measured directly (好差评 entry)


def _completeness(required: list[str], missing: list[str], said: dict[str, bool]) -> float:
    """The share of required elements present, after an evaluator's word on some of them."""
    if not required:
        return 1.0
    gone = set(missing)
    for element, present in said.items():
        (gone.discard if present else gone.add)(element)
    return sum(1 for e in required if e not in gone) / len(required)


def interaction_round_for(db, guide_round: str) -> str | None:
    """The interaction round scored with a guide round: the latest real (not dry-run) one of
    the same target."""
    row = store.get_round(db, guide_round)
    if row is None:
        return None
    for r in store.rounds_of(db, "consult", target=row["target"], newest_first=True):
        if not r["params"].get("dry_run"):
            return r["id"]
    return None


def read_observations(
    db, guide_round: str, registry: Registry, *, interaction_round: str | None = None
) -> RoundObservations:
    if store.get_round(db, guide_round) is None:
        raise ValueError(f"no round {guide_round!r}")
    interaction_round = interaction_round or interaction_round_for(db, guide_round)
    corrected = overrides.active_overrides(db, guide_round)
    judgements = {}
    for probe_id, j in store.judgements_of_round(db, guide_round).items():
        elements_said = (corrected.get(probe_id) or {}).get("elements")
        judgements[probe_id] = (
            _completeness(j["required"], j["missing"], elements_said)
            if elements_said
            else j["completeness"]
        )
    counts = store.finding_counts(db, guide_round)
    elements: dict[int, dict[str, str]] = {}
    handling_elements = ("到办事现场次数", "网上办理深度")
    for probe_id, shown in store.shown_elements(db, guide_round, handling_elements).items():
        said = (corrected.get(probe_id) or {}).get("elements", {})
        for element, value in shown.items():
            if said.get(element, True):  # an evaluator may say it is not really shown
                elements.setdefault(probe_id, {})[element] = value

    actions = store.step_actions_of_round(db, guide_round)
    held = store.held_probe_ids(db, guide_round)  # regressions waiting for an evaluator
    guides, handling, seen = [], [], set()
    for p in store.probes_of_round(db, guide_round):
        if not p["city"]:
            continue
        seen.add(p["city"])
        said = corrected.get(p["id"]) or {}
        outcome = said.get("outcome") or p["outcome"]
        found = outcome == Outcome.OK.value
        extra = p["extra"] if isinstance(p["extra"], dict) else json.loads(p["extra"] or "{}")
        findings = counts["findings"].get(p["id"], 0)
        # a guide the machine never judged (an evaluator says it was there) has no checks
        judged = p["id"] in judgements
        checks = counts["links"].get(p["id"], 0) + FIXED_ACCURACY_CHECKS if found and judged else 0
        guides.append(
            GuideObservation(
                city=p["city"],
                scenario=p["scenario"],
                matter=p["matter"],
                channel=p["channel"],
                probe_id=p["id"],
                outcome=outcome,
                found_by=(p["found_by"] or "navigation") if found else None,
                steps=len(citizen_steps(actions.get(p["id"], []))),
                seconds=p["seconds"],
                rank=p["rank"],
                completeness=judgements.get(p["id"]) if found else None,
                findings=findings if found else 0,
                checks=max(checks, findings) if found else 0,
                # a transient failure counts only once a retry confirmed it (probes/walk/round.py)
                confirmed=Outcome(outcome) not in TRANSIENT
                or bool(extra.get("confirmed") or said.get("outcome")),
                held=p["id"] in held,
            )
        )
        if found:
            apply = extra.get("online_apply") or {}
            shown = elements.get(p["id"], {})
            visits = parse_visits(shown.get("到办事现场次数", ""))
            online = None if not apply else bool(apply.get("entry") and apply.get("reached"))
            handling.append(
                HandlingObservation(
                    city=p["city"],
                    scenario=p["scenario"],
                    matter=p["matter"],
                    channel=p["channel"],
                    online_apply=online,
                    visits=visits,
                    depth=shown.get("网上办理深度"),
                    held=p["id"] in held,
                )
            )

    interactions, rating = [], {}
    if interaction_round is not None:
        for item in store.items_of(db, round_id=interaction_round):
            if item["city"] and item["rating_entry"] is not None:
                rating[item["city"]] = rating.get(item["city"]) or bool(item["rating_entry"])
            if not item["city"] or item["outcome"] == Outcome.BLOCKED.value:
                continue
            seen.add(item["city"])
            interactions.append(
                InteractionObservation(
                    city=item["city"],
                    scenario=item["scenario"],
                    kind=item["kind"],
                    timeliness=item["timeliness"],
                    effectiveness=item["effectiveness"],
                    effectiveness_source=item["effectiveness_source"],
                    replied=item["state"] == "replied",
                )
            )
    cities = tuple(CityInfo(c.id, c.name, c.region) for c in registry.cities if c.id in seen)
    return RoundObservations(
        guide_round,
        interaction_round,
        cities,
        tuple(guides),
        tuple(handling),
        tuple(interactions),
        tuple(HardwareObservation(c, "rating", 100.0 if r else 0.0) for c, r in rating.items()),
    )
