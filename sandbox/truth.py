"""A guide round against the sandbox's truth: how many probes found what the sandbox really shows.

The one comparison the tests and the benchmarks use (``tests/e2e/test_journey_truth.py``,
``python -m bench.guides``, ``python -m bench.round``). It compares plain dicts: the probes as
``govprobe run --json`` prints them (``city``, ``scenario``, ``channel``, ``matter``,
``outcome``, ``reason``, ``guide_url``, ``elements``) against ``/__sandbox/truth/{city}`` as
the control API serves it (``sandbox/control.py``), so it needs neither ``probes`` nor a
browser:

* **outcome**: a guide the truth shows must be found (``ok``), one it does not show must end
  ``guide_missing``;
* **variant**: a guide found must be the truth's page (``same_page``), never a decoy beside it;
* **elements**: for the right guide, each canonical element the probe read is present in the
  truth and each one the truth has was read (precision and recall of presence).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

import httpx


def same_page(a: str | None, b: str | None) -> bool:
    """Whether two addresses are the same page: host, path and query (in any order), and a
    single-page portal's hash route (``#/guide?itemCode=…``) with its own query; an in-page
    anchor (``#top``) is no part of which page it is."""
    if not a or not b:
        return False
    return _route(urlsplit(a)) == _route(urlsplit(b))


def _route(url: SplitResult) -> tuple:
    fragment = url.fragment if url.fragment.startswith("/") else ""
    hash_path, _, hash_query = fragment.partition("?")
    return (
        url.netloc,
        url.path,
        sorted(parse_qsl(url.query)),
        hash_path,
        sorted(parse_qsl(hash_query)),
    )


def fetch_truths(sandbox_url: str, city_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The truth of each city (by id) from a served sandbox's control API."""
    with httpx.Client(timeout=30) as client:
        return {
            city: client.get(f"{sandbox_url}/__sandbox/truth/{city}").raise_for_status().json()
            for city in sorted(set(city_ids))
        }


def compare(probes: list[dict[str, Any]], truths: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The round's figures against the truth (``truths``: city id → its truth), and a line per
    mismatch: ``probes``, ``outcomes_matching``, ``found``, ``right_variant``, ``precision``,
    ``recall`` (``None`` with nothing to count), ``mismatches``."""
    tp = fp = fn = 0
    outcome_ok = variant_ok = found = 0
    mismatches = []
    for p in probes:
        where = f"{p['city']}/{p['matter']}/{p['channel']}"
        truth = truths[p["city"]]["scenarios"][p["scenario"]]["matters"][p["matter"]][p["channel"]]
        expected = "ok" if truth["present"] else "guide_missing"
        if p["outcome"] == expected:
            outcome_ok += 1
        else:
            mismatches.append(f"outcome {where}: {p['outcome']} ({p['reason']}) != {expected}")
        if p["outcome"] != "ok" or not truth["present"]:
            continue
        found += 1
        if not same_page(p["guide_url"], truth["guide_url"]):
            mismatches.append(f"variant {where}: {p['guide_url']} != {truth['guide_url']}")
            continue
        variant_ok += 1
        for element, value in truth["elements"].items():
            real = value is not None
            seen = element in p["elements"]
            tp += real and seen
            fp += seen and not real
            fn += real and not seen
            if real != seen:
                mismatches.append(
                    f"element {where} {element}: truth {'present' if real else 'absent'}, "
                    f"probe {'present' if seen else 'absent'}"
                )
    return {
        "probes": len(probes),
        "outcomes_matching": outcome_ok,
        "found": found,
        "right_variant": variant_ok,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "mismatches": mismatches,
    }
