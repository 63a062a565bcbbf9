"""Outcome regressions: a probe worse than the same probe of the previous round, held for review.

A portal redesign more often hides a guide from our journey than removes it from the city, so
a guide that was there last round and is gone now is a question for an evaluator before it is
a score. A probe of a guide round is a **regression** when the same city, scenario, matter and
channel in the previous guide round of the same target that probed it (``store.previous_probes``)
counted ``ok`` (an evaluator's outcome override counting over the machine's) and now:

* the journey ended ``guide_missing`` or ``blocked`` (kind ``outcome``), or
* it is still ``ok`` but the guide shows another set of elements with a value (kind
  ``elements``: one appeared or went away; evaluators' element overrides applied on both sides).

Each is held (``store.hold_probe``): left out of the scores as 待复核 until an evaluator confirms
the machine or overrides the probe. A first round has nothing to regress from.
"""

from __future__ import annotations

from dataclasses import dataclass

from probes import store
from probes.outcomes import Outcome

REGRESSED_TO = frozenset({Outcome.GUIDE_MISSING.value, Outcome.BLOCKED.value})


@dataclass(frozen=True)
class Regression:
    probe_id: int
    previous_probe_id: int
    kind: str  # outcome | elements
    was: str | tuple[str, ...]  # the previous outcome, or its present elements
    now: str | tuple[str, ...]


def find_regressions(db, round_id: str) -> list[Regression]:
    """The round's probes that regressed from the previous round (nothing is written)."""
    current = store.final_probes(db, round_id)
    previous = store.previous_probes(db, round_id)
    both_ok = [
        (p, previous[key])
        for key, p in current.items()
        if key in previous and previous[key]["outcome"] == Outcome.OK.value
    ]
    shown = store.present_elements(
        db, [i for p, q in both_ok if p["outcome"] == Outcome.OK.value for i in (p["id"], q["id"])]
    )
    found = []
    for p, q in both_ok:
        if p["outcome"] in REGRESSED_TO:
            found.append(Regression(p["id"], q["id"], "outcome", q["outcome"], p["outcome"]))
        elif p["outcome"] == Outcome.OK.value and shown[p["id"]] != shown[q["id"]]:
            was, now = tuple(sorted(shown[q["id"]])), tuple(sorted(shown[p["id"]]))
            found.append(Regression(p["id"], q["id"], "elements", was, now))
    return found


def hold_regressions(db, round_id: str) -> list[int]:
    """Hold the round's regressions for review; the probes newly held (a probe held before,
    or whose hold an evaluator lifted, is not held again)."""
    held = []
    for r in find_regressions(db, round_id):
        was = r.was if isinstance(r.was, str) else list(r.was)
        now = r.now if isinstance(r.now, str) else list(r.now)
        if store.hold_probe(db, r.probe_id, round_id, kind=r.kind,
                            previous_probe_id=r.previous_probe_id, was=was, now=now):  # fmt: skip
            held.append(r.probe_id)
    return held
