"""Growth: a synthetic season on N portals, and how scoring, reports and storage grow with N.

    .venv/bin/python -m bench.growth [--cities 36,300] [--rounds 52] [--json]
                                     [--evidence auto|all|last] [--dir DIR] [--keep]

For each number of cities, writes a season (``bench._season``: a guide round a week for
every city x matter x channel, a health check round a day, two consultation rounds polled five
times a working day for two months) through the store's own functions into a fresh database,
then times:

* **write**: the whole season, as the service would have written it over the year;
* **score one round**: ``probes.app.evaluation.score_of`` on the last guide round (median of 3);
* **score the season**: ``probes.app.evaluation.score_season``: every round, each with the checks
  of its own week (the trend of the national figures);
* **report**: ``probes.app.evaluation.write_report``, the HTML report of the last round;

and measures the database (after a WAL checkpoint) and the evidence (the sizes its rows record;
and the bytes written to disk). The cities beyond the registry's 36 are made up, spread over the
six regions (``_season.synthetic_registry``), passed to scoring as an in-memory registry.

With several city counts it prints each figure per city and the ratio of the per-city figure to
the smallest count's: 1.0 is linear growth, below 1 better than linear.

``--evidence all`` writes every evidence file (about 0.55 MB a probe: ~10 GB for a 36-city
season); ``last`` writes only the last guide round's files (what the report opens) and records
the others' sizes; ``auto`` (the default) is ``all`` up to 36 cities, else ``last``. The
databases and evidence are deleted at the end unless ``--keep``.

``--json``: one line per figure ``{"bench": "growth", "figure", "value", "unit", "cities",
"machine", "target"?}``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench._measure import dir_bytes, machine
from bench._season import SeasonWriter, synthetic_registry
from probes import store
from probes.app import evaluation

TARGET_TEXT = {
    key: text
    for keys, text in ((("score_round_s", "score_round_cpu_s"), "< 1 s"),
                       (("score_season_s", "score_season_cpu_s"), "< 5 s"))
    for key in keys
}  # fmt: skip


def timed(fn, repeat: int = 1) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result): the medians of ``repeat`` runs.
    On a shared machine the CPU time is the steadier figure: the wall time also counts the
    time other processes had the cores."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def measure(cities: int, rounds: int, base: Path, evidence: str, say) -> dict:
    """Write one season and measure it; return its figures."""
    where = base / f"{cities}-cities"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    db_path = where / "govprobe.db"
    registry = synthetic_registry(cities)
    mode = evidence if evidence != "auto" else ("all" if cities <= 36 else "last")
    db = store.open_db(db_path)
    writer = SeasonWriter(db, where / "evidence", registry)
    say(f"{cities} cities: writing {rounds} weeks (evidence: {mode}) ...")
    write_s, write_cpu_s, tally = timed(
        lambda: writer.season(rounds, evidence=mode, progress=lambda w: say(f"  {cities}: {w}"))
    )
    last = tally.guide_rounds[-1]

    say(f"{cities} cities: scoring ...")
    round_s, round_cpu_s, score = timed(
        lambda: evaluation.score_of(db, last, registry=registry), repeat=3
    )
    season_s, season_cpu_s, trend = timed(lambda: evaluation.score_season(db, registry=registry))
    assert len(trend) == rounds and trend[-1]["round"] == last
    report_s, report_cpu_s, _ = timed(
        lambda: evaluation.write_report(str(db_path), where / "report.html", registry=registry)
    )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db_bytes = sum(
        p.stat().st_size for p in where.glob("govprobe.db*") if p.is_file()
    )  # fmt: skip
    evidence_bytes = db.execute("SELECT ifnull(sum(size), 0) FROM evidence").fetchone()[0]
    counts = {
        t: db.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]
        for t in ("probes", "steps", "elements", "checks", "items", "item_events", "evidence")
    }
    db.close()
    scores = [t["national"]["score"] for t in trend]
    return {
        "cities": cities,
        "rounds": rounds,
        "evidence_mode": mode,
        "write_s": write_s,
        "write_cpu_s": write_cpu_s,
        "score_round_s": round_s,
        "score_round_cpu_s": round_cpu_s,
        "score_season_s": season_s,
        "score_season_cpu_s": season_cpu_s,
        "report_s": report_s,
        "report_cpu_s": report_cpu_s,
        "load_1m": round(os.getloadavg()[0], 2),
        "report_bytes": (where / "report.html").stat().st_size,
        "db_bytes": db_bytes,
        "evidence_bytes": evidence_bytes,
        "evidence_disk_bytes": dir_bytes(where / "evidence"),
        "probes": tally.probes,
        "check_rows": tally.checks,
        "items": tally.items,
        "polls": tally.polls,
        "rows": counts,
        "ranked": sum(1 for c in score["cities"] if c["rank"] is not None),
        "national_first_last": (scores[0], scores[-1]),
    }


FIGURES = (  # key, label, unit, scale
    ("write_s", "write the season (wall)", "s", 1),
    ("write_cpu_s", "write the season (CPU)", "s", 1),
    ("score_round_s", "score one round, score_of (wall)", "s", 1),
    ("score_round_cpu_s", "score one round, score_of (CPU)", "s", 1),
    ("score_season_s", "score the season, score_season (wall)", "s", 1),
    ("score_season_cpu_s", "score the season, score_season (CPU)", "s", 1),
    ("report_s", "build the HTML report, write_report (wall)", "s", 1),
    ("report_cpu_s", "build the HTML report, write_report (CPU)", "s", 1),
    ("db_bytes", "database size", "MB", 1e-6),
    ("evidence_bytes", "evidence size (recorded)", "MB", 1e-6),
    ("evidence_disk_bytes", "evidence written to disk", "MB", 1e-6),
    ("report_bytes", "report size", "MB", 1e-6),
)
PER_CITY = (
    "write_cpu_s", "score_round_cpu_s", "score_season_cpu_s", "report_cpu_s", "db_bytes",
    "evidence_bytes",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", default="36,300", help="city counts, comma-separated")
    parser.add_argument("--rounds", type=int, default=52, help="weekly guide rounds")
    parser.add_argument("--evidence", choices=("auto", "all", "last"), default="auto")
    parser.add_argument("--dir", help="where to write (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and evidence")
    parser.add_argument("--json", action="store_true", help="one JSON line per figure")
    args = parser.parse_args(argv)
    counts = sorted(int(c) for c in args.cities.split(","))

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="govprobe-growth-"))
    where = machine()
    results = []
    try:
        for n in counts:
            results.append(measure(n, args.rounds, base, args.evidence, say))
            say(json.dumps(results[-1], ensure_ascii=False))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)

    lines = []
    first = results[0]
    for r in results:
        n = r["cities"]
        for key, label, unit, scale in FIGURES:
            target = TARGET_TEXT.get(key, "")
            value = round(r[key] * scale, 3 if unit == "s" else 1)
            lines.append((key, label, value, unit, n, target))
        for key in PER_CITY:
            unit = "ms" if key.endswith("_s") else "kB"
            scale = 1e3 if unit == "ms" else 1e-3
            lines.append(
                (f"{key}_per_city", f"{key} per city", round(r[key] / n * scale, 2), unit, n, "")
            )
            if r is not first:
                ratio = (r[key] / n) / (first[key] / first["cities"])
                lines.append(
                    (f"{key}_per_city_ratio", f"{key} per city vs {first['cities']} cities",
                     round(ratio, 2), "x", n, "<= 1 (linear)"),
                )  # fmt: skip
    if args.json:
        for key, _label, value, unit, n, target in lines:
            load = next(r["load_1m"] for r in results if r["cities"] == n)
            line = {"bench": "growth", "figure": key, "value": value, "unit": unit,
                    "cities": n, "rounds": args.rounds, "machine": where,
                    "load_1m": load}  # fmt: skip
            if target:
                line["target"] = target
            print(json.dumps(line, ensure_ascii=False), flush=True)
        return 0
    for r in results:
        print(
            f"\n{r['cities']} cities x {r['rounds']} weekly rounds: {r['probes']} probes, "
            f"{r['check_rows']} check rows, {r['items']} items polled {r['polls']} times; "
            f"evidence {r['evidence_mode']}; load average {r['load_1m']}"
        )
        for _key, label, value, unit, n, target in lines:
            if n == r["cities"]:
                hint = f"   target {target}" if target else ""
                print(f"  {label:<44} {value:>12} {unit:<3}{hint}")
    print(f"\nmachine: {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
