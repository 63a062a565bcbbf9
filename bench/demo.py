"""The whole demo, timed: ``govprobe demo`` from start to report, and the figures it found.

    .venv/bin/python -m bench.demo [--concurrency 4] [--json]

Runs ``govprobe demo --out TMP`` as a user would (it starts and stops its own sandbox), then
reads the figures back with ``govprobe score --json``: the four interaction items (published:
87.50, 70.83, 83.33, 69.44), the cities opening a beauty salon fully online (published: 16), and
the wall time of each phase as the demo printed it. The target is under 5 minutes on the
project's 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOVPROBE = str(Path(sys.executable).parent / "govprobe")
PUBLISHED = {
    "consult_timeliness": 87.50,
    "consult_effectiveness": 70.83,
    "complaint_timeliness": 83.33,
    "complaint_effectiveness": 69.44,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="one JSON line per figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        started = time.monotonic()
        done = subprocess.run(
            [GOVPROBE, "demo", "--out", str(out), "--concurrency", str(args.concurrency)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        wall = time.monotonic() - started
        if done.returncode != 0:
            sys.exit(f"govprobe demo failed:\n{done.stderr[-3000:]}")
        score = json.loads(
            subprocess.run(
                [GOVPROBE, "score", "--db", str(out / "govprobe.db"), "--json"],
                capture_output=True, text=True, check=True,
            ).stdout
        )  # fmt: skip
        report_mb = (out / "report.html").stat().st_size / 1e6
    figures = [("demo wall time (s)", round(wall, 1), "< 300")]
    for line in done.stdout.splitlines():
        m = re.match(r"\[\s*(\d+) s\] (.*)", line)
        if m:
            figures.append((f"phase done: {m.group(2)[:40]}", int(m.group(1)), ""))
    for item, published in PUBLISHED.items():
        figures.append((item, score["national"]["items"][item], published))
    figures.append(
        ("beauty-salon fully online cities", score["national"]["full_online_cities"].get(
            "beauty-salon"), 16)
    )  # fmt: skip
    figures.append(("report.html size (MB)", round(report_mb, 1), ""))
    for name, value, target in figures:
        if args.json:
            print(
                json.dumps({"figure": name, "value": value, "target": target}, ensure_ascii=False)
            )
        else:
            print(f"{name:<48} {value!s:>10}  {target}")


if __name__ == "__main__":
    main()
