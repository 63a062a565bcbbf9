"""Storage: the SQLite schema and every write govprobe makes.

In the data flow (see the README's architecture section) this is the *store the evidence* step,
and the place that judgement, rejudging, consultations and health checks write to.  Nothing else
writes to the database.

- One database file (``results/govprobe.db`` by default), WAL mode, foreign keys on, a busy
  timeout, so that a report can read while a scheduled run writes and two runs never lose rows.
- The schema is built by an ordered list of named migrations (``MIGRATIONS``); each applied name
  is recorded in ``_migrations`` and ``PRAGMA user_version`` counts them.
- Every table and column is described in ``_meta`` (``table_name``, ``column_name``,
  ``description``; ``column_name`` is ``''`` for the table itself) so that a datasette user can
  read what each field means.
- Every write that touches more than one row runs in one ``BEGIN IMMEDIATE`` transaction: a run
  killed at any moment leaves a probe either whole or absent, never half-written.
- Evidence files live in an ``EvidenceStore`` (content-addressed by sha256); the database holds
  their hashes, so ``verify_evidence`` can prove every file is the one that was judged, and
  ``read_evidence`` refuses a file that no longer matches, so last month's captures can be
  judged again with today's rules (``probes/judging.py``) with no browser.

Rows come back as plain dicts (the storage edge); JSON columns are decoded on the way out.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from probes.evidence import EvidenceRef, EvidenceStore
from probes.model import ProbeResult

DEFAULT_PATH = Path("results/govprobe.db")
BUSY_TIMEOUT_MS = 30_000

ROUND_KINDS = frozenset({"guides", "consult", "check", "demo"})
ROUND_TARGETS = frozenset({"sandbox", "live", "portal"})
ROUND_STATUSES = frozenset({"running", "finished", "interrupted"})
EVIDENCE_KINDS = frozenset({"screenshot", "guide_html", "guide_screenshot", "data", "trail"})
ITEM_KINDS = frozenset({"consult", "complaint"})
ITEM_STATES = frozenset({"intent", "submitted", "unknown", "replied", "closed"})
# States of an item that may still get a reply and should be polled.
OPEN_ITEM_STATES = ("intent", "submitted", "unknown")
LABEL_FIELDS = frozenset({"effectiveness", "timeliness"})


class StoreError(Exception):
    """A write the store refuses: an unknown round or item, a value outside its set."""


class EvidenceError(StoreError):
    """An evidence file that is missing or no longer matches the hash its row carries."""


def now_iso() -> str:
    """The current time, ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------
# Schema


@dataclass(frozen=True)
class Column:
    name: str
    decl: str  # SQL type and constraints
    doc: str


@dataclass(frozen=True)
class TableDef:
    name: str
    doc: str
    columns: tuple[Column, ...]
    constraints: tuple[str, ...] = ()  # table constraints: PRIMARY KEY (...), FOREIGN KEY ...
    indexes: tuple[str, ...] = ()  # whole CREATE INDEX statements

    def create_sql(self) -> str:
        parts = [f"[{c.name}] {c.decl}".rstrip() for c in self.columns] + list(self.constraints)
        return f"CREATE TABLE [{self.name}] (\n  " + ",\n  ".join(parts) + "\n)"


def _t(name: str, doc: str, *columns: tuple[str, str, str], constraints=(), indexes=()):
    return TableDef(
        name, doc, tuple(Column(*c) for c in columns), tuple(constraints), tuple(indexes)
    )


_META = _t(
    "_meta",
    "What every table and column means (column_name '' describes the table).",
    ("table_name", "TEXT NOT NULL", "the table described"),
    ("column_name", "TEXT NOT NULL", "the column described, '' for the table itself"),
    ("description", "TEXT NOT NULL", "what it holds, in plain words"),
    constraints=("PRIMARY KEY (table_name, column_name)",),
)

_MIGRATIONS_TABLE = _t(
    "_migrations",
    "Schema migrations applied to this database, in order.",
    ("name", "TEXT PRIMARY KEY", "the migration's name"),
    ("applied_at", "TEXT NOT NULL", "when it was applied (ISO 8601, UTC)"),
)

_FK_PROBE = "REFERENCES probes(id) ON DELETE CASCADE"

