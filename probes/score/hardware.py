"""The hardware indicator (硬件支撑): the rubrics of its items and the reads they rest on.

``hardware_observations`` turns the check rows of one or more rounds (a week's, for
availability) into one ``HardwareObservation`` per city and item of the indicator file; the
rubrics are the ``*_score`` functions, pure, and their numbers are the ``describe`` texts of
``scenarios/indicators.yaml``.

Availability is counted as the 2019 national website rules count it (the veto 站点无法访问 of
《政府网站与政务新媒体检查指标》): a site is monitored for a week, visited 20 and more times a
day at intervals, and fails outright when 5% or more of its visits fail (do not load within
15 s). The visits are every check round's (``govprobe check --http-only`` every 30 minutes and
the daily full ``check`` alike) started in the 7 days up to the scored round's time
(``check_rounds_of_week``), PC and mobile addresses together; ``Availability`` is a city's
week, ``availability_score`` the rule over it. What is a visit (``visit_state``):

    up, slow            loaded: an available visit (a ``protected`` one the browser got through)
    maintenance, down   failed (``error`` counts as down; a ``protected`` one the browser did
                        not get through counts as down)
    undecided           ``protected`` and no browser tried it (an HTTP-only round): not a visit
    ours                failed on our side, not a visit: the browser sent to decide a protected
                        visit failed (``browser_error``), or the whole round got no answer
                        from any address over ``OUR_OUTAGE_HOSTS`` hosts or more (our network)

**A week below the rule's sampling** (fewer than 20 x 7 = 140 visits of an address, for
instance the nightly checks alone, or the first days of a season) is scored only where the
rule's verdict is already certain, whatever the visits not made would have shown: 0 when the
failures reach 5% of the visits the rule asks for (even had every missing visit loaded), and
the share loaded when the week passes even had every missing visit failed. Any other short
week is not scored (未测, never a guess: as an uncertain reply time is left unscored) and its
figure is shown with the visits it rests on, flagged 抽样不足 (``Availability.short``): one
failed night out of seven nightly visits is 14% of those visits but less than 1% of the week
the rule samples, and must not zero the item.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from probes import store
from probes.score.scoring import HardwareObservation

HARDWARE_ITEMS = ("availability", "speed", "https", "mobile", "accessibility")


# 2019 national website rules: 5% or more failed visits in a week fails availability outright.
AVAILABILITY_FAIL_SHARE = 0.05


# ... of a week of monitoring with 20 and more visits a day: the visits an address needs.
RULE_VISITS_PER_DAY = 20


RULE_DAYS = 7


RULE_WEEK_VISITS = RULE_VISITS_PER_DAY * RULE_DAYS


# A round in which no address answered at all, over this many hosts or more, failed on our
# side (our network, our resolver): a country's portals do not all go dark in the same minute.
OUR_OUTAGE_HOSTS = 3


LOADED_STATES = ("up", "slow")


FAILED_STATES = ("maintenance", "down")


# Speed: the wait for the largest paint. web.dev's "good" LCP scores full marks; a visit that
# has not loaded by the 15 s bound of the 2019 rules scores nothing; linear between.
SPEED_FULL_MS = 2_500.0


SPEED_ZERO_MS = 15_000.0


# HTTPS: a certificate expiring this soon, or TLS older than 1.2, is only half right.
EXPIRY_WARNING_DAYS = 30


OLD_TLS = frozenset({"SSLv3", "TLSv1", "TLSv1.1"})


# Accessibility: points off for each serious or critical axe rule the page violates.
ACCESSIBILITY_PENALTY = 20.0


def availability_score(available: int, failed: int, missing: int = 0) -> float | None:
    """100 x the share of visits that loaded; 0 when 5% or more failed. None: no visit.

    ``missing``: the visits the week is short of the rule's sampling. Then the verdict must
    hold whatever those visits would have shown: 0 when the failures are 5% of the whole
    sampling already, the share loaded when the week passes even had every missing visit
    failed, and None (not scored) otherwise (the module docstring)."""
    visits = available + failed
    if visits == 0:
        return None
    whole = visits + missing
    if failed / whole >= AVAILABILITY_FAIL_SHARE:
        return 0.0
    if (failed + missing) / whole >= AVAILABILITY_FAIL_SHARE:
        return None
    return 100.0 * available / visits


def visit_state(visit: Mapping[str, Any], *, ours: bool = False) -> str:
    """What one availability visit (a row of ``store.home_visits``) counts as: ``up``,
    ``slow``, ``maintenance``, ``down`` (visits), ``undecided`` or ``ours`` (not visits).
    ``ours``: its round failed on our side (``failed_on_our_side``)."""
    if ours:
        return "ours"
    available = visit["available"]
    if available is None:
        return "ours" if visit.get("browser_failed") else "undecided"
    if available:
        return "slow" if visit["classification"] == "slow" else "up"
    return "maintenance" if visit["classification"] == "maintenance" else "down"


def failed_on_our_side(visits: Sequence[Mapping[str, Any]]) -> bool:
    """One round's visits got no answer from any address (every one ``down``: no HTTP answer
    at all), over ``OUR_OUTAGE_HOSTS`` hosts or more: our network failed, not the portals."""
    if not visits or any(v["classification"] != "down" for v in visits):
        return False
    return len({urlsplit(v["url"]).hostname for v in visits}) >= OUR_OUTAGE_HOSTS


@dataclass(frozen=True)
class Availability:
    """A city's week of availability visits, PC and mobile addresses together, as the rule
    counts them (the module docstring)."""

    city: str
    up: int  # visits that loaded
    failed: int  # visits that did not
    addresses: int  # the city's addresses visited in the week
    missing: int = 0  # visits short of 20 a day for the week, summed over its addresses
    undecided: int = 0  # protected visits no browser tried: not visits
    ours: int = 0  # visits that failed on our side: not visits

    @property
    def visits(self) -> int:
        return self.up + self.failed

    @property
    def required(self) -> int:
        """The visits the rule samples: 20 a day for 7 days, per address."""
        return self.addresses * RULE_WEEK_VISITS

    @property
    def short(self) -> bool:
        """Below the rule's sampling: the figure is shown, flagged, and scored only when the
        missing visits could not change its verdict."""
        return self.missing > 0

    @property
    def share(self) -> float | None:
        """100 x the share of the visits made that loaded (what is shown; not the score)."""
        return round(100.0 * self.up / self.visits, 2) if self.visits else None

    @property
    def score(self) -> float | None:
        value = availability_score(self.up, self.failed, self.missing)
        return None if value is None else round(value, 2)

    def to_json(self) -> dict:
        return {
            "visits": self.visits, "up": self.up, "failed": self.failed,
            "required": self.required, "short": self.short, "share": self.share,
            "score": self.score, "undecided": self.undecided, "ours": self.ours,
        }  # fmt: skip


def week_availability(
    addresses: Mapping[tuple[str, str], Sequence[bool]],
    undecided: Mapping[str, int] | None = None,
    ours: Mapping[str, int] | None = None,
) -> dict[str, Availability]:
    """Per city, its week from each address's visits ((city, url) -> loaded or not, one entry
    per visit; an address with no visit counted still asks for its week of visits)."""
    undecided, ours = undecided or {}, ours or {}
    per_city: dict[str, list[Sequence[bool]]] = defaultdict(list)
    for (city, _url), seen in addresses.items():
        per_city[city].append(seen)
    for city in set(undecided) | set(ours):
        per_city.setdefault(city, [])
    found = {}
    for city, seen in per_city.items():
        up = sum(sum(v) for v in seen)
        visits = sum(len(v) for v in seen)
        found[city] = Availability(
            city, up, visits - up, len(seen),
            missing=sum(max(0, RULE_WEEK_VISITS - len(v)) for v in seen),
            undecided=undecided.get(city, 0), ours=ours.get(city, 0),
        )  # fmt: skip
    return found


def speed_score(speed_ms: float | None) -> float:
    """100 up to 2.5 s to the largest paint, 0 from 15 s (or never loaded), linear between."""
    if speed_ms is None:
        return 0.0
    share = (SPEED_ZERO_MS - speed_ms) / (SPEED_ZERO_MS - SPEED_FULL_MS)
    return 100.0 * min(1.0, max(0.0, share))


def https_score(https: Mapping[str, Any]) -> float | None:
    """100: the address ends on https with a valid certificate, plain http redirects there,
    TLS 1.2 or newer, more than 30 days left. 50: a valid certificate but one of those missing
    (or https offered beside an address that stays on http). 0: no https, or a certificate a
    browser refuses (expired, wrong name, self-signed, untrusted). None: nothing answered."""
    if https.get("problem") == "unreachable":
        return None
    if not https.get("cert_valid"):
        return 0.0
    days = https.get("days_left")
    whole = (
        https.get("served_over_https")
        and https.get("redirects_to_https") is not False
        and https.get("tls_version") not in OLD_TLS
        and (days is None or days > EXPIRY_WARNING_DAYS)
    )
    return 100.0 if whole else 50.0


def mobile_score(mobile: Mapping[str, Any]) -> float:
    """A third each: a viewport meta with width=device-width, no horizontal scrolling at 375 px,
    readable text (>= 60% of it at 12 px or more)."""
    return 100.0 * sum(bool(mobile.get(k)) for k in ("device_width", "fits", "readable")) / 3


def accessibility_score(axe: Mapping[str, Any]) -> float:
    """100 less 20 for each serious or critical axe-core rule violated, never below 0."""
    violated = int(axe.get("critical", 0)) + int(axe.get("serious", 0))
    return max(0.0, 100.0 - ACCESSIBILITY_PENALTY * violated)


def week_window(db, *, days: int = RULE_DAYS, target: str | None = None,
                until: str | None = None) -> tuple[datetime, datetime] | None:  # fmt: skip
    """The week the availability rule counts visits in: the ``days`` up to ``until`` (an ISO
    time: the scored round's), or without it up to the latest check round's start (of a
    target). None: no check round to count."""
    if until is None:
        rows = store.rounds_of(db, "check", target=target, newest_first=True)
        if not rows:
            return None
        until = rows[0]["started_at"]
    end = datetime.fromisoformat(until)
    return end - timedelta(days=days), end


def check_rounds_of_week(
    db, *, days: int = RULE_DAYS, target: str | None = None, until: str | None = None
) -> list[str]:
    """The check rounds (HTTP-only and full alike) started in the ``days`` up to ``until``
    (the scored round's time; without it, the latest check round's start): the window the
    availability rule counts visits in. Of one target: ``target``, else the latest round's."""
    window = week_window(db, days=days, target=target, until=until)
    if window is None:
        return []
    since, end = window
    # a day's margin either side in SQL (times written another way compare as text), exact here
    margin = [(t + timedelta(days=d)).astimezone(UTC).isoformat(timespec="seconds")
              for t, d in ((since, -1), (end, 1))]  # fmt: skip
    rows = store.rounds_of(
        db, "check", target=target, since=margin[0], until=margin[1], newest_first=True
    )
    if not rows:
        return []
    target = target or rows[0]["target"]
    return [
        r["id"]
        for r in rows
        if r["target"] == target and since < datetime.fromisoformat(r["started_at"]) <= end
    ]


def uptime(db, *round_ids: str) -> dict[tuple[str | None, str | None, str], float | None]:
    """(city, channel, url) -> the share of its visits that loaded in these rounds (None when
    no visit counted: a protected portal no browser tried)."""
    seen: dict[tuple, list[bool]] = defaultdict(list)
    for row in store.check_rows(db, round_ids, "home"):
        key = (row["city"], row["channel"], row["url"])
        seen.setdefault(key, [])
        if row["detail"].get("available") is not None:
            seen[key].append(bool(row["detail"]["available"]))
    return {k: (sum(v) / len(v) if v else None) for k, v in seen.items()}


@dataclass(frozen=True)
class _RoundFacts:
    """What one check round says for the hardware items: each address's visits ((city, url)
    -> loaded or not), the visits per city that were not visits (undecided, ours), and each
    (city, item)'s page, HTTPS, mobile and axe scores."""

    visits: Mapping[tuple[str, str], tuple[bool, ...]]
    values: Mapping[tuple[str, str], tuple[float, ...]]
    undecided: Mapping[str, int]
    ours: Mapping[str, int]


def _round_facts(db, round_id: str) -> _RoundFacts:
    visits: dict[tuple[str, str], list[bool]] = {}
    undecided: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    rows = store.home_visits(db, [round_id])
    our_side = failed_on_our_side(rows)
    for row in rows:
        city = row["city"]
        if not city:
            continue
        state = visit_state(row, ours=our_side)
        seen = visits.setdefault((city, row["url"]), [])
        if state in LOADED_STATES or state in FAILED_STATES:
            seen.append(state in LOADED_STATES)
        elif state == "ours":
            ours[city] += 1
        else:
            undecided[city] += 1
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for city, kind, detail in store.check_details(db, round_id, ("https", "page")):
        if not city:  # links are not scored here
            continue
        if kind == "https":
            score = https_score(detail)
            if score is not None:
                values[(city, "https")].append(score)
        elif kind == "page":
            loaded = bool(detail.get("loaded"))
            values[(city, "speed")].append(speed_score(detail.get("speed_ms") if loaded else None))
            if loaded and detail.get("mobile"):
                values[(city, "mobile")].append(mobile_score(detail["mobile"]))
            if loaded and detail.get("axe"):
                values[(city, "accessibility")].append(accessibility_score(detail["axe"]))
    return _RoundFacts(
        {k: tuple(v) for k, v in visits.items()},
        {k: tuple(v) for k, v in values.items()},
        dict(undecided),
        dict(ours),
    )


def _facts_of(db, round_ids: Iterable[str], cache: dict[str, _RoundFacts] | None):
    for round_id in round_ids:
        facts = cache.get(round_id) if cache is not None else None
        if facts is None:
            facts = _round_facts(db, round_id)
            if cache is not None:
                cache[round_id] = facts
        yield facts


def availability_of(
    db, *round_ids: str, cache: dict[str, _RoundFacts] | None = None
) -> dict[str, Availability]:
    """Each city's week of visits in these check rounds (``check_rounds_of_week``)."""
    addresses: dict[tuple[str, str], list[bool]] = defaultdict(list)
    undecided: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    for facts in _facts_of(db, round_ids, cache):
        for key, seen in facts.visits.items():
            addresses[key].extend(seen)
        undecided.update(facts.undecided)
        ours.update(facts.ours)
    return week_availability(addresses, undecided, ours)


def hardware_observations(
    db, *round_ids: str, cache: dict[str, _RoundFacts] | None = None
) -> list[HardwareObservation]:
    """One observation per city and hardware item, from the checks of these rounds (default:
    the latest check round; pass ``check_rounds_of_week(db)`` for the weekly availability rule).

    availability  visits that loaded / visits, PC and mobile together; 0 at >= 5% failed;
                  a week below the rule's sampling only where its verdict is certain
                  (``Availability``, the module docstring)
    speed         mean over the pages loaded in Chromium of ``speed_score`` (a failed load: 0)
    https         mean over the city's addresses of ``https_score`` (unreachable: left out)
    mobile        mean over the mobile address's pages of ``mobile_score``
    accessibility mean over the pages axe checked of ``accessibility_score``

    An item with nothing measured for a city gets no observation (未测, never zero).
    ``cache`` (round id -> what it says) lets a caller scoring many weeks in a row read each
    finished check round once (``probes.app.evaluation.score_season``).
    """
    if not round_ids:
        latest = store.latest_round(db, "check")
        round_ids = (latest,) if latest else ()
    if not round_ids:
        return []
    if cache is None:
        cache = {}  # each round read once, for availability and the other items alike
    week = availability_of(db, *round_ids, cache=cache)
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for facts in _facts_of(db, round_ids, cache):
        for key, scores in facts.values.items():
            values[key].extend(scores)
    found = []
    for city in sorted(set(week) | {c for c, _ in values}):
        for item in HARDWARE_ITEMS:
            if item == "availability":
                value = week[city].score if city in week else None
            else:
                scores = values.get((city, item))
                value = math.fsum(scores) / len(scores) if scores else None  # fast, exact sum
            if value is not None:
                found.append(HardwareObservation(city, item, round(value, 2)))
    return found


def summarize_checks(db, round_id: str) -> dict:
    """The round as ``govprobe check --json`` prints it (README, "Commands")."""
    rows = store.check_rows(db, [round_id])
    row_of_round = store.get_round(db, round_id) or {}
    portals: dict[tuple, dict] = {}
    for row in rows:
        if row["kind"] not in ("home", "https", "page"):
            continue
        if row["kind"] == "page":
            key = next((k for k in portals if k[0] == row["city"] and k[1] == row["channel"]), None)
        else:
            key = (row["city"], row["channel"], row["url"])
        entry = portals.setdefault(key, {"city": key[0], "channel": key[1], "url": key[2]})
        d = row["detail"]
        if row["kind"] == "home":
            entry |= {
                "classification": row["classification"],
                "available": d.get("available"),
                "status": row["status"],
                "ttfb_ms": row["ttfb_ms"],
                "total_ms": row["total_ms"],
                "reason": d.get("reason", ""),
            }
            if "browser" in d:
                entry["browser"] = d["browser"]
            if d.get("browser_error"):  # ours: the browser checks could not run on this portal
                entry["browser_error"] = d["browser_error"]
            for said in ("attempts", "flaky", "confirmed"):  # a visit retried (check/round.py)
                if said in d:
                    entry[said] = d[said]
        elif row["kind"] == "https":
            entry["https"] = {
                k: d.get(k)
                for k in ("served_over_https", "redirects_to_https", "cert_valid", "problem",
                          "names", "days_left", "tls_version")
            }  # fmt: skip
            entry["https"]["score"] = https_score(d)
        else:
            axe = d.get("axe") or {}
            entry.setdefault("pages", []).append(
                {
                    "kind": d.get("kind"),
                    "url": row["url"],
                    "loaded": d.get("loaded"),
                    "error": d.get("error", ""),
                    "speed_ms": d.get("speed_ms"),
                    "lcp_ms": (d.get("timings") or {}).get("lcp_ms"),
                    "bytes": d.get("bytes"),
                    "requests": d.get("requests"),
                    "axe": {k: axe.get(k) for k in ("critical", "serious", "moderate", "minor")}
                    if axe
                    else None,
                    "mobile": {k: d["mobile"].get(k) for k in ("device_width", "fits", "readable")}
                    if d.get("mobile")
                    else None,
                }
            )
    times = uptime(db, round_id)
    for key, entry in portals.items():
        entry["uptime"] = times.get(key)
    week = check_rounds_of_week(
        db, target=row_of_round.get("target"), until=row_of_round.get("started_at")
    )
    links = [
        {
            "city": r["city"],
            "url": r["url"],
            "result": r["classification"],
            "status": r["status"],
            "note": r["detail"].get("note", ""),
        }
        for r in rows
        if r["kind"] == "link"
    ]
    return {
        "round": round_id,
        "target": row_of_round.get("target"),
        "portals": list(portals.values()),
        "counts": dict(Counter(e.get("classification") for e in portals.values())),
        "links": links,
        "hardware": [
            {"city": o.city, "item": o.item, "value": o.value}
            for o in hardware_observations(db, round_id)
        ],
        # the week up to this round, as the availability rule counts it
        "availability": [
            {"city": city, **a.to_json()}
            for city, a in sorted(availability_of(db, *(week or [round_id])).items())
        ],
        "our_side": failed_on_our_side(store.home_visits(db, [round_id])),
        "http_only": bool((row_of_round.get("params") or {}).get("http_only")),
    }
