"""govprobe's guide round against the bare script, side by side on one sandbox.

    .venv/bin/python -m bench.round [--concurrency 4] [--repeat 3] [--city 广州 ...] [--json]
                                    [--profile] [--no-baseline]

Starts one sandbox (``probes.plan.targets.SandboxProcess``), then runs, alternately (A B A B ...),
``govprobe run --target sandbox --sandbox-url URL --concurrency N --db TMP --json`` (A: the
whole round, 36 cities × 2 scenarios × PC and mobile, walked, stored with its evidence and
judged) and ``python -m bench.baseline`` (B: the same guide pages walked with plain Playwright, at the
same concurrency and per-host limit). Each run is a child process whose whole tree (Chromium
included) is sampled every 100 ms for memory. Prints, per side, the median run of the repeats (by
wall time), the ratio, journeys per minute, the peak memory of the tree (RSS summed, and PSS:
shared pages counted once), and for govprobe the evidence bytes per journey and the database
size; also whether each side found the truth's guides (``sandbox.truth.compare``, as
``bench.guides``), so a fast wrong side shows. The 1-minute load average is recorded before each run.

``--profile`` adds where govprobe's journey time went: each kind of work the walker times
(settles, screenshots, searches, link checks, ...; ``extra["spent_ms"]`` of each probe) and
each step action, summed and per journey. ``--no-baseline`` runs govprobe alone.

Targets (issue 18, on a 2-core machine): govprobe ≤ 1.2 × the bare script's wall time; peak
memory ≤ 2 GiB at concurrency 4; evidence ≤ 1.5 MB per journey.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench._measure import GIB, ROOT, Figure, dir_bytes, emit, run_measured
from probes.plan.targets import SandboxProcess
from sandbox.truth import compare, fetch_truths

PYTHON = sys.executable
GOVPROBE = str(Path(sys.executable).parent / "govprobe")


def profile_of(db_path: Path) -> dict:
    """Where the round's journey time went: per kind of work the walker times
    (``probes.walk.walker.timed``, kept in each probe's ``extra["spent_ms"]``; kinds nest, an
    arrival holds its settles) and per step action (each step's own ms), the seconds summed
    over the probes and the mean per journey, beside the journeys' own seconds."""
    from probes import store

    spent: dict[str, float] = {}
    actions: dict[str, list[float]] = {}
    with store.open_db(db_path, create=False) as db:
        (round_id,) = db.execute("SELECT id FROM rounds WHERE kind = 'guides'").fetchone()
        probes = store.probes_of_round(db, round_id)
        for probe in probes:
            for kind, ms in (probe["extra"].get("spent_ms") or {}).items():
                spent[kind] = spent.get(kind, 0.0) + ms / 1000
            for step in store.steps_of_probe(db, probe["id"]):
                actions.setdefault(step["action"], []).append(step["duration_ms"] / 1000)
    n = len(probes) or 1
    return {
        "journeys": len(probes),
        "journey_s": round(sum(p["seconds"] for p in probes), 1),
        "spent": {k: {"s": round(v, 1), "per_journey_ms": round(v / n * 1000)}
                  for k, v in sorted(spent.items(), key=lambda kv: -kv[1])},
        "steps": {a: {"count": len(ms), "s": round(sum(ms), 1),
                      "per_journey_ms": round(sum(ms) / n * 1000)}
                  for a, ms in sorted(actions.items(), key=lambda kv: -sum(kv[1]))},
    }  # fmt: skip


def print_profile(profile: dict) -> None:
    n = profile["journeys"]
    print(f"# profile: {n} journeys, {profile['journey_s']} journey-seconds "
          f"({profile['journey_s'] / max(n, 1):.2f} s each)", file=sys.stderr)  # fmt: skip
    for title, rows in (("work (nested)", profile["spent"]), ("step", profile["steps"])):
        for name, row in rows.items():
            share = row["s"] / max(profile["journey_s"], 1e-9)
            print(f"#   {title:14} {name:16} {row['s']:8.1f} s  {row['per_journey_ms']:6d} ms/journey"
                  f"  {share:6.1%}", file=sys.stderr)  # fmt: skip


def run_govprobe(
    url: str, concurrency: int, cities: list[str], keep: Path | None, profile: bool = False
) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-round-"))
    try:
        db = tmp / "govprobe.db"
        cmd = [GOVPROBE, "run", "--target", "sandbox", "--sandbox-url", url, "--db", str(db),
               "--concurrency", str(concurrency), "--json"]  # fmt: skip
        for city in cities:
            cmd += ["--city", city]
        done = run_measured(cmd)
        if done.returncode:
            sys.exit(f"govprobe run failed: {done.stderr[-2000:]}")
        summary = json.loads(done.stdout)
        probes = summary["probes"]
        db_bytes = sum(p.stat().st_size for p in tmp.glob("govprobe.db*"))
        truths = fetch_truths(url, (p["city"] for p in probes))
        figures = compare(probes, truths)
        profiled = profile_of(db) if profile else None
        if keep is not None:
            shutil.copytree(tmp, keep, dirs_exist_ok=True)
        return {
            "wall": done.wall_s, "journeys": len(probes), "peak_rss": done.peak_rss,
            "peak_pss": done.peak_pss, "load": done.load_before,
            "cpu_s": done.cpu_s, "cpu_by_kind": done.cpu_by_kind,
            "evidence_bytes": dir_bytes(tmp / "evidence"), "db_bytes": db_bytes,
            "correct": f"{figures['outcomes_matching']}/{figures['probes']} outcomes, "
                       f"{figures['right_variant']}/{figures['found']} right guides",
            "profile": profiled,
        }  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_baseline(url: str, concurrency: int, cities: list[str]) -> dict:
    cmd = [PYTHON, "-m", "bench.baseline", "--sandbox-url", url,
           "--concurrency", str(concurrency), "--json"]  # fmt: skip
    for city in cities:
        cmd += ["--city", city]
    done = run_measured(cmd, cwd=ROOT)
    if done.returncode:
        sys.exit(f"baseline failed: {done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    return {
        "wall": done.wall_s, "journeys": summary["journeys"], "peak_rss": done.peak_rss,
        "peak_pss": done.peak_pss, "load": done.load_before,
        "cpu_s": done.cpu_s, "cpu_by_kind": done.cpu_by_kind,
        "correct": f"{summary['reached']}/{summary['present']} guides reached",
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--city", action="append", default=[])
    parser.add_argument("--keep", type=Path, help="copy govprobe's last database and evidence here")
    parser.add_argument("--json", action="store_true", help="one JSON line per figure")
    parser.add_argument("--profile", action="store_true",
                        help="where govprobe's journey time went, by kind of work and step")  # fmt: skip
    parser.add_argument("--no-baseline", action="store_true",
                        help="govprobe alone (with --profile: a profile without the comparison)")  # fmt: skip
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {"govprobe": [], "baseline": []}
    with SandboxProcess() as sandbox:
        for n in range(args.repeat):
            gp = run_govprobe(sandbox.url, args.concurrency, args.city, args.keep, args.profile)
            runs["govprobe"].append(gp)
            print(f"# run {n + 1} govprobe {gp['wall']:.1f} s, cpu {gp['cpu_by_kind']} "
                  f"(load {gp['load']})",
                  file=sys.stderr, flush=True)  # fmt: skip
            if gp["profile"]:
                print_profile(gp["profile"])
            if args.no_baseline:
                continue
            base = run_baseline(sandbox.url, args.concurrency, args.city)
            runs["baseline"].append(base)
            print(f"# run {n + 1} baseline {base['wall']:.1f} s, cpu {base['cpu_by_kind']} "
                  f"(load {base['load']})",
                  file=sys.stderr, flush=True)  # fmt: skip
    # the median run of each side (by wall time; of an even count, the lower of the middle two)
    middle = {side: sorted(rs, key=lambda r: r["wall"])[(len(rs) - 1) // 2]
              for side, rs in runs.items() if rs}  # fmt: skip
    gp = middle["govprobe"]
    c = args.concurrency
    scope = "all 36 cities" if not args.city else f"{len(args.city)} cities"
    profile_figures = [
        Figure(f"govprobe time in {kind}", row["per_journey_ms"], "ms/journey",
               extra={"s": row["s"], "journey_s": gp["profile"]["journey_s"]})
        for kind, row in (gp["profile"] or {}).get("spent", {}).items()
    ]  # fmt: skip
    if args.no_baseline:
        figures = [
            Figure("scope", f"{scope}, {gp['journeys']} journeys, c={c}, median of {args.repeat}"),
            Figure("govprobe round wall time", round(gp["wall"], 1), "s", load_1m=gp["load"],
                   extra={"all": [round(r["wall"], 1) for r in runs["govprobe"]]}),
            Figure("govprobe CPU time of the tree", round(gp["cpu_s"], 1), "s",
                   load_1m=gp["load"], extra={"by_kind": gp["cpu_by_kind"]}),
            Figure("govprobe against the truth", gp["correct"]),
            *profile_figures,
        ]  # fmt: skip
        emit("round", figures, args.json, load=max(r["load"] for r in runs["govprobe"]))
        return
    base = middle["baseline"]
    load = max(gp["load"], base["load"])
    figures = [
        Figure("scope", f"{scope}, {gp['journeys']} journeys, c={c}, median of {args.repeat}"),
        Figure("govprobe round wall time", round(gp["wall"], 1), "s", load_1m=gp["load"],
               extra={"all": [round(r["wall"], 1) for r in runs["govprobe"]]}),
        Figure("bare script wall time", round(base["wall"], 1), "s", load_1m=base["load"],
               extra={"all": [round(r["wall"], 1) for r in runs["baseline"]]}),
        Figure("ratio govprobe / bare script", round(gp["wall"] / base["wall"], 2), "x",
               target="<= 1.2", load_1m=load),
        Figure("govprobe journeys per minute", round(gp["journeys"] / gp["wall"] * 60, 1),
               "/min", load_1m=gp["load"]),
        Figure("bare script journeys per minute",
               round(base["journeys"] / base["wall"] * 60, 1), "/min", load_1m=base["load"]),
        Figure("govprobe peak memory, tree RSS sum",
               round(max(r["peak_rss"] for r in runs["govprobe"]) / GIB, 2), "GiB",
               target="<= 2 at c=4"),
        Figure("govprobe peak memory, tree PSS sum",
               round(max(r["peak_pss"] for r in runs["govprobe"]) / GIB, 2), "GiB"),
        Figure("bare script peak memory, tree RSS sum",
               round(max(r["peak_rss"] for r in runs["baseline"]) / GIB, 2), "GiB"),
        Figure("bare script peak memory, tree PSS sum",
               round(max(r["peak_pss"] for r in runs["baseline"]) / GIB, 2), "GiB"),
        Figure("govprobe CPU time of the tree", round(gp["cpu_s"], 1), "s",
               load_1m=gp["load"], extra={"by_kind": gp["cpu_by_kind"]}),
        Figure("bare script CPU time of the tree", round(base["cpu_s"], 1), "s",
               load_1m=base["load"], extra={"by_kind": base["cpu_by_kind"]}),
        Figure("evidence per journey", round(gp["evidence_bytes"] / gp["journeys"] / 1e6, 3),
               "MB", target="<= 1.5"),
        Figure("evidence, whole round", round(gp["evidence_bytes"] / 1e6, 1), "MB"),
        Figure("database size", round(gp["db_bytes"] / 1e6, 2), "MB"),
        Figure("govprobe against the truth", gp["correct"]),
        Figure("bare script against the truth", base["correct"]),
        *profile_figures,
    ]  # fmt: skip
    emit("round", figures, args.json, load=max(r["load"] for rs in runs.values() for r in rs))


if __name__ == "__main__":
    main()
