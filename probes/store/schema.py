"""Every table, documented column by column, and the ordered migrations that build them;
``open_db`` opens a database at the current version (WAL, foreign keys, busy timeout)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from probes.settings import DEFAULT_DB
from probes.store.db import BUSY_TIMEOUT_MS, StoreError, now_iso, transaction

ROUND_KINDS = frozenset({"guides", "consult", "check", "demo"})


ROUND_TARGETS = frozenset({"sandbox", "live", "portal"})


ROUND_STATUSES = frozenset({"running", "finished", "interrupted"})


# a probe's evidence; "trace" is a Playwright trace.zip (`playwright show-trace`), "har" the
# network of the probe's browser context (HAR 1.2, bodies embedded), read by `govprobe export`
EVIDENCE_KINDS = frozenset(
    {"screenshot", "guide_html", "guide_screenshot", "data", "trail", "trace", "har"}
)


ITEM_KINDS = frozenset({"consult", "complaint"})


ITEM_STATES = frozenset({"intent", "submitted", "unknown", "replied", "closed"})


# States of an item that may still get a reply and should be polled.
OPEN_ITEM_STATES = ("intent", "submitted", "unknown")


LABEL_FIELDS = frozenset({"effectiveness", "timeliness"})


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


def table(name: str, doc: str, *columns: tuple[str, str, str], constraints=(), indexes=()):
    return TableDef(
        name, doc, tuple(Column(*c) for c in columns), tuple(constraints), tuple(indexes)
    )


_META = table(
    "_meta",
    "What every table and column means (column_name '' describes the table).",
    ("table_name", "TEXT NOT NULL", "the table described"),
    ("column_name", "TEXT NOT NULL", "the column described, '' for the table itself"),
    ("description", "TEXT NOT NULL", "what it holds, in plain words"),
    constraints=("PRIMARY KEY (table_name, column_name)",),
)


_MIGRATIONS_TABLE = table(
    "_migrations",
    "Schema migrations applied to this database, in order.",
    ("name", "TEXT PRIMARY KEY", "the migration's name"),
    ("applied_at", "TEXT NOT NULL", "when it was applied (ISO 8601, UTC)"),
)


_FK_PROBE = "REFERENCES probes(id) ON DELETE CASCADE"


_INITIAL_TABLES: tuple[TableDef, ...] = (
    table(
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
    table(
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
    table(
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
    table(
        "evidence",
        "Evidence files, content-addressed: one row per distinct file under the evidence root.",
        ("sha256", "TEXT PRIMARY KEY", "sha256 of the file's bytes (its name)"),
        ("relpath", "TEXT NOT NULL", "path relative to the evidence root"),
        ("size", "INTEGER NOT NULL", "bytes"),
        ("media_type", "TEXT NOT NULL", "image/png, text/html, application/json, ..."),
        ("first_seen", "TEXT NOT NULL", "when a probe first stored it"),
    ),
    table(
        "probe_evidence",
        "Which evidence files belong to which probe, and as what.",
        ("probe_id", f"INTEGER NOT NULL {_FK_PROBE}", "the probe"),
        ("kind", "TEXT NOT NULL", "screenshot | guide_html | guide_screenshot | data | trail"),
        ("sha256", "TEXT NOT NULL REFERENCES evidence(sha256)", "the file"),
        constraints=("PRIMARY KEY (probe_id, kind, sha256)",),
        indexes=("CREATE INDEX probe_evidence_sha256 ON probe_evidence (sha256)",),
    ),
    table(
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
    table(
        "elements",
        "Judgement: each guide element (办事指南要素) and what the guide says for it.",
        ("probe_id", f"INTEGER NOT NULL {_FK_PROBE}", "the probe"),
        ("element", "TEXT NOT NULL", "canonical element name, e.g. 法定办结时限"),
        ("value", "TEXT", "the value shown; empty when the label was not there"),
        ("present", "INTEGER NOT NULL", "1 when the element was shown with a real value (boolean)"),
        ("empty", "INTEGER NOT NULL", "1 when the label had no real value: 暂无, 无, blank"),
        constraints=("PRIMARY KEY (probe_id, element)",),
    ),
    table(
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
    table(
        "links",
        "Judgement: form and sample links of the guide, and whether they work.",
        ("probe_id", f"INTEGER NOT NULL {_FK_PROBE}", "the probe"),
        ("url", "TEXT NOT NULL", "the link"),
        ("kind", "TEXT NOT NULL", "form | sample"),
        ("status", "TEXT", "HTTP status or error class seen when checked"),
        ("checked_at", "TEXT", "when it was checked"),
        indexes=("CREATE INDEX links_probe ON links (probe_id)",),
    ),
    table(
        "findings",
        "Judgement: problems found in a guide, each with a code an evaluator can look up.",
        ("probe_id", f"INTEGER NOT NULL {_FK_PROBE}", "the probe"),
        ("code", "TEXT NOT NULL", "finding code, e.g. element_empty, link_broken"),
        ("element", "TEXT", "the element concerned, when one is"),
        ("detail", "TEXT NOT NULL DEFAULT ''", "what exactly was seen"),
        indexes=("CREATE INDEX findings_probe ON findings (probe_id)",),
    ),
    table(
        "judgements",
        "Judgement summary of a probe's guide: completeness and the rules that judged it.",
        ("probe_id", f"INTEGER PRIMARY KEY {_FK_PROBE}", "the probe"),
        ("completeness", "REAL NOT NULL", "share of required elements present with a value, 0..1"),
        ("required", "TEXT NOT NULL", "elements required for this matter (JSON list)"),
        ("missing", "TEXT NOT NULL", "required elements missing or empty (JSON list)"),
        ("judged_at", "TEXT NOT NULL", "when it was judged"),
        ("rules_version", "TEXT NOT NULL", "version of the judging rules used"),
    ),
    table(
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
    table(
        "item_events",
        "What happened to an item, in order: intent, submitted, polled, replied, labelled, ...",
        ("id", "INTEGER PRIMARY KEY", "row id"),
        ("item_id", "INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE", "the item"),
        ("at", "TEXT NOT NULL", "when"),
        ("event", "TEXT NOT NULL", "what happened"),
        ("detail", "TEXT NOT NULL DEFAULT '{}'", "details (JSON)"),
        indexes=("CREATE INDEX item_events_item ON item_events (item_id, id)",),
    ),
    table(
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
    table(
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


def _m0002_item_journeys(db: sqlite_utils.Database) -> None:
    for name, sql_type, doc in _ITEM_COLUMNS_0002:
        db.execute(f"ALTER TABLE items ADD COLUMN [{name}] {sql_type}")
        db.execute(
            "INSERT OR REPLACE INTO _meta (table_name, column_name, description) VALUES (?, ?, ?)",
            ["items", name, doc],
        )
    create_tables(db, _TABLES_0002)


def _m0003_offline(db: sqlite_utils.Database) -> None:
    create_tables(db, _TABLES_0003)


def _m0004_overrides(db: sqlite_utils.Database) -> None:
    create_tables(db, _TABLES_0004)
    for name, doc, sql in _VIEWS_0004:
        db.execute(f"CREATE VIEW [{name}] AS {sql}")
        db.execute(
            "INSERT OR REPLACE INTO _meta (table_name, column_name, description) VALUES (?, ?, ?)",
            [name, "", doc],
        )


def _m0005_indexes(db: sqlite_utils.Database) -> None:
    for sql in _INDEXES_0005:
        db.execute(sql)


def _m0006_label_channels(db: sqlite_utils.Database) -> None:
    name, sql_type, doc = _LABEL_CHANNEL_0006
    db.execute(f"ALTER TABLE labels ADD COLUMN [{name}] {sql_type}")
    db.execute(
        "INSERT OR REPLACE INTO _meta (table_name, column_name, description) VALUES (?, ?, ?)",
        ["labels", name, doc],
    )
    view, view_doc, sql = _VIEW_0006
    db.execute(f"DROP VIEW [{view}]")
    db.execute(f"CREATE VIEW [{view}] AS {sql}")
    db.execute(
        "INSERT OR REPLACE INTO _meta (table_name, column_name, description) VALUES (?, ?, ?)",
        [view, "", view_doc],
    )


def _m0007_review_sessions(db: sqlite_utils.Database) -> None:
    create_tables(db, _TABLES_0007)


def _m0008_job_runs(db: sqlite_utils.Database) -> None:
    create_tables(db, _TABLES_0008)


def _m0009_holds(db: sqlite_utils.Database) -> None:
    create_tables(db, _TABLES_0009)
    for sql in _INDEXES_0009:
        db.execute(sql)


# Append only: never reorder, rename or edit a migration that has shipped.
MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_initial", _m0001_initial),
    Migration("0002_item_journeys", _m0002_item_journeys),
    Migration("0003_offline", _m0003_offline),
    Migration("0004_overrides", _m0004_overrides),
    Migration("0005_indexes", _m0005_indexes),
    Migration("0006_label_channels", _m0006_label_channels),
    Migration("0007_review_sessions", _m0007_review_sessions),
    Migration("0008_job_runs", _m0008_job_runs),
    Migration("0009_holds", _m0009_holds),
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


def datasette_metadata(db: sqlite_utils.Database, name: str = "govprobe") -> dict:
    """Metadata for ``datasette DB -m metadata.json``: every table's and view's description and
    its columns' (from ``_meta``), so an ad-hoc query starts from what each column means."""
    return {
        "title": "govprobe: 政务服务体验式评估 (probes, evidence, judgements, scores)",
        "description": "Tables are described below; views answer common questions:"
        " round_outcomes, guide_completeness, threads, evaluator_changes, active_overrides.",
        "databases": {name: {"tables": table_docs(db)}},
    }


