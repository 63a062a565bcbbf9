"""Journeys per minute at 1, 2, 4 and 8 concurrent journeys, and where more stops helping.

    .venv/bin/python -m bench.concurrency [--levels 1,2,4,8] [--cities N] [--small-cities N]
                                          [--json]

Starts one sandbox and runs ``govprobe run --target sandbox --sandbox-url URL --concurrency C``
once per level, each a child process whose tree (Chromium included) is sampled for memory.
Levels up to 2 walk only the first ``--small-cities`` (default 9) of the sandbox's 36 cities
(a full round one journey at a time takes about half an hour); higher levels walk
``--cities`` (default all 36). The output says which. A level "helps" when it raises journeys
per minute by at least 10 % over the level before it; the first level that does not is where
more stops helping on this machine. Also prints the average CPU use of the tree (in cores).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import httpx
import psutil

from bench._measure import GIB, Figure, emit, run_measured
from probes.plan.targets import SandboxProcess

GOVPROBE = str(Path(sys.executable).parent / "govprobe")


def level(url: str, concurrency: int, cities: list[str]) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-concurrency-"))
    try:
        cmd = [GOVPROBE, "run", "--target", "sandbox", "--sandbox-url", url,
               "--db", str(tmp / "govprobe.db"), "--concurrency", str(concurrency), "--json"]  # fmt: skip
        for city in cities:
            cmd += ["--city", city]
        cpu_before = psutil.cpu_times()
        done = run_measured(cmd)
        cpu_after = psutil.cpu_times()
        if done.returncode:
            sys.exit(f"govprobe run failed: {done.stderr[-2000:]}")
        probes = json.loads(done.stdout)["probes"]
        busy = lambda t: t.user + t.system + t.nice  # noqa: E731
        return {
            "journeys": len(probes), "wall": done.wall_s, "load": done.load_before,
            "peak_pss": done.peak_pss,
            "machine_cores_busy": round((busy(cpu_after) - busy(cpu_before)) / done.wall_s, 2),
            "ok": sum(p["outcome"] in ("ok", "guide_missing") for p in probes),
        }  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,2,4,8")
    parser.add_argument("--cities", type=int, default=36, help="cities walked above level 2")
    parser.add_argument("--small-cities", type=int, default=9, help="cities walked at 1 and 2")
    parser.add_argument("--json", action="store_true", help="one JSON line per figure")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    figures: list[Figure] = []
    results = {}
    with SandboxProcess() as sandbox:
        names = [c["name"] for c in httpx.get(f"{sandbox.url}/__sandbox/cities").json()]
        for c in levels:
            n = args.small_cities if c <= 2 else args.cities
            chosen = names[:n] if n < len(names) else []
            r = level(sandbox.url, c, chosen)
            r["cities"] = n
            results[c] = r
            rate = round(r["journeys"] / r["wall"] * 60, 1)
            r["rate"] = rate
            print(f"# c={c}: {r['journeys']} journeys in {r['wall']:.0f} s = {rate}/min "
                  f"(load {r['load']})", file=sys.stderr, flush=True)  # fmt: skip
            figures.append(Figure(
                f"journeys/min at concurrency {c}", rate, "/min", load_1m=r["load"],
                extra={"concurrency": c, "cities": n, "journeys": r["journeys"],
                       "wall_s": round(r["wall"], 1), "peak_pss_gib": round(r["peak_pss"] / GIB, 2),
                       "machine_cores_busy": r["machine_cores_busy"], "ok_or_missing": r["ok"]},
            ))  # fmt: skip
    stops = None
    for before, after in zip(levels, levels[1:], strict=False):
        if results[after]["rate"] < 1.10 * results[before]["rate"]:
            stops = after
            break
    figures.append(
        Figure("more stops helping at concurrency", stops if stops else f"> {levels[-1]}")
    )
    if not args.json:
        for c in levels:
            r = results[c]
            print(f"c={c}: {r['cities']} cities, {r['journeys']} journeys, {r['wall']:.0f} s, "
                  f"peak PSS {r['peak_pss'] / GIB:.2f} GiB, machine busy {r['machine_cores_busy']}"
                  f" cores, {r['ok']} ok/missing")  # fmt: skip
    emit("concurrency", figures, args.json, load=max(r["load"] for r in results.values()))


if __name__ == "__main__":
    main()
