"""How failures met while walking become outcomes: a probe never blames a city for its own bug."""

from __future__ import annotations

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from probes.net.signs import PortalFailure, classify_error
from probes.outcomes import SCORABLE, Outcome


@pytest.mark.parametrize(
    ("exc", "outcome", "reason"),
    [
        (PlaywrightError("page.goto: net::ERR_CONNECTION_REFUSED at http://x/"), Outcome.PORTAL_UNREACHABLE, "ERR_CONNECTION_REFUSED"),
        (PlaywrightError("page.goto: net::ERR_NAME_NOT_RESOLVED at https://x/"), Outcome.PORTAL_UNREACHABLE, "ERR_NAME_NOT_RESOLVED"),
        (PlaywrightError("page.goto: net::ERR_EMPTY_RESPONSE at http://x/"), Outcome.PORTAL_UNREACHABLE, "ERR_EMPTY_RESPONSE"),
        (PlaywrightError("page.goto: net::ERR_TIMED_OUT at http://x/"), Outcome.TIMEOUT, "ERR_TIMED_OUT"),
        (PlaywrightError("page.goto: net::ERR_CERT_DATE_INVALID at https://x/"), Outcome.PORTAL_ERROR, "ERR_CERT_DATE_INVALID"),
        (PlaywrightTimeout("Timeout 20000ms exceeded."), Outcome.TIMEOUT, "20000ms"),
        (PortalFailure(Outcome.BLOCKED, "firewall: HTTP 521"), Outcome.BLOCKED, "HTTP 521"),
        (KeyError("selector"), Outcome.PROBE_ERROR, "KeyError"),
        (PlaywrightError("locator.click: Element is not attached to the DOM"), Outcome.PROBE_ERROR, "not attached"),
    ],
)  # fmt: skip
def test_a_failure_is_classified_with_its_reason(exc, outcome, reason):
    got, why = classify_error(exc)
    assert got == outcome
    assert reason in why


def test_our_own_failure_is_never_scored_against_a_city():
    assert Outcome.PROBE_ERROR not in SCORABLE