_INITIAL_TABLES: tuple[TableDef, ...] = (
    _t(
        "rounds",
        "One run of the service: a guide round, a consultation round, a health check or a demo.",
        ("id", "TEXT PRIMARY KEY", "round id, e.g. R20261129-0440-ab12 (UTC start + random)"),
        ("kind", "TEXT NOT NULL", "guides | consult | check | demo"),
        ("target", "TEXT NOT NULL", "sandbox | live | portal (a bare portal url)"),
        ("params", "TEXT NOT NULL DEFAULT '{}'", "the round's parameters (JSON)"),
        ("started_at", "TEXT NOT NULL", "when the round started (ISO 8601, UTC)"),
        ("finished_at", "TEXT", "when it ended; empty while running or after a kill"),
        ("status", "TEXT NOT NULL", "running | finished | interrupted"),
    ),
    _t(
        "probes",
        "One journey: a city's portal walked for one matter of a scenario on one channel.",
        ("id", "INTEGER PRIMARY KEY", "probe id"),
        ("round_id", "TEXT NOT NULL REFERENCES rounds(id)", "the round it belongs to"),
        ("city", "TEXT", "city id; empty when a bare portal url was probed"),
        ("scenario", "TEXT NOT NULL", "scenario id, e.g. beauty-salon"),
        ("matter", "TEXT NOT NULL", "the matter (事项) looked for"),
        ("channel", "TEXT NOT NULL", "pc | mobile"),
        ("portal_url", "TEXT NOT NULL", "where the journey started"),
        ("outcome", "TEXT NOT NULL", "how it ended: ok, guide_missing, blocked, ... (outcomes.py)"),
        ("reason", "TEXT NOT NULL DEFAULT ''", "why it ended so, in words"),
        ("guide_url", "TEXT", "the url of the guide found, when one was"),
        ("found_by", "TEXT", "search | navigation | direct"),
        ("query", "TEXT", "the search words that found the guide"),
        ("rank", "INTEGER", "1-based rank of the chosen search result"),
        ("steps", "INTEGER NOT NULL DEFAULT 0", "number of steps the journey took"),
        ("seconds", "REAL NOT NULL", "how long the journey took"),
        ("attempt", "INTEGER NOT NULL DEFAULT 1", "1 for the first try, 2.. for retries"),
        ("flaky", "INTEGER NOT NULL DEFAULT 0", "1 when retries disagreed (boolean)"),
        (
            "extra",
            "TEXT NOT NULL DEFAULT '{}'",
            "small facts worth keeping: status codes, ... (JSON)",
        ),
        ("started_at", "TEXT NOT NULL", "when the journey started (ISO 8601, UTC)"),
        ("finished_at", "TEXT NOT NULL", "when it ended (start + seconds)"),
        ("created_at", "TEXT NOT NULL", "when this row was written"),
        indexes=(
            # ifnull: SQLite treats NULLs as distinct in UNIQUE, and a bare portal has no city.
            "CREATE UNIQUE INDEX probes_key ON probes"
            " (round_id, ifnull(city, ''), scenario, matter, channel, attempt)",
        ),
    ),
    _t(
        "steps",
        "The steps of a journey, in order, as a user would have taken them.",
        ("id", "INTEGER PRIMARY KEY", "row id"),
        ("probe_id", f"INTEGER NOT NULL {_FK_PROBE}", "the probe"),
        ("seq", "INTEGER NOT NULL", "position in the journey, from 1"),
        ("action", "TEXT NOT NULL", "goto, dismiss_overlay, search, pick_result, capture, ..."),
        ("matched", "TEXT NOT NULL DEFAULT ''", "what the action matched: selector, label, title"),
        ("url", "TEXT NOT NULL DEFAULT ''", "the page's url after the action"),
        ("duration_ms", "INTEGER NOT NULL", "how long the action took"),
        ("screenshot_sha256", "TEXT REFERENCES evidence(sha256)", "screenshot after the action"),
        ("note", "TEXT NOT NULL DEFAULT ''", "anything the journey noted"),
        indexes=("CREATE INDEX steps_probe ON steps (probe_id, seq)",),
    ),
    _t(
        "evidence",
        "Evidence files, content-addressed: one row per distinct file under the evidence root.",
        ("sha256", "TEXT PRIMARY KEY", "sha256 of the file's bytes (its name)"),
        ("relpath", "TEXT NOT NULL", "path relative to the evidence root"),
        ("size", "INTEGER NOT NULL", "bytes"),
        ("media_type", "TEXT NOT NULL", "image/png, text/html, application/json, ..."),
        ("first_seen", "TEXT NOT NULL", "when a probe first stored it"),
    ),
    _t(
        "probe_evidence",
        "Which evidence files belong to which probe, and as what.",
        ("probe_id", f"INTEGER NOT NULL {_FK_PROBE}", "the probe"),
        ("kind", "TEXT NOT NULL", "screenshot | guide_html | guide_screenshot | data | trail"),
        ("sha256", "TEXT NOT NULL REFERENCES evidence(sha256)", "the file"),
        constraints=("PRIMARY KEY (probe_id, kind, sha256)",),
        indexes=("CREATE INDEX probe_evidence_sha256 ON probe_evidence (sha256)",),
    ),
    _t(
        "captures",
        "The evidence of a found guide, enough to judge it again without a browser.",
        ("probe_id", f"INTEGER PRIMARY KEY {_FK_PROBE}", "the probe"),
        ("url", "TEXT NOT NULL", "the guide's url"),
        ("title", "TEXT NOT NULL DEFAULT ''", "the guide page's title"),
        ("html_sha256", "TEXT NOT NULL REFERENCES evidence(sha256)", "the guide's DOM (HTML)"),
        ("screenshot_sha256", "TEXT REFERENCES evidence(sha256)", "the guide, full page"),
        ("data_sha256", "TEXT REFERENCES evidence(sha256)", "JSON the page loaded for itself"),
        ("url_trail", "TEXT NOT NULL DEFAULT '[]'", "urls visited on the way (JSON list)"),
        ("candidates", "TEXT NOT NULL DEFAULT '[]'", "search result titles seen (JSON list)"),
        ("online_apply_url", "TEXT", "where an online-apply entry led, when found"),
    ),
    _t(
        "elements",
        "Judgement: each guide element (办事指南要素) and what the guide says for it.",
        ("probe_id", f"INTEGER NOT NULL {_FK_PROBE}", "the probe"),
        ("element", "TEXT NOT NULL", "canonical element name, e.g. 法定办结时限"),
        ("value", "TEXT", "the value shown; empty when the label was not there"),
        ("present", "INTEGER NOT NULL", "1 when the element was shown with a real value (boolean)"),
        ("empty", "INTEGER NOT NULL", "1 when the label had no real value: 暂无, 无, blank"),
        constraints=("PRIMARY KEY (probe_id, element)",),
    ),
    _t(
        "materials",
        "Judgement: the application materials (申请材料) the guide lists.",
        ("probe_id", f"INTEGER NOT NULL {_FK_PROBE}", "the probe"),
        ("seq", "INTEGER NOT NULL", "position in the list, from 1"),
        ("name", "TEXT NOT NULL", "material name"),
        ("media", "TEXT", "纸质 / 电子 / both"),
        ("copies", "TEXT", "number of copies, as written"),
        ("source", "TEXT", "where the applicant gets it"),
        ("required", "TEXT", "必要 / 非必要 / 容缺后补, as written"),
        ("form_url", "TEXT", "blank form download"),
        ("sample_url", "TEXT", "filled-in sample download"),
        constraints=("PRIMARY KEY (probe_id, seq)",),
    ),
    _t(
        "links",
        "Judgement: form and sample links of the guide, and whether they work.",
        ("probe_id", f"INTEGER NOT NULL {_FK_PROBE}", "the probe"),
        ("url", "TEXT NOT NULL", "the link"),
        ("kind", "TEXT NOT NULL", "form | sample"),
        ("status", "TEXT", "HTTP status or error class seen when checked"),
        ("checked_at", "TEXT", "when it was checked"),
        indexes=("CREATE INDEX links_probe ON links (probe_id)",),
    ),
    _t(
        "findings",
        "Judgement: problems found in a guide, each with a code an evaluator can look up.",
        ("probe_id", f"INTEGER NOT NULL {_FK_PROBE}", "the probe"),
        ("code", "TEXT NOT NULL", "finding code, e.g. element_empty, link_broken"),
        ("element", "TEXT", "the element concerned, when one is"),
        ("detail", "TEXT NOT NULL DEFAULT ''", "what exactly was seen"),
        indexes=("CREATE INDEX findings_probe ON findings (probe_id)",),
    ),
    _t(
        "judgements",
        "Judgement summary of a probe's guide: completeness and the rules that judged it.",
        ("probe_id", f"INTEGER PRIMARY KEY {_FK_PROBE}", "the probe"),
        ("completeness", "REAL NOT NULL", "share of required elements present with a value, 0..1"),
        ("required", "TEXT NOT NULL", "elements required for this matter (JSON list)"),
        ("missing", "TEXT NOT NULL", "required elements missing or empty (JSON list)"),
        ("judged_at", "TEXT NOT NULL", "when it was judged"),
        ("rules_version", "TEXT NOT NULL", "version of the judging rules used"),
    ),
    _t(
        "items",
        "Consultations and complaints sent to a portal, and what became of them.",
        ("id", "INTEGER PRIMARY KEY", "item id"),
        ("city", "TEXT", "city id"),
        ("scenario", "TEXT NOT NULL", "scenario id"),
        ("kind", "TEXT NOT NULL", "consult | complaint"),
        ("matter", "TEXT", "the matter asked about"),
        ("portal_url", "TEXT", "where it was submitted"),
        ("state", "TEXT NOT NULL", "intent | submitted | unknown | replied | closed"),
        ("intent_at", "TEXT NOT NULL", "when we decided to send it (before any click)"),
        ("submitted_at", "TEXT", "submission time as the portal shows it"),
        ("ticket", "TEXT", "the portal's ticket or query code"),
        ("title", "TEXT NOT NULL DEFAULT ''", "title sent"),
        ("content", "TEXT NOT NULL DEFAULT ''", "text sent"),
        ("status_text", "TEXT", "the portal's own status words, e.g. 待回复 / 已回复"),
        ("replied_at", "TEXT", "reply time as the portal shows it"),
        ("reply_text", "TEXT", "the reply"),
        ("reply_seen_at", "TEXT", "when we first saw the reply"),
        ("poll_interval_s", "INTEGER", "how often to look for a reply"),
        ("working_days", "REAL", "working days from submission to reply"),
        ("timeliness", "TEXT", "on_time | late | no_reply"),
        ("effectiveness", "TEXT", "solved | partly | not"),
        ("effectiveness_source", "TEXT", "auto | evaluator"),
        ("dry_run", "INTEGER NOT NULL DEFAULT 0", "1 when filled in but never sent (boolean)"),
        ("round_id", "TEXT REFERENCES rounds(id)", "the round that created it"),
        indexes=(
            "CREATE UNIQUE INDEX items_key ON items"
            " (ifnull(city, ''), scenario, kind, ifnull(round_id, ''))",
        ),
    ),
    _t(
        "item_events",
        "What happened to an item, in order: intent, submitted, polled, replied, labelled, ...",
        ("id", "INTEGER PRIMARY KEY", "row id"),
        ("item_id", "INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE", "the item"),
        ("at", "TEXT NOT NULL", "when"),
        ("event", "TEXT NOT NULL", "what happened"),
        ("detail", "TEXT NOT NULL DEFAULT '{}'", "details (JSON)"),
        indexes=("CREATE INDEX item_events_item ON item_events (item_id, id)",),
    ),
    _t(
        "labels",
        "Audit trail of evaluators' corrections: every change with its old and new value.",
        ("id", "INTEGER PRIMARY KEY", "row id"),
        ("item_id", "INTEGER REFERENCES items(id)", "the item changed, when it is an item"),
        ("subject", "TEXT", "what else was changed, e.g. probe:12"),
        ("field", "TEXT NOT NULL", "the field changed"),
        ("old", "TEXT", "value before"),
        ("new", "TEXT", "value after"),
        ("by", "TEXT NOT NULL", "who changed it"),
        ("at", "TEXT NOT NULL", "when"),
        ("note", "TEXT NOT NULL DEFAULT ''", "why"),
    ),
    _t(
        "checks",
        "Health checks of portals over HTTP: availability, speed, what kind of failure.",
        ("id", "INTEGER PRIMARY KEY", "row id"),
        ("round_id", "TEXT REFERENCES rounds(id)", "the round"),
        ("city", "TEXT", "city id"),
        ("channel", "TEXT", "pc | mobile"),
        ("url", "TEXT NOT NULL", "the url checked"),
        ("kind", "TEXT NOT NULL", "what was checked: home, search, https, ..."),
        ("status", "INTEGER", "HTTP status, when there was one"),
        ("classification", "TEXT", "ok or an outcome: portal_unreachable, timeout, ..."),
        ("ttfb_ms", "REAL", "time to first byte"),
        ("total_ms", "REAL", "total time"),
        ("detail", "TEXT NOT NULL DEFAULT '{}'", "headers, error text, ... (JSON)"),
        ("at", "TEXT NOT NULL", "when"),
    ),
)


