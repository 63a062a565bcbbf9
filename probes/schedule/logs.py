"""The scheduler's log lines: plain text (the default), or one JSON object per line
(``--log-format json``) for a log collector.

A JSON line has ``time`` (ISO 8601 with its offset, Beijing time), ``level``, ``event`` (what
happened: ``scheduler_started``, ``job_started``, ``job_finished``, ``job_failed``,
``job_skipped``, ``job_missed``, ``command``, ``stopping``, ``scheduler_stopped``, ...; ``log``
for a line of APScheduler's or a library's own), ``job`` and ``round`` (null when none),
``message`` (the plain line's words), ``logger``, and ``exc_info`` for a traceback. Our log
calls pass ``event``, ``job`` and ``round`` as ``extra``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

from probes.settings import CHINA

LogFormat = Literal["plain", "json"]


PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class SchedulerJsonFormatter(JsonFormatter):
    """python-json-logger's formatter, with exactly the fields above, in that order."""

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, CHINA).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["event"] = getattr(record, "event", None) or "log"
        log_data["job"] = getattr(record, "job", None)
        log_data["round"] = getattr(record, "round", None)
        log_data["message"] = record.message
        log_data["logger"] = record.name
        if message_dict.get("exc_info"):
            log_data["exc_info"] = message_dict["exc_info"]


def configure_logging(log_format: LogFormat = "plain") -> None:
    """Send the process's log lines to stderr, at INFO, in ``log_format``."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(SchedulerJsonFormatter(json_ensure_ascii=False))
    else:
        handler.setFormatter(logging.Formatter(PLAIN, datefmt="%Y-%m-%dT%H:%M:%S%z"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
