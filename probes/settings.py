"""Every path and default the package uses, written once.

Where the database, the scheduler's job store, the saved logins and the evaluation data
(``scenarios/``: scenarios, platforms, the city registry, the indicator system) are, the time
zone every portal and evaluator lives in, and the politeness defaults for live portals.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "scenarios"  # scenarios, cities, indicators
DEFAULT_DB = Path("results/govprobe.db")
JOBS_DB = Path("results/schedule.db")  # the scheduler's job store, beside the database
DEMO_DIR = Path("results/demo")  # where govprobe demo writes its database, evidence and report
DEFAULT_SESSIONS = Path("~/.config/govprobe/sessions").expanduser()  # saved portal logins

TIMEZONE = "Asia/Shanghai"  # the portals' and the evaluators' time (Beijing time)
CHINA = timezone(timedelta(hours=8), "CST")

CHANNELS = ("pc", "mobile")
LIVE_GAP_S = 1.0  # seconds between requests to one live portal