def create_tables(db: sqlite_utils.Database, tables: Iterable[TableDef]) -> None:
    """Create tables with their indexes and describe them in ``_meta`` (for migrations)."""
    for table in tables:
        db.execute(table.create_sql())
        for index in table.indexes:
            db.execute(index)
        rows = [(table.name, "", table.doc)] + [(table.name, c.name, c.doc) for c in table.columns]
        db.conn.executemany(
            "INSERT OR REPLACE INTO _meta (table_name, column_name, description) VALUES (?, ?, ?)",
            rows,
        )


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[sqlite_utils.Database], None]


def _m0001_initial(db: sqlite_utils.Database) -> None:
    create_tables(db, _INITIAL_TABLES)


# Columns added to ``items`` by 0002: how a submission went, where its list is, how its reply
# time was known.
_ITEM_COLUMNS_0002: tuple[tuple[str, str, str], ...] = (
    ("list_url", "TEXT", "the 我的咨询 / 我的投诉 page where its status and reply are read"),
    ("rating_entry", "INTEGER", "1 when the portal offers a 好差评 rating entry (boolean)"),
    ("outcome", "TEXT", "how the last submission attempt ended: ok, blocked, probe_error, ..."),
    ("reason", "TEXT", "why it ended so, in words (blocked: login_expired, captcha, ...)"),
    ("replied_at_source", "TEXT", "portal (shown by the portal) | first_seen (when we saw it)"),
    ("reply_uncertainty_s", "INTEGER", "first_seen: the reply came up to this long before"),
)

_TABLES_0002: tuple[TableDef, ...] = (
    _t(
        "item_evidence",
        "Evidence of a consultation or complaint: the filled form, the receipt, each list read.",
        ("item_id", "INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE", "the item"),
        ("kind", "TEXT NOT NULL", "form | receipt | list | list_html | detail_html"),
        ("sha256", "TEXT NOT NULL REFERENCES evidence(sha256)", "the file"),
        ("at", "TEXT NOT NULL", "when it was taken"),
        constraints=("PRIMARY KEY (item_id, kind, sha256)",),
    ),
)


def _m0002_item_journeys(db: sqlite_utils.Database) -> None:
    for name, sql_type, doc in _ITEM_COLUMNS_0002:
        db.execute(f"ALTER TABLE items ADD COLUMN [{name}] {sql_type}")
        db.execute(
            "INSERT OR REPLACE INTO _meta (table_name, column_name, description) VALUES (?, ?, ?)",
            ["items", name, doc],
        )
    create_tables(db, _TABLES_0002)


_TABLES_0003: tuple[TableDef, ...] = (
    _t(
        "offline_imports",
        "Offline (service hall) results handed in by evaluators; the file itself is evidence.",
        ("id", "INTEGER PRIMARY KEY", "import id"),
        ("source", "TEXT NOT NULL", "the file's name as imported"),
        ("sha256", "TEXT NOT NULL REFERENCES evidence(sha256)", "the file, kept as imported"),
        ("suffix", "TEXT NOT NULL", ".csv or .xlsx: how to read it again"),
        ("sample", "INTEGER NOT NULL", "1 when the file says it is sample data (boolean)"),
        ("cities", "INTEGER NOT NULL", "how many cities it scores"),
        ("imported_at", "TEXT NOT NULL", "when"),
        ("imported_by", "TEXT NOT NULL DEFAULT ''", "who imported it"),
    ),
)


def _m0003_offline(db: sqlite_utils.Database) -> None:
    create_tables(db, _TABLES_0003)


_TABLES_0004: tuple[TableDef, ...] = (
    _t(
        "overrides",
        "Evaluators' corrections of a machine judgement of a probe: an element present or"
        " absent, an outcome. Scores read the active ones; every change is also in `labels`.",
        ("id", "INTEGER PRIMARY KEY", "override id"),
        ("probe_id", f"INTEGER NOT NULL {_FK_PROBE}", "the probe corrected"),
        ("field", "TEXT NOT NULL", "outcome | element"),
        ("element", "TEXT", "the element corrected (field element), e.g. 承诺办结时限"),
        ("machine", "TEXT", "what the machine said: an outcome, or 1/0 for present/absent"),
        ("value", "TEXT NOT NULL", "what the evaluator says instead (same encoding)"),
        ("by", "TEXT NOT NULL", "the evaluator who made it"),
        ("at", "TEXT NOT NULL", "when (ISO 8601, UTC)"),
        ("note", "TEXT NOT NULL", "why: the evaluator's reason, never empty"),
        ("confirmed_by", "TEXT", "the second evaluator who confirmed it, when one has"),
        ("confirmed_at", "TEXT", "when it was confirmed"),
        ("withdrawn_by", "TEXT", "who withdrew it (or superseded it by a newer override)"),
        ("withdrawn_at", "TEXT", "when; an override withdrawn no longer counts"),
        indexes=(
            "CREATE INDEX overrides_probe ON overrides (probe_id)",
            # one active override per probe, field and element
            "CREATE UNIQUE INDEX overrides_active ON overrides"
            " (probe_id, field, ifnull(element, '')) WHERE withdrawn_at IS NULL",
        ),
    ),
)

