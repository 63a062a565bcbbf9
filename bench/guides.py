"""Guide round against the sandbox's truth: element precision and recall, variants, outcomes.

    .venv/bin/python bench/guides.py [--concurrency 4] [--city 广州 ...] [--json]

Starts a sandbox, runs ``govprobe run --target sandbox --json`` over the chosen cities (all 36
by default), both scenarios and both channels, then compares every probe with
``/__sandbox/truth/{city}``: the outcome (a guide the truth shows must be found, one it does
not show must end ``guide_missing``), the variant (the guide found is the truth's guide, never a
decoy), and each canonical element's presence. Prints the figures and the round's wall time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from probes.plan.targets import SandboxProcess


def same_page(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    pa, pb = urlsplit(a), urlsplit(b)
    return _route(pa) == _route(pb)


def _route(url) -> tuple:
    """Host, path and query, and a single-page portal's hash route (``#/guide?itemCode=…``)
    with its own query; an in-page anchor (``#top``) is no part of which page it is."""
    fragment = url.fragment if url.fragment.startswith("/") else ""
    hash_path, _, hash_query = fragment.partition("?")
    return (
        url.netloc,
        url.path,
        sorted(parse_qsl(url.query)),
        hash_path,
        sorted(parse_qsl(hash_query)),
    )


def compare(probes: list[dict], truths: dict[str, dict]) -> dict:
    tp = fp = fn = 0
    outcome_ok = variant_ok = found = 0
    mismatches = []
    for p in probes:
        truth = truths[p["city"]]["scenarios"][p["scenario"]]["matters"][p["matter"]][p["channel"]]
        expected = "ok" if truth["present"] else "guide_missing"
        if p["outcome"] == expected:
            outcome_ok += 1
        else:
            mismatches.append(
                f"outcome {p['city']}/{p['matter']}/{p['channel']}: {p['outcome']} "
                f"({p['reason']}) != {expected}"
            )
        if p["outcome"] != "ok" or not truth["present"]:
            continue
        found += 1
        if not same_page(p["guide_url"], truth["guide_url"]):
            mismatches.append(
                f"variant {p['city']}/{p['matter']}/{p['channel']}: {p['guide_url']} != {truth['guide_url']}"
            )
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
                    f"element {p['city']}/{p['matter']}/{p['channel']} {element}: "
                    f"truth {'present' if real else 'absent'}, probe {'present' if seen else 'absent'}"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--city", action="append", default=[])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    govprobe = Path(sys.executable).parent / "govprobe"
    with SandboxProcess() as sandbox, tempfile.TemporaryDirectory() as tmp:
        cmd = [str(govprobe), "run", "--target", "sandbox", "--sandbox-url", sandbox.url,
               "--db", f"{tmp}/govprobe.db", "--concurrency", str(args.concurrency), "--json"]  # fmt: skip
        for city in args.city:
            cmd += ["--city", city]
        started = time.monotonic()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        if done.returncode:
            sys.exit(f"govprobe run failed: {done.stderr[-2000:]}")
        summary = json.loads(done.stdout)
        cities = {p["city"] for p in summary["probes"]}
        with httpx.Client(timeout=30) as client:
            truths = {c: client.get(f"{sandbox.url}/__sandbox/truth/{c}").json() for c in cities}
            archetype = {
                c["city_id"]: c["archetype"]
                for c in client.get(f"{sandbox.url}/__sandbox/cities").json()
            }
    figures = compare(summary["probes"], truths)
    figures["wall_seconds"] = round(wall, 1)
    figures["concurrency"] = args.concurrency
    by_archetype = {
        name: compare([p for p in summary["probes"] if archetype[p["city"]] == name], truths)
        for name in sorted(set(archetype.values()))
    }
    if args.json:
        for key in (
            "probes",
            "outcomes_matching",
            "right_variant",
            "precision",
            "recall",
            "wall_seconds",
        ):
            print(json.dumps({"figure": key, "value": figures[key]}))
        for name, part in by_archetype.items():
            part.pop("mismatches")
            print(json.dumps({"figure": "archetype", "archetype": name, **part}))
        return
    for line in figures.pop("mismatches")[:60]:
        print("  " + line)
    for key, value in figures.items():
        print(f"{key:>20}: {value}")
    print(
        f"{'archetype':>12} {'probes':>6} {'outcomes':>8} {'variant':>12} {'precision':>9} {'recall':>7}"
    )
    for name, part in by_archetype.items():
        print(
            f"{name:>12} {part['probes']:>6} {part['outcomes_matching']:>8} "
            f"{part['right_variant']:>5}/{part['found']:<6} {part['precision']!s:>9} {part['recall']!s:>7}"
        )


if __name__ == "__main__":
    main()
