"""Domain values a journey produces: frozen, serializable, free of browser objects.

A journey walks and captures (``ProbeResult`` with its ``Step``s and ``Capture``); extraction
and judgement (``probes/judge/extract.py``, ``probes/judge/rules.py``) run later over the stored evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from probes.outcomes import Outcome


@dataclass(frozen=True)
class EvidenceRef:
    sha256: str
    size: int
    media_type: str
    relpath: str  # relative to the evidence root


@dataclass(frozen=True)
class Step:
    seq: int
    action: str  # goto, dismiss_overlay, select_region, search, pick_result, open_result,
    #              expand, navigate_category, capture, ...
    matched: str  # what the action matched: a selector, a label, a result title
    url: str  # the page's url after the action
    duration_ms: int
    screenshot: EvidenceRef | None = None
    note: str = ""


@dataclass(frozen=True)
class Capture:
    """The evidence of a found guide, kept so that it can be judged again later."""

    url: str
    title: str
    html: EvidenceRef  # the guide's DOM after sections and tabs were opened
    screenshot: EvidenceRef | None
    found_by: str  # search | navigation | direct
    query: str | None  # the search words that found it
    rank: int | None  # 1-based rank of the chosen result among those listed
    candidates: tuple[str, ...] = ()  # result titles seen, in order
    url_trail: tuple[str, ...] = ()
    data: EvidenceRef | None = None  # JSON the page loaded for itself (XHR), when any
    online_apply_url: str | None = None  # where an online-apply entry led, when one was found


@dataclass(frozen=True)
class ProbeResult:
    city: str | None  # city id; None when a bare portal url was probed
    scenario: str
    matter: str
    channel: str  # pc | mobile
    portal_url: str
    outcome: Outcome
    reason: str
    started_at: str  # ISO 8601, UTC
    seconds: float
    steps: tuple[Step, ...] = ()
    capture: Capture | None = None
    attempt: int = 1
    extra: dict = field(default_factory=dict)  # small facts worth keeping (status codes, ...)