# Views for the questions people ask of the database by hand (datasette, sqlite3).
_VIEWS_0004: tuple[tuple[str, str, str], ...] = (
    (
        "round_outcomes",
        "How the probes of each round ended: one row per round, city, channel and outcome.",
        "SELECT p.round_id, p.city, p.channel, p.outcome, count(*) AS probes,"
        " sum(p.flaky) AS flaky FROM probes p GROUP BY p.round_id, p.city, p.channel, p.outcome",
    ),
    (
        "guide_completeness",
        "Each probe that found a guide: its completeness and the required elements it misses.",
        "SELECT p.round_id, p.id AS probe_id, p.city, p.scenario, p.matter, p.channel,"
        " p.guide_url, j.completeness, j.missing FROM probes p"
        " JOIN judgements j ON j.probe_id = p.id",
    ),
    (
        "threads",
        "Consultations and complaints: when sent, when answered, how they were judged.",
        "SELECT i.round_id, i.id AS item_id, i.city, i.scenario, i.kind, i.state, i.ticket,"
        " i.submitted_at, i.replied_at, i.working_days, i.timeliness, i.effectiveness,"
        " i.effectiveness_source, i.outcome, i.reason FROM items i WHERE NOT i.dry_run",
    ),
    (
        "evaluator_changes",
        "Every change an evaluator made (the audit log), with the city it concerns.",
        "SELECT l.id, l.at, l.by, l.field, l.old, l.new, l.note, l.subject, l.item_id,"
        " coalesce(i.city, p.city) AS city, coalesce(i.round_id, p.round_id) AS round_id"
        " FROM labels l LEFT JOIN items i ON i.id = l.item_id"
        " LEFT JOIN probes p ON l.subject LIKE 'probe:%'"
        " AND p.id = CAST(substr(l.subject, 7) AS INTEGER)",
    ),
    (
        "active_overrides",
        "Overrides that count now, with the probe they correct and whether a second evaluator"
        " confirmed them.",
        "SELECT o.*, p.round_id, p.city, p.scenario, p.matter, p.channel FROM overrides o"
        " JOIN probes p ON p.id = o.probe_id WHERE o.withdrawn_at IS NULL",
    ),
)


def _m0004_overrides(db: sqlite_utils.Database) -> None:
    create_tables(db, _TABLES_0004)
    for name, doc, sql in _VIEWS_0004:
        db.execute(f"CREATE VIEW [{name}] AS {sql}")
        db.execute(
            "INSERT OR REPLACE INTO _meta (table_name, column_name, description) VALUES (?, ?, ?)",
            [name, "", doc],
        )


# Indexes for reading a season back (bench/growth.py): a round's health checks (a year of daily
# check rounds is ~2M rows on 300 portals) and a round's consultation items.
_INDEXES_0005: tuple[str, ...] = (
    "CREATE INDEX checks_round ON checks (round_id, kind)",
    "CREATE INDEX items_round ON items (round_id)",
)


def _m0005_indexes(db: sqlite_utils.Database) -> None:
    for sql in _INDEXES_0005:
        db.execute(sql)


# Append only: never reorder, rename or edit a migration that has shipped.
MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_initial", _m0001_initial),
    Migration("0002_item_journeys", _m0002_item_journeys),
    Migration("0003_offline", _m0003_offline),
    Migration("0004_overrides", _m0004_overrides),
    Migration("0005_indexes", _m0005_indexes),
)


def check_migrations(migrations: Sequence[Migration]) -> None:
    """Refuse a migration list in which a name appears twice."""
    seen: set[str] = set()
    for migration in migrations:
        if migration.name in seen:
            raise ValueError(f"duplicate migration name: {migration.name!r}")
        seen.add(migration.name)


check_migrations(MIGRATIONS)


def migrate(db: sqlite_utils.Database, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Apply the pending migrations, in order, in one transaction; return the names applied."""
    check_migrations(migrations)
    known = [m.name for m in migrations]
    with transaction(db):
        for table in (_META, _MIGRATIONS_TABLE):
            if not db[table.name].exists():
                create_tables(db, [table])
        applied = [r["name"] for r in db.query("SELECT name FROM _migrations ORDER BY rowid")]
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise StoreError(f"database has migrations this code does not know: {unknown}")
        if applied != known[: len(applied)]:
            raise StoreError(f"database migrations {applied} are not a prefix of {known}")
        done = []
        for migration in migrations[len(applied) :]:
            migration.apply(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [migration.name, now_iso()],
            )
            done.append(migration.name)
        db.execute(f"PRAGMA user_version = {len(known)}")
    return done


def schema_version(db: sqlite_utils.Database) -> int:
    """How many migrations this database has had (``PRAGMA user_version``)."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def applied_migrations(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations applied to this database, in the order they were applied."""
    return [r["name"] for r in db.query("SELECT name FROM _migrations ORDER BY rowid")]


def open_db(
    path: str | Path | None = None,
    *,
    memory: bool = False,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> sqlite_utils.Database:
    """Open (and create or migrate) the database: WAL, foreign keys, busy timeout.

    ``path=None`` means ``results/govprobe.db``; ``":memory:"`` or ``memory=True`` an in-memory
    database for tests.  The caller closes it (``db.close()`` or ``with open_db() as db``).
    """
    if memory or str(path) == ":memory:":
        db = sqlite_utils.Database(memory=True)
    else:
        file = Path(path) if path is not None else DEFAULT_PATH
        file.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(file)
    try:
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        db.execute("PRAGMA foreign_keys = ON")
        if not db.memory:
            db.enable_wal()
            db.execute(
                "PRAGMA synchronous = NORMAL"
            )  # with WAL: a killed process loses no commit; a power cut may lose the last, never corrupts
        migrate(db)
    except BaseException:
        db.close()
        raise
    return db


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction, taken at once (``BEGIN IMMEDIATE``), committed or rolled back.

    Immediate, so that a writer that read first cannot fail on upgrade while another process
    writes: it waits for the lock (``busy_timeout``) before it reads anything.  Nested use joins
    the outer transaction.
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _insert(db: sqlite_utils.Database, table: str, row: Mapping[str, Any]) -> int:
    columns = ", ".join(f"[{k}]" for k in row)
    marks = ", ".join("?" for _ in row)
    cursor = db.conn.execute(
        f"INSERT INTO [{table}] ({columns}) VALUES ({marks})", [_sql(v) for v in row.values()]
    )
    return cursor.lastrowid


def _sql(value: Any) -> Any:
    """A Python value as SQLite stores it: JSON for containers, 0/1 for booleans."""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict))
    if isinstance(value, bool):
        return int(value)
    return value


def _one(db: sqlite_utils.Database, sql: str, params: Sequence[Any] = ()) -> dict | None:
    return next(iter(db.query(sql, params)), None)


def table_docs(db: sqlite_utils.Database) -> dict[str, dict]:
    """``{table: {"description": ..., "columns": {column: description}}}`` from ``_meta``.

    The shape datasette's metadata expects under ``databases.<name>.tables``.
    """
    docs: dict[str, dict] = {}
    for row in db.query("SELECT * FROM _meta ORDER BY table_name, rowid"):
        entry = docs.setdefault(row["table_name"], {"description": "", "columns": {}})
        if row["column_name"]:
            entry["columns"][row["column_name"]] = row["description"]
        else:
            entry["description"] = row["description"]
    return docs


# ---------------------------------------------------------------------------------------------
# Rounds


def datasette_metadata(db: sqlite_utils.Database, name: str = "govprobe") -> dict:
    """Metadata for ``datasette DB -m metadata.json``: every table's and view's description and
    its columns' (from ``_meta``), so an ad-hoc query starts from what each column means."""
    return {
        "title": "govprobe: 政务服务体验式评估 (probes, evidence, judgements, scores)",
        "description": "Tables are described below; views answer common questions:"
        " round_outcomes, guide_completeness, threads, evaluator_changes, active_overrides.",
        "databases": {name: {"tables": table_docs(db)}},
    }


