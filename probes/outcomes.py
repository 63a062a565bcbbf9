"""How a probe ends. Every probe ends in exactly one outcome, with a reason.

    outcome
    ├── ok                  the guide was found and captured
    ├── guide_missing       searched (name and aliases) and navigated by category: not there
    ├── portal_unreachable  DNS failure, refused or reset connection: the portal is not there
    ├── portal_error        the portal answered with an error (5xx, an error or maintenance page)
    ├── blocked             a firewall we could not pass, a captcha, a login wall, an expired
    │                       session (reason ``login_expired``)
    ├── timeout             the portal did not answer within the bound
    └── probe_error         our own failure (a script error, a bug): never counted against a city

``ok`` and ``guide_missing`` are findings about the city. ``portal_unreachable``,
``portal_error`` and ``timeout`` are findings about the portal that are retried and confirmed
before they count (they are *transient*). ``blocked`` needs a person. ``probe_error`` is ours.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    OK = "ok"
    GUIDE_MISSING = "guide_missing"
    PORTAL_UNREACHABLE = "portal_unreachable"
    PORTAL_ERROR = "portal_error"
    BLOCKED = "blocked"
    TIMEOUT = "timeout"
    PROBE_ERROR = "probe_error"


TRANSIENT = frozenset({Outcome.PORTAL_UNREACHABLE, Outcome.PORTAL_ERROR, Outcome.TIMEOUT})


# Outcomes that say something about the city and may be scored.
SCORABLE = frozenset({Outcome.OK, Outcome.GUIDE_MISSING, *TRANSIENT, Outcome.BLOCKED})


LABELS_ZH = {
    Outcome.OK: "正常获取",
    Outcome.GUIDE_MISSING: "未找到办事指南",
    Outcome.PORTAL_UNREACHABLE: "门户无法访问",
    Outcome.PORTAL_ERROR: "门户报错",
    Outcome.BLOCKED: "被拦截",
    Outcome.TIMEOUT: "访问超时",
    Outcome.PROBE_ERROR: "探测程序错误",
}

IDS = frozenset(o.value for o in Outcome)


def outcome_name(outcome: str | None) -> str:
    """The Chinese label of an outcome id; any other text as it is."""
    return LABELS_ZH[Outcome(outcome)] if outcome in IDS else (outcome or "")
