"""JavaScript run inside portal pages by the generic journey.

Each script marks what it found with a ``data-govprobe-*`` attribute, so that the journey then
acts on it through Playwright locators (trusted clicks, auto-waiting) rather than from inside
the page. Heuristics live here once; ``probes/walk/guide.py`` only decides what to do with them.

Each script is a file of its own, ``js/<name>.js`` beside this module (package data), opening
with a comment that says what it does and what it returns; the constant of the same name in
upper case holds its text, read once at import, so a missing file fails here, naming it. The
comment is sent along: ``page.evaluate`` takes the text as it is, a function expression that
the browser evaluates and then calls.
"""

from __future__ import annotations

from importlib.resources import files

_FOLDER = files("probes.walk") / "js"


def _read(name: str) -> str:
    """The text of ``js/<name>.js``; FileNotFoundError, naming the file, when it is not there."""
    return (_FOLDER / f"{name}.js").read_text(encoding="utf-8")


# walking a portal to a guide and reading it
MARK_OVERLAYS = _read("mark_overlays")
MARK_SEARCH = _read("mark_search")
MARK_NEXT_PAGE = _read("mark_next_page")
SCROLL_LISTS = _read("scroll_lists")
LIST_LINKS = _read("list_links")
MARK_EXPANDERS = _read("mark_expanders")
MARK_SUBPAGES = _read("mark_subpages")
ONLINE_APPLY = _read("online_apply")
BODY_SNAPSHOT = _read("body_snapshot")
SNAPSHOT_IF_NEW = _read("snapshot_if_new")

# how a journey knows a page has settled
PENDING_TIMERS = _read("pending_timers")
SETTLE_STATE = _read("settle_state")

# writing a consultation (its replies are read from the stored pages: probes/judge/replies.py)
DESCRIBE_FORM = _read("describe_form")
FORM_ERRORS = _read("form_errors")
LIST_OPTIONS = _read("list_options")
FORM_VALIDITY = _read("form_validity")
MARK_LOGIN_TAB = _read("mark_login_tab")