def start_round(
    db: sqlite_utils.Database,
    kind: str,
    target: str,
    params: Mapping[str, Any] | None = None,
    *,
    at: str | None = None,
) -> str:
    """Record a new running round and return its id (``R20261129-0440-ab12``)."""
    if kind not in ROUND_KINDS:
        raise StoreError(f"unknown round kind {kind!r}; expected one of {sorted(ROUND_KINDS)}")
    if target not in ROUND_TARGETS:
        raise StoreError(f"unknown target {target!r}; expected one of {sorted(ROUND_TARGETS)}")
    started = at or now_iso()
    stamp = datetime.fromisoformat(started).astimezone(UTC).strftime("%Y%m%d-%H%M")
    with transaction(db):
        while True:
            round_id = f"R{stamp}-{secrets.token_hex(2)}"
            if _one(db, "SELECT 1 FROM rounds WHERE id = ?", [round_id]) is None:
                break
        _insert(
            db,
            "rounds",
            {
                "id": round_id,
                "kind": kind,
                "target": target,
                "params": dict(params or {}),
                "started_at": started,
                "status": "running",
            },
        )
    return round_id


def finish_round(
    db: sqlite_utils.Database, round_id: str, status: str = "finished", *, at: str | None = None
) -> None:
    """Mark a round finished (or interrupted) now."""
    if status not in ROUND_STATUSES - {"running"}:
        raise StoreError(f"a round finishes as 'finished' or 'interrupted', not {status!r}")
    with transaction(db):
        cursor = db.conn.execute(
            "UPDATE rounds SET status = ?, finished_at = ? WHERE id = ?",
            [status, at or now_iso(), round_id],
        )
        if cursor.rowcount != 1:
            raise StoreError(f"no round {round_id!r}")


def get_round(db: sqlite_utils.Database, round_id: str) -> dict | None:
    """The round's row, params decoded; None when there is no such round."""
    row = _one(db, "SELECT * FROM rounds WHERE id = ?", [round_id])
    if row is not None:
        row["params"] = json.loads(row["params"])
    return row


def latest_round(
    db: sqlite_utils.Database, kind: str | None = None, *, status: str | None = None
) -> str | None:
    """The id of the most recently started round (of a kind, with a status), or None."""
    where, params = [], []
    if kind is not None:
        where.append("kind = ?")
        params.append(kind)
    if status is not None:
        where.append("status = ?")
        params.append(status)
    sql = "SELECT id FROM rounds"
    if where:
        sql += " WHERE " + " AND ".join(where)
    row = _one(db, sql + " ORDER BY started_at DESC, rowid DESC LIMIT 1", params)
    return row["id"] if row else None


# ---------------------------------------------------------------------------------------------
# Probes and their evidence