ITEM_EVIDENCE_KINDS = frozenset({"form", "receipt", "list", "list_html", "detail_html"})


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
    table(
        "item_evidence",
        "Evidence of a consultation or complaint: the filled form, the receipt, each list read.",
        ("item_id", "INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE", "the item"),
        ("kind", "TEXT NOT NULL", "form | receipt | list | list_html | detail_html"),
        ("sha256", "TEXT NOT NULL REFERENCES evidence(sha256)", "the file"),
        ("at", "TEXT NOT NULL", "when it was taken"),
        constraints=("PRIMARY KEY (item_id, kind, sha256)",),
    ),
)


_TABLES_0003: tuple[TableDef, ...] = (
    table(
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


_TABLES_0004: tuple[TableDef, ...] = (
    table(
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


# Indexes for reading a season back (bench/growth.py): a round's health checks (a year of daily
# check rounds is ~2M rows on 300 portals) and a round's consultation items.
_INDEXES_0005: tuple[str, ...] = (
    "CREATE INDEX checks_round ON checks (round_id, kind)",
    "CREATE INDEX items_round ON items (round_id)",
)


# The audit log says where each change came from. Rows written before 0006 keep NULL: their
# channel was never recorded, and NULL says so without inventing one (the pages show 未记录).
_LABEL_CHANNEL_0006: tuple[str, str, str] = (
    "channel",
    "TEXT CHECK (channel IN ('web', 'cli'))",
    "web (the review pages) | cli (the command line or a script); NULL: before it was recorded",
)


_VIEW_0006: tuple[str, str, str] = (
    "evaluator_changes",
    "Every change an evaluator made (the audit log), with the city it concerns and whether it"
    " came from the review pages (web) or the command line (cli).",
    "SELECT l.id, l.at, l.by, l.channel, l.field, l.old, l.new, l.note, l.subject, l.item_id,"
    " coalesce(i.city, p.city) AS city, coalesce(i.round_id, p.round_id) AS round_id"
    " FROM labels l LEFT JOIN items i ON i.id = l.item_id"
    " LEFT JOIN probes p ON l.subject LIKE 'probe:%'"
    " AND p.id = CAST(substr(l.subject, 7) AS INTEGER)",
)


# Sessions of the review pages (probes/review/auth.py): kept here so that logging out revokes
# one and a restart of `govprobe review` keeps them. The session id itself is never stored,
# only its sha256: a copy of the database (shared, opened in datasette) logs nobody in.
_TABLES_0007: tuple[TableDef, ...] = (
    table(
        "review_sessions",
        "Evaluators' sessions in the review pages: who, since when, until when, revoked.",
        ("id_sha256", "TEXT PRIMARY KEY", "sha256 of the session id the cookie carries"),
        ("evaluator", "TEXT NOT NULL", "the evaluator logged in (the name from their token)"),
        ("created_at", "TEXT NOT NULL", "when they logged in (ISO 8601, UTC)"),
        ("expires_at", "TEXT NOT NULL", "when the session ends by itself (ISO 8601, UTC)"),
        ("revoked_at", "TEXT", "when they logged out; a revoked session is refused"),
    ),
)


# What became of each run of a scheduled job (probes/schedule/scheduler.py writes it): run,
# skipped because the last run was still going, or missed while the scheduler was down.
JOB_RUN_OUTCOMES = frozenset({"running", "ok", "failed", "skipped", "missed", "interrupted"})


_TABLES_0008: tuple[TableDef, ...] = (
    table(
        "job_runs",
        "The scheduler's run history: each time a scheduled job ran, was skipped or was missed,"
        " and what it made. Written by the scheduler process (govprobe schedule start).",
        ("id", "INTEGER PRIMARY KEY", "row id"),
        ("job_id", "TEXT NOT NULL", "the job's id in the scheduler's job store, e.g. guides"),
        ("kind", "TEXT NOT NULL", "guides | poll | checks | touch: what the job runs"),
        ("scheduled_at", "TEXT NOT NULL", "the run time it was due at (ISO 8601, UTC)"),
        ("started_at", "TEXT", "when it was handed to a worker; empty when it never started"),
        ("ended_at", "TEXT", "when it ended, was skipped or found missed; empty while running"),
        (
            "outcome",
            "TEXT NOT NULL CHECK (outcome IN"
            " ('running', 'ok', 'failed', 'skipped', 'missed', 'interrupted'))",
            "running | ok | failed (it raised) | skipped (its last run was still going) |"
            " missed (due longer ago than its grace time) | interrupted (the scheduler ended"
            " while it ran)",
        ),
        ("round_id", "TEXT", "the round it made, when it made one (in the job's own --db)"),
        (
            "counts",
            "TEXT NOT NULL DEFAULT '{}'",
            "what it did (JSON): probes by outcome, items polled by read outcome, portals"
            " checked by classification",
        ),
        ("error", "TEXT NOT NULL DEFAULT ''", "a failed run's exception: its type and message"),
        ("pid", "INTEGER", "the scheduler process that ran it"),
        constraints=("UNIQUE (job_id, scheduled_at)",),
        indexes=("CREATE INDEX job_runs_job ON job_runs (job_id, id)",),
    ),
)


# Regressions held for an evaluator (probes/store/holds.py, probes/alert/regressions.py): a
# probe whose same city, scenario, matter and channel was ``ok`` in the previous round and now
# is not found or blocked, or whose ok guide shows another set of elements, is not scored until
# an evaluator confirms the machine or overrides it. The row stays when the hold is lifted.
HOLD_KINDS = frozenset({"outcome", "elements"})


_TABLES_0009: tuple[TableDef, ...] = (
    table(
        "holds",
        "Regressions held for review (待复核): probes worse than the same probe of the previous"
        " round, left out of the scores until an evaluator confirms the machine or overrides it.",
        ("id", "INTEGER PRIMARY KEY", "hold id"),
        ("probe_id", f"INTEGER NOT NULL UNIQUE {_FK_PROBE}", "the probe held"),
        ("round_id", "TEXT NOT NULL REFERENCES rounds(id)", "the probe's round"),
        (
            "kind",
            "TEXT NOT NULL CHECK (kind IN ('outcome', 'elements'))",
            "outcome (ok -> guide_missing or blocked) | elements (an ok guide whose present"
            " elements changed)",
        ),
        (
            "previous_probe_id",
            "INTEGER REFERENCES probes(id) ON DELETE SET NULL",
            "the same city, scenario, matter and channel in the previous round that probed it",
        ),
        ("was", "TEXT NOT NULL", "then: the outcome, or the present elements (JSON list)"),
        ("now", "TEXT NOT NULL", "now: the outcome, or the present elements (JSON list)"),
        ("held_at", "TEXT NOT NULL", "when it was held (ISO 8601, UTC)"),
        ("released_at", "TEXT", "when an evaluator lifted it; empty while it holds the score"),
        ("released_by", "TEXT", "the evaluator who lifted it"),
        (
            "released_how",
            "TEXT CHECK (released_how IN ('confirmed', 'overridden'))",
            "confirmed (the machine was right) | overridden (an override of the probe)",
        ),
        ("note", "TEXT", "the evaluator's reason for a confirmation (an override keeps its own)"),
        indexes=("CREATE INDEX holds_round ON holds (round_id)",),
    ),
)


# A portal's health checks in time order (a portal down for a day, probes/alert/events.py).
_INDEXES_0009: tuple[str, ...] = ("CREATE INDEX checks_portal ON checks (kind, city, channel, at)",)


def open_db(
    path: str | Path | None = None,
    *,
    memory: bool = False,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    create: bool = True,
) -> sqlite_utils.Database:
    """Open (and create or migrate) the database: WAL, foreign keys, busy timeout.

    ``path=None`` means ``results/govprobe.db``; ``":memory:"`` or ``memory=True`` an in-memory
    database for tests.  The caller closes it (``db.close()`` or ``with open_db() as db``).
    ``create=False`` is for the commands that read: a missing file is an error naming the path,
    never a new, empty database made of a typo; so is a file that is not a database.
    """
    if memory or str(path) == ":memory:":
        db = sqlite_utils.Database(memory=True)
    else:
        file = Path(path) if path is not None else DEFAULT_DB
        # Never open() the file ourselves to look at it: closing a descriptor of it drops every
        # POSIX lock this process holds on it, those of its other connections too, and another
        # process may then checkpoint the WAL under them (sqlite.org/howtocorrupt.html, 2.2).
        # SQLite reads the header itself and says NOTADB; only an empty file needs a look.
        if not create and not file.is_file():
            raise StoreError(f"{file}: 没有这个数据库（读取的命令不会新建；请检查 --db）")
        if not create and file.stat().st_size == 0:
            raise StoreError(f"{file}: 不是 SQLite 数据库（空文件）")
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
    except sqlite3.DatabaseError as exc:
        db.close()
        if exc.sqlite_errorname == "SQLITE_NOTADB":  # the header is not SQLite's
            raise StoreError(f"{path or DEFAULT_DB}: 不是 SQLite 数据库") from exc
        raise
    except BaseException:
        db.close()
        raise
    return db
