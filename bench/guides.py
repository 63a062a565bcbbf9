"""Guide round against the sandbox's truth: element precision and recall, variants, outcomes.

    .venv/bin/python -m bench.guides [--concurrency 4] [--city 广州 ...] [--json]

Starts a sandbox, runs ``govprobe run --target sandbox --json`` over the chosen cities (all 36
by default), both scenarios and both channels, then compares every probe with
``/__sandbox/truth/{city}`` (``sandbox.truth.compare``): the outcome (a guide the truth shows
must be found, one it does not show must end ``guide_missing``), the variant (the guide found is
the truth's guide, never a decoy), and each canonical element's presence. Prints the figures,
the same per archetype, and the round's wall time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from probes.plan.targets import SandboxProcess
from sandbox.truth import compare, fetch_truths


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
        truths = fetch_truths(sandbox.url, (p["city"] for p in summary["probes"]))
        with httpx.Client(timeout=30) as client:
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
