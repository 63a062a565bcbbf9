"""The hardware indicator (硬件支撑): the rubrics of its items and the reads they rest on.

``hardware_observations`` turns the check rows of one or more rounds (a week's, for
availability) into one ``HardwareObservation`` per city and item of the indicator file; the
rubrics are the ``*_score`` functions, pure, and their numbers are the ``describe`` texts of
``scenarios/indicators.yaml``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from probes import store
from probes.score.scoring import HardwareObservation

HARDWARE_ITEMS = ("availability", "speed", "https", "mobile", "accessibility")


# 2019 national website rules: 5% or more failed visits in a week fails availability outright.
AVAILABILITY_FAIL_SHARE = 0.05


# Speed: the wait for the largest paint. web.dev's "good" LCP scores full marks; a visit that
# has not loaded by the 15 s bound of the 2019 rules scores nothing; linear between.
SPEED_FULL_MS = 2_500.0


SPEED_ZERO_MS = 15_000.0


# HTTPS: a certificate expiring this soon, or TLS older than 1.2, is only half right.
EXPIRY_WARNING_DAYS = 30


OLD_TLS = frozenset({"SSLv3", "TLSv1", "TLSv1.1"})


# Accessibility: points off for each serious or critical axe rule the page violates.
ACCESSIBILITY_PENALTY = 20.0


def availability_score(available: int, failed: int) -> float | None:
    """100 x the share of visits that loaded; 0 when 5% or more failed. None: no visit."""
    visits = available + failed
    if visits == 0:
        return None
    if failed / visits >= AVAILABILITY_FAIL_SHARE:
        return 0.0
    return 100.0 * available / visits


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


def check_rounds_of_week(
    db, *, days: int = 7, target: str | None = None, until: str | None = None
) -> list[str]:
    """The check rounds started within ``days`` before the latest one (of a target; started at
    or before ``until``, an ISO time, when given): the window the availability rule counts
    failed visits in."""
    rows = store.rounds_of(db, "check", target=target, until=until, newest_first=True)
    if not rows:
        return []
    latest = rows[0]
    since = datetime.fromisoformat(latest["started_at"]) - timedelta(days=days)
    return [
        r["id"]
        for r in rows
        if r["target"] == latest["target"] and datetime.fromisoformat(r["started_at"]) > since
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
    """What one check round says for the hardware items: each city's visits (loaded or not)
    and each (city, item)'s page, HTTPS, mobile and axe scores."""

    visits: Mapping[str, tuple[bool, ...]]
    values: Mapping[tuple[str, str], tuple[float, ...]]


def _round_facts(db, round_id: str) -> _RoundFacts:
    visits: dict[str, list[bool]] = defaultdict(list)
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    scored = ("home", "https", "page")  # links are not scored here
    for city, kind, detail in store.check_details(db, round_id, scored):
        if not city:
            continue
        if kind == "home" and detail.get("available") is not None:
            visits[city].append(bool(detail["available"]))
        elif kind == "https":
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
        {c: tuple(v) for c, v in visits.items()}, {k: tuple(v) for k, v in values.items()}
    )


def hardware_observations(
    db, *round_ids: str, cache: dict[str, _RoundFacts] | None = None
) -> list[HardwareObservation]:
    """One observation per city and hardware item, from the checks of these rounds (default:
    the latest check round; pass ``check_rounds_of_week(db)`` for the weekly availability rule).

    availability  visits that loaded / visits, PC and mobile together; 0 at >= 5% failed
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
    visits: dict[str, list[bool]] = defaultdict(list)
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for round_id in round_ids:
        facts = cache.get(round_id) if cache is not None else None
        if facts is None:
            facts = _round_facts(db, round_id)
            if cache is not None:
                cache[round_id] = facts
        for city, seen in facts.visits.items():
            visits[city].extend(seen)
        for key, scores in facts.values.items():
            values[key].extend(scores)
    found = []
    for city in sorted(set(visits) | {c for c, _ in values}):
        for item in HARDWARE_ITEMS:
            if item == "availability":
                ok = visits.get(city, [])
                value = availability_score(sum(ok), len(ok) - sum(ok))
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
    }
