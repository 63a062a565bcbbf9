"""Every path and default the package uses, written once.

Where the database, the scheduler's job store, the saved logins and the shipped evaluation data
(``scenarios/``: scenarios, platforms, the city registry, the indicator system) are, the time
zone every portal and evaluator lives in, and the politeness defaults for live portals. An
evaluation folder of a team's own (``--data``) is laid over the shipped data by
``probes.plan.datafiles``.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from pathlib import Path

# The shipped data (scenarios, cities, indicators): the repository's scenarios/ folder, which a
# wheel carries inside the package as probes/data/ (setup.py copies it there at build time).
_PACKAGE = Path(__file__).resolve().parent
DATA_DIR = _PACKAGE / "data" if (_PACKAGE / "data").is_dir() else _PACKAGE.parent / "scenarios"
DEFAULT_DB = Path("results/govprobe.db")
JOBS_DB = Path("results/schedule.db")  # the scheduler's job store, beside the database
DEMO_DIR = Path("results/demo")  # where govprobe demo writes its database, evidence and report
DEFAULT_SESSIONS = Path("~/.config/govprobe/sessions").expanduser()  # saved portal logins

TIMEZONE = "Asia/Shanghai"  # the portals' and the evaluators' time (Beijing time)
CHINA = timezone(timedelta(hours=8), "CST")

CHANNELS = ("pc", "mobile")
LIVE_GAP_S = 1.0  # seconds between requests to one live portal

SCHEDULER_WAKEUP_S = 1.0  # seconds between the running scheduler's looks at its command table

SCHEDULER_COMMAND_TIMEOUT_S = 15.0  # how long a schedule command waits for the scheduler's answer