def _finished_at(started_at: str, seconds: float) -> str:
    try:
        start = datetime.fromisoformat(started_at)
    except ValueError:
        return now_iso()
    return (start + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def _evidence_of(
    result: ProbeResult,
    evidence_refs: Mapping[str, EvidenceRef | Sequence[EvidenceRef]]
    | Iterable[tuple[str, EvidenceRef]],
) -> list[tuple[str, EvidenceRef]]:
    """Every (kind, ref) of a probe: those inside the result and those passed beside it."""
    found: list[tuple[str, EvidenceRef]] = [
        ("screenshot", s.screenshot) for s in result.steps if s.screenshot is not None
    ]
    capture = result.capture
    if capture is not None:
        found.append(("guide_html", capture.html))
        if capture.screenshot is not None:
            found.append(("guide_screenshot", capture.screenshot))
        if capture.data is not None:
            found.append(("data", capture.data))
    pairs = evidence_refs.items() if isinstance(evidence_refs, Mapping) else evidence_refs
    for kind, refs in pairs:
        for ref in [refs] if isinstance(refs, EvidenceRef) else refs:
            found.append((kind, ref))
    for kind, ref in found:
        if kind not in EVIDENCE_KINDS:
            raise StoreError(f"unknown evidence kind {kind!r}; expected {sorted(EVIDENCE_KINDS)}")
        if not isinstance(ref, EvidenceRef):
            raise StoreError(f"{kind} evidence is not an EvidenceRef: {ref!r}")
    return found


# Tables whose rows hang off a probe: a re-run of the same attempt clears them all.
_PROBE_CHILDREN = (
    "steps",
    "probe_evidence",
    "captures",
    "elements",
    "materials",
    "links",
    "findings",
    "judgements",
)


def save_probe(
    db: sqlite_utils.Database,
    round_id: str,
    result: ProbeResult,
    evidence_refs: Mapping[str, EvidenceRef | Sequence[EvidenceRef]]
    | Iterable[tuple[str, EvidenceRef]] = (),
) -> int:
    """Store one probe whole, in one transaction: its row, steps, evidence and capture.

    The evidence inside ``result`` (step screenshots, the capture's HTML, screenshot and data)
    is recorded as ``screenshot``, ``guide_html``, ``guide_screenshot`` and ``data``;
    ``evidence_refs`` adds more, as ``{kind: ref or [refs]}`` or ``[(kind, ref), ...]`` (for
    example a ``trail``).  The files must already be in the EvidenceStore.

    Idempotent per (round, city, scenario, matter, channel, attempt): saving the same attempt
    again replaces the earlier one (keeping its id; its judgement rows go with it).
    Returns the probe id.
    """
    evidence = _evidence_of(result, evidence_refs)
    capture = result.capture
    extra = dict(result.extra)
    row = {
        "round_id": round_id,
        "city": result.city,
        "scenario": result.scenario,
        "matter": result.matter,
        "channel": result.channel,
        "portal_url": result.portal_url,
        "outcome": str(result.outcome),
        "reason": result.reason,
        "guide_url": capture.url if capture else None,
        "found_by": capture.found_by if capture else None,
        "query": capture.query if capture else None,
        "rank": capture.rank if capture else None,
        "steps": len(result.steps),
        "seconds": result.seconds,
        "attempt": result.attempt,
        "flaky": bool(extra.get("flaky", False)),
        "extra": extra,
        "started_at": result.started_at,
        "finished_at": _finished_at(result.started_at, result.seconds),
        "created_at": now_iso(),
    }
    with transaction(db):
        if _one(db, "SELECT 1 FROM rounds WHERE id = ?", [round_id]) is None:
            raise StoreError(f"no round {round_id!r}")
        existing = _one(
            db,
            "SELECT id FROM probes WHERE round_id = ? AND ifnull(city, '') = ifnull(?, '')"
            " AND scenario = ? AND matter = ? AND channel = ? AND attempt = ?",
            [round_id, result.city, result.scenario, result.matter, result.channel, result.attempt],
        )
        if existing is None:
            probe_id = _insert(db, "probes", row)
        else:
            probe_id = existing["id"]
            for table in _PROBE_CHILDREN:
                db.conn.execute(f"DELETE FROM [{table}] WHERE probe_id = ?", [probe_id])
            assignments = ", ".join(f"[{k}] = ?" for k in row)
            db.conn.execute(
                f"UPDATE probes SET {assignments} WHERE id = ?",
                [_sql(v) for v in row.values()] + [probe_id],
            )
        seen_at = now_iso()
        for kind, ref in evidence:
            db.conn.execute(
                "INSERT OR IGNORE INTO evidence (sha256, relpath, size, media_type, first_seen)"
                " VALUES (?, ?, ?, ?, ?)",
                [ref.sha256, ref.relpath, ref.size, ref.media_type, seen_at],
            )
            db.conn.execute(
                "INSERT OR IGNORE INTO probe_evidence (probe_id, kind, sha256) VALUES (?, ?, ?)",
                [probe_id, kind, ref.sha256],
            )
        for step in result.steps:
            _insert(
                db,
                "steps",
                {
                    "probe_id": probe_id,
                    "seq": step.seq,
                    "action": step.action,
                    "matched": step.matched,
                    "url": step.url,
                    "duration_ms": step.duration_ms,
                    "screenshot_sha256": step.screenshot.sha256 if step.screenshot else None,
                    "note": step.note,
                },
            )
        if capture is not None:
            _insert(
                db,
                "captures",
                {
                    "probe_id": probe_id,
                    "url": capture.url,
                    "title": capture.title,
                    "html_sha256": capture.html.sha256,
                    "screenshot_sha256": capture.screenshot.sha256 if capture.screenshot else None,
                    "data_sha256": capture.data.sha256 if capture.data else None,
                    "url_trail": list(capture.url_trail),
                    "candidates": list(capture.candidates),
                    "online_apply_url": capture.online_apply_url,
                },
            )
    return probe_id


def _decode_probe(row: dict) -> dict:
    row["flaky"] = bool(row["flaky"])
    row["extra"] = json.loads(row["extra"])
    return row


def _decode_capture(row: dict) -> dict:
    row["url_trail"] = json.loads(row["url_trail"])
    row["candidates"] = json.loads(row["candidates"])
    return row


def probes_of_round(db: sqlite_utils.Database, round_id: str) -> list[dict]:
    """The round's probe rows, in the order they were first stored."""
    rows = db.query("SELECT * FROM probes WHERE round_id = ? ORDER BY id", [round_id])
    return [_decode_probe(row) for row in rows]


def steps_of_probe(db: sqlite_utils.Database, probe_id: int) -> list[dict]:
    """The probe's steps, in journey order."""
    return list(db.query("SELECT * FROM steps WHERE probe_id = ? ORDER BY seq, id", [probe_id]))


def capture_of_probe(db: sqlite_utils.Database, probe_id: int) -> dict | None:
    """The probe's capture row (JSON lists decoded), or None when no guide was captured."""
    row = _one(db, "SELECT * FROM captures WHERE probe_id = ?", [probe_id])
    return _decode_capture(row) if row else None


def evidence_of_probe(db: sqlite_utils.Database, probe_id: int) -> list[dict]:
    """The probe's evidence files: kind, sha256, relpath, size, media_type."""
    return list(
        db.query(
            "SELECT pe.kind, e.sha256, e.relpath, e.size, e.media_type FROM probe_evidence pe"
            " JOIN evidence e ON e.sha256 = pe.sha256 WHERE pe.probe_id = ?"
            " ORDER BY pe.kind, e.sha256",
            [probe_id],
        )
    )


def done_keys(
    db: sqlite_utils.Database, round_id: str, *, redo: Iterable[str] = ()
) -> set[tuple[str | None, str, str, str]]:
    """(city, scenario, matter, channel) of the probes stored in a round, for resuming it.

    A probe is only stored when it has finished, so a killed run resumes with what is missing.
    Probes whose outcome is in ``redo`` (e.g. ``{"probe_error"}``) are left out, to run again.
    """
    redo = {str(o) for o in redo}
    return {
        (r["city"], r["scenario"], r["matter"], r["channel"])
        for r in db.query(
            "SELECT city, scenario, matter, channel, outcome FROM probes WHERE round_id = ?",
            [round_id],
        )
        if r["outcome"] not in redo
    }


# ---------------------------------------------------------------------------------------------
# Judgement and rejudging


def save_judgement(
    db: sqlite_utils.Database,
    probe_id: int,
    *,
    elements: Mapping[str, str],
    empty: Sequence[str],
    materials: Sequence[Mapping[str, Any]],
    links: Sequence[Mapping[str, Any]],
    findings: Sequence[Mapping[str, Any]],
    completeness: float,
    required: Sequence[str],
    missing: Sequence[str],
    rules_version: str,
    judged_at: str | None = None,
) -> None:
    """Replace a probe's judgement (elements, materials, links, findings, summary) at once.

    ``elements`` maps each element shown with a real value to that value; ``empty`` names those
    whose label was shown with no real value (暂无, blank).  ``present`` means a real value, as
    the brief counts it; required elements in ``missing`` that have no label get a row with
    ``present = 0, empty = 0``, so the table shows every element judged.
    """
    empty_set = set(empty)
    element_rows = [
        {
            "probe_id": probe_id,
            "element": name,
            "value": value,
            "present": name not in empty_set,
            "empty": name in empty_set,
        }
        for name, value in elements.items()
    ]
    element_rows += [
        {"probe_id": probe_id, "element": name, "value": "", "present": False, "empty": True}
        for name in dict.fromkeys(empty)
        if name not in elements
    ]
    labelled = set(elements) | empty_set
    element_rows += [
        {"probe_id": probe_id, "element": name, "value": None, "present": False, "empty": False}
        for name in dict.fromkeys(missing)
        if name not in labelled
    ]
    material_rows = [
        {
            "probe_id": probe_id,
            "seq": m.get("seq", i),
            **{
                k: m.get(k)
                for k in ("media", "copies", "source", "required", "form_url", "sample_url")
            },
            "name": m["name"],
        }
        for i, m in enumerate(materials, start=1)
    ]
    link_rows = [
        {
            "probe_id": probe_id,
            "url": link["url"],
            "kind": link["kind"],
            "status": None if link.get("status") is None else str(link["status"]),
            "checked_at": link.get("checked_at"),
        }
        for link in links
    ]
    finding_rows = [
        {
            "probe_id": probe_id,
            "code": f["code"],
            "element": f.get("element"),
            "detail": f.get("detail") or "",
        }
        for f in findings
    ]
    with transaction(db):
        if _one(db, "SELECT 1 FROM probes WHERE id = ?", [probe_id]) is None:
            raise StoreError(f"no probe {probe_id}")
        for table in ("elements", "materials", "links", "findings", "judgements"):
            db.conn.execute(f"DELETE FROM [{table}] WHERE probe_id = ?", [probe_id])
        for table, rows in (
            ("elements", element_rows),
            ("materials", material_rows),
            ("links", link_rows),
            ("findings", finding_rows),
        ):
            for row in rows:
                _insert(db, table, row)
        _insert(
            db,
            "judgements",
            {
                "probe_id": probe_id,
                "completeness": float(completeness),
                "required": list(required),
                "missing": list(missing),
                "judged_at": judged_at or now_iso(),
                "rules_version": rules_version,
            },
        )


def judgement_of_probe(db: sqlite_utils.Database, probe_id: int) -> dict | None:
    """The probe's judgement: the summary row plus its elements, materials, links, findings."""
    summary = _one(db, "SELECT * FROM judgements WHERE probe_id = ?", [probe_id])
    if summary is None:
        return None
    summary["required"] = json.loads(summary["required"])
    summary["missing"] = json.loads(summary["missing"])
    for table, order in (
        ("elements", "rowid"),
        ("materials", "seq"),
        ("links", "rowid"),
        ("findings", "rowid"),
    ):
        rows = list(
            db.query(f"SELECT * FROM {table} WHERE probe_id = ? ORDER BY {order}", [probe_id])
        )
        for row in rows:
            row.pop("probe_id")
            for flag in ("present", "empty"):
                if flag in row:
                    row[flag] = bool(row[flag])
        summary[table] = rows
    return summary


def captures_of_round(db: sqlite_utils.Database, round_id: str) -> list[dict]:
    """What rejudging needs: ``probe_id, city, scenario, matter, channel`` and ``capture``."""
    rows = db.query(
        "SELECT p.id AS probe_id, p.city, p.scenario, p.matter, p.channel, c.*"
        " FROM probes p JOIN captures c ON c.probe_id = p.id"
        " WHERE p.round_id = ? ORDER BY p.id",
        [round_id],
    )
    out = []
    for row in rows:
        head = {k: row.pop(k) for k in ("probe_id", "city", "scenario", "matter", "channel")}
        row["probe_id"] = head["probe_id"]
        out.append({**head, "capture": _decode_capture(row)})
    return out


def read_evidence(db: sqlite_utils.Database, store: EvidenceStore, sha256: str) -> bytes:
    """An evidence file's bytes, checked against its hash first: a missing or changed file
    raises ``EvidenceError`` rather than being judged."""
    row = _one(db, "SELECT relpath FROM evidence WHERE sha256 = ?", [sha256])
    if row is None:
        raise EvidenceError(f"no evidence row for {sha256}")
    problem = store.check(sha256, row["relpath"])
    if problem != "ok":
        raise EvidenceError(f"evidence {row['relpath']} is {problem}")
    return store.read(row["relpath"])


def verify_evidence(db: sqlite_utils.Database, store: EvidenceStore) -> list[dict]:
    """Re-hash every evidence file; list those ``missing`` or ``changed`` since stored."""
    problems = []
    for row in db.query("SELECT sha256, relpath FROM evidence ORDER BY sha256"):
        try:
            state = store.check(row["sha256"], row["relpath"])
        except ValueError:  # a relpath outside the store root cannot be the file we stored
            state = "changed"
        if state != "ok":
            problems.append({"sha256": row["sha256"], "relpath": row["relpath"], "problem": state})
    return problems


# ---------------------------------------------------------------------------------------------
# Consultations and complaints


def _event(db: sqlite_utils.Database, item_id: int, event: str, at: str, **detail: Any) -> None:
    _insert(db, "item_events", {"item_id": item_id, "at": at, "event": event, "detail": detail})


def _item(db: sqlite_utils.Database, item_id: int) -> dict:
    row = _one(db, "SELECT * FROM items WHERE id = ?", [item_id])
    if row is None:
        raise StoreError(f"no item {item_id}")
    return row


def get_item(db: sqlite_utils.Database, item_id: int) -> dict:
    """The item's row (``dry_run`` as a bool); StoreError when there is none."""
    row = _item(db, item_id)
    row["dry_run"] = bool(row["dry_run"])
    return row


def record_intent(
    db: sqlite_utils.Database,
    *,
    city: str | None,
    scenario: str,
    kind: str,
    round_id: str | None,
    matter: str | None = None,
    portal_url: str | None = None,
    title: str = "",
    content: str = "",
    poll_interval_s: int | None = None,
    dry_run: bool = False,
    at: str | None = None,
) -> int:
    """Record that an item is about to be sent, before any click; return its id.

    When an item for (city, scenario, kind, round) already exists its id is returned and
    nothing is written: the caller looks at its ``state`` and never sends twice.
    """
    if kind not in ITEM_KINDS:
        raise StoreError(f"unknown item kind {kind!r}; expected one of {sorted(ITEM_KINDS)}")
    when = at or now_iso()
    with transaction(db):
        existing = _one(
            db,
            "SELECT id FROM items WHERE ifnull(city, '') = ifnull(?, '') AND scenario = ?"
            " AND kind = ? AND ifnull(round_id, '') = ifnull(?, '')",
            [city, scenario, kind, round_id],
        )
        if existing is not None:
            return existing["id"]
        item_id = _insert(
            db,
            "items",
            {
                "city": city,
                "scenario": scenario,
                "kind": kind,
                "matter": matter,
                "portal_url": portal_url,
                "state": "intent",
                "intent_at": when,
                "title": title,
                "content": content,
                "poll_interval_s": poll_interval_s,
                "dry_run": dry_run,
                "round_id": round_id,
            },
        )
        _event(db, item_id, "intent", when, dry_run=dry_run)
    return item_id


def _set_state(
    db: sqlite_utils.Database,
    item_id: int,
    state: str,
    fields: Mapping[str, Any],
    event: str,
    at: str | None,
    detail: Mapping[str, Any],
) -> None:
    when = at or now_iso()
    with transaction(db):
        old = _item(db, item_id)["state"]
        assignments = ", ".join(f"[{k}] = ?" for k in ("state", *fields))
        db.conn.execute(
            f"UPDATE items SET {assignments} WHERE id = ?",
            [state, *(_sql(v) for v in fields.values()), item_id],
        )
        _event(db, item_id, event, when, old_state=old, **detail)


def mark_submitted(
    db: sqlite_utils.Database,
    item_id: int,
    ticket: str | None,
    submitted_at: str | None,
    *,
    at: str | None = None,
) -> None:
    """The portal confirmed the submission: keep its ticket and the time it shows."""
    _set_state(
        db,
        item_id,
        "submitted",
        {"ticket": ticket, "submitted_at": submitted_at},
        "submitted",
        at,
        {"ticket": ticket, "submitted_at": submitted_at},
    )


def mark_unknown(
    db: sqlite_utils.Database, item_id: int, detail: str = "", *, at: str | None = None
) -> None:
    """Submit was clicked but no confirmation came: it may have been sent; never resend it."""
    _set_state(db, item_id, "unknown", {}, "unknown", at, {"detail": detail})


def record_reply(
    db: sqlite_utils.Database,
    item_id: int,
    *,
    replied_at: str | None,
    reply_text: str,
    status_text: str | None = None,
    seen_at: str | None = None,
    source: str = "portal",
    uncertainty_s: int | None = None,
) -> None:
    """A reply appeared: keep its text, its time and when we saw it.

    ``source`` says where ``replied_at`` comes from: ``portal`` (the time the portal shows) or
    ``first_seen`` (the portal shows none: the poll that first saw it, the reply having come
    up to ``uncertainty_s`` seconds before, the time since the poll before).
    """
    if source not in ("portal", "first_seen"):
        raise StoreError(f"reply time source {source!r} is not 'portal' or 'first_seen'")
    seen = seen_at or now_iso()
    _set_state(
        db,
        item_id,
        "replied",
        {
            "replied_at": replied_at,
            "reply_text": reply_text,
            "status_text": status_text,
            "reply_seen_at": seen,
            "replied_at_source": source,
            "reply_uncertainty_s": uncertainty_s,
        },
        "replied",
        seen,
        {"replied_at": replied_at, "status_text": status_text, "source": source},
    )


ITEM_EVIDENCE_KINDS = frozenset({"form", "receipt", "list", "list_html", "detail_html"})


def add_item_evidence(
    db: sqlite_utils.Database, item_id: int, kind: str, ref: EvidenceRef, *, at: str | None = None
) -> None:
    """Keep an evidence file (already in the evidence store) as part of an item's record."""
    if kind not in ITEM_EVIDENCE_KINDS:
        raise StoreError(
            f"unknown item evidence kind {kind!r}; expected {sorted(ITEM_EVIDENCE_KINDS)}"
        )
    when = at or now_iso()
    with transaction(db):
        db.execute(
            "INSERT OR IGNORE INTO evidence (sha256, relpath, size, media_type, first_seen)"
            " VALUES (?, ?, ?, ?, ?)",
            [ref.sha256, ref.relpath, ref.size, ref.media_type, when],
        )
        db.execute(
            "INSERT OR IGNORE INTO item_evidence (item_id, kind, sha256, at) VALUES (?, ?, ?, ?)",
            [item_id, kind, ref.sha256, when],
        )


def evidence_of_item(db: sqlite_utils.Database, item_id: int) -> list[dict]:
    """The item's evidence files, oldest first: kind, sha256, relpath, media_type, at."""
    return list(
        db.query(
            "SELECT ie.kind, ie.sha256, ie.at, e.relpath, e.media_type, e.size"
            " FROM item_evidence ie JOIN evidence e USING (sha256)"
            " WHERE ie.item_id = ? ORDER BY ie.at, ie.rowid",
            [item_id],
        )
    )


# Fields a journey may set on an item beside its state.
_NOTE_FIELDS = frozenset({"list_url", "rating_entry", "outcome", "reason", "portal_url", "matter"})


def note_item(
    db: sqlite_utils.Database,
    item_id: int,
    event: str,
    *,
    at: str | None = None,
    detail: Mapping[str, Any] | None = None,
    **fields: Any,
) -> None:
    """Record what a journey learnt about an item (its list page, a rating entry, how an
    attempt ended) as an event, keeping the newest value of each field on the item;
    ``detail`` goes into the event only."""
    unknown = set(fields) - _NOTE_FIELDS
    if unknown:
        raise StoreError(
            f"cannot note {sorted(unknown)} on an item; expected {sorted(_NOTE_FIELDS)}"
        )
    when = at or now_iso()
    with transaction(db):
        _item(db, item_id)
        if fields:
            assignments = ", ".join(f"[{k}] = ?" for k in fields)
            db.conn.execute(
                f"UPDATE items SET {assignments} WHERE id = ?",
                [*(_sql(v) for v in fields.values()), item_id],
            )
        _event(db, item_id, event, when, **fields, **dict(detail or {}))


def claimed_tickets(
    db: sqlite_utils.Database, city: str | None, kind: str, *, besides: int | None = None
) -> set[str]:
    """Tickets of a city's items of a kind already known to be someone's: a list row with one
    of these is not the item being reconciled."""
    rows = db.query(
        "SELECT ticket FROM items WHERE ifnull(city, '') = ifnull(?, '') AND kind = ?"
        " AND ticket IS NOT NULL AND id IS NOT ?",
        [city, kind, besides],
    )
    return {r["ticket"] for r in rows}


def items_of(
    db: sqlite_utils.Database, *, round_id: str | None = None, include_dry_run: bool = False
) -> list[dict]:
    """Every item (of a round), in the order they were decided, ``dry_run`` as a bool."""
    sql, params = "SELECT * FROM items WHERE 1 = 1", []
    if round_id is not None:
        sql += " AND round_id = ?"
        params.append(round_id)
    if not include_dry_run:
        sql += " AND dry_run = 0"
    rows = list(db.query(sql + " ORDER BY intent_at, id", params))
    for row in rows:
        row["dry_run"] = bool(row["dry_run"])
    return rows


def close_item(
    db: sqlite_utils.Database, item_id: int, detail: str = "", *, at: str | None = None
) -> None:
    """Stop following an item (the observation window closed, or an evaluator closed it)."""
    _set_state(db, item_id, "closed", {}, "closed", at, {"detail": detail})


def set_item_scores(
    db: sqlite_utils.Database,
    item_id: int,
    *,
    working_days: float | None,
    timeliness: str | None,
    effectiveness: str | None,
    at: str | None = None,
) -> None:
    """Store the automatic scores of an item; an evaluator's effectiveness label is kept."""
    when = at or now_iso()
    with transaction(db):
        row = _item(db, item_id)
        keep = row["effectiveness_source"] == "evaluator"
        db.conn.execute(
            "UPDATE items SET working_days = ?, timeliness = ?, effectiveness = ?,"
            " effectiveness_source = ? WHERE id = ?",
            [
                working_days,
                timeliness,
                row["effectiveness"] if keep else effectiveness,
                "evaluator" if keep else ("auto" if effectiveness is not None else None),
                item_id,
            ],
        )
        _event(
            db,
            item_id,
            "scored",
            when,
            working_days=working_days,
            timeliness=timeliness,
            effectiveness=effectiveness,
            kept_evaluator_label=keep,
        )


def open_items(db: sqlite_utils.Database, *, include_dry_run: bool = False) -> list[dict]:
    """Items that may still get a reply (intent, submitted, unknown), oldest first."""
    marks = ", ".join("?" for _ in OPEN_ITEM_STATES)
    sql = f"SELECT * FROM items WHERE state IN ({marks})"
    if not include_dry_run:
        sql += " AND dry_run = 0"
    rows = list(db.query(sql + " ORDER BY intent_at, id", OPEN_ITEM_STATES))
    for row in rows:
        row["dry_run"] = bool(row["dry_run"])
    return rows


def item_events(db: sqlite_utils.Database, item_id: int) -> list[dict]:
    """What happened to an item, in order, ``detail`` decoded."""
    rows = list(db.query("SELECT * FROM item_events WHERE item_id = ? ORDER BY id", [item_id]))
    for row in rows:
        row["detail"] = json.loads(row["detail"])
    return rows


def set_label(
    db: sqlite_utils.Database,
    item_id: int,
    value: str,
    by: str,
    note: str = "",
    *,
    field: str = "effectiveness",
    at: str | None = None,
) -> None:
    """An evaluator sets an item's effectiveness (or timeliness); the change is audited."""
    if field not in LABEL_FIELDS:
        raise StoreError(f"cannot label {field!r}; expected one of {sorted(LABEL_FIELDS)}")
    when = at or now_iso()
    with transaction(db):
        old = _item(db, item_id)[field]
        if field == "effectiveness":
            db.conn.execute(
                "UPDATE items SET effectiveness = ?, effectiveness_source = 'evaluator'"
                " WHERE id = ?",
                [value, item_id],
            )
        else:
            db.conn.execute(f"UPDATE items SET [{field}] = ? WHERE id = ?", [value, item_id])
        _insert(
            db,
            "labels",
            {
                "item_id": item_id,
                "field": field,
                "old": old,
                "new": value,
                "by": by,
                "at": when,
                "note": note,
            },
        )
        _event(db, item_id, "labelled", when, field=field, old=old, new=value, by=by)


def labels_of_item(db: sqlite_utils.Database, item_id: int) -> list[dict]:
    """The audit trail of an item's labels, oldest first."""
    return list(db.query("SELECT * FROM labels WHERE item_id = ? ORDER BY id", [item_id]))


# ---------------------------------------------------------------------------------------------
# Health checks


def save_check(
    db: sqlite_utils.Database,
    round_id: str | None,
    *,
    url: str,
    kind: str,
    city: str | None = None,
    channel: str | None = None,
    status: int | None = None,
    classification: str | None = None,
    ttfb_ms: float | None = None,
    total_ms: float | None = None,
    detail: Mapping[str, Any] | None = None,
    at: str | None = None,
) -> int:
    """Store one HTTP health check; return its id."""
    with transaction(db):
        return _insert(
            db,
            "checks",
            {
                "round_id": round_id,
                "city": city,
                "channel": channel,
                "url": url,
                "kind": kind,
                "status": status,
                "classification": classification,
                "ttfb_ms": ttfb_ms,
                "total_ms": total_ms,
                "detail": dict(detail or {}),
                "at": at or now_iso(),
            },
        )


# ---------------------------------------------------------------------------------------------
# Offline results


def record_offline_import(
    db: sqlite_utils.Database,
    ref: EvidenceRef,
    *,
    source: str,
    suffix: str,
    sample: bool,
    cities: int,
    by: str = "",
    at: str | None = None,
) -> int:
    """Keep an imported offline results file (already in the evidence store); return its id."""
    when = at or now_iso()
    with transaction(db):
        db.conn.execute(
            "INSERT OR IGNORE INTO evidence (sha256, relpath, size, media_type, first_seen)"
            " VALUES (?, ?, ?, ?, ?)",
            [ref.sha256, ref.relpath, ref.size, ref.media_type, when],
        )
        return _insert(
            db,
            "offline_imports",
            {
                "source": source,
                "sha256": ref.sha256,
                "suffix": suffix,
                "sample": sample,
                "cities": cities,
                "imported_at": when,
                "imported_by": by,
            },
        )


def latest_offline_import(db: sqlite_utils.Database) -> dict | None:
    """The newest offline import, or None."""
    return _one(db, "SELECT * FROM offline_imports ORDER BY id DESC LIMIT 1")
