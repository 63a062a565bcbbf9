"""Evaluators' judgements and corrections: labels on replies, overrides of machine judgements.

The machine judges what it can (is the guide there, which elements it shows, how the probe
ended, a suggested effectiveness for a reply); an evaluator judges what it should not judge
alone and corrects it where it was wrong. Each change:

* names who made it (the evaluator's name comes from their token in the review pages, from
  ``--by`` on the command line; either way normalised by ``evaluator_name``), when, the old and
  the new value and why (a reason is required, at most ``REASON_MAX`` characters);
* goes into the audit log (table ``labels``: the item or the subject ``probe:<id>``) with the
  channel it came through (``web``: the review pages; ``cli``: the command line or a script);
* counts in the scores at once (``probes/score/observations.py`` reads the active overrides, the
  evaluation marks the figures that rest on a judgement);
* waits for a second evaluator, when it overrides the machine, in the work queue: an override
  confirmed by its own author is refused.
* lifts a regression's hold (``probes/store/holds.py``): overriding a held probe, or confirming
  the machine's judgement of it (``confirm_machine``), lets it be scored. Withdrawing one (or overriding the same thing again)
  puts the previous value back, audited like the rest.

What a judgement names is checked here, not only in the forms, so the command line and any
script are held to the same rules: an element must be one of the guide elements
(``scenarios/elements.yaml``), an outcome one of ``probes.outcomes.Outcome``, a reason short
enough to read.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from probes.outcomes import TRANSIENT, Outcome
from probes.plan.elements import load_elements
from probes.store import db as store_db
from probes.store import holds, items
from probes.text import FIELD_ZH, change_name

EFFECTIVENESS = ("solved", "partly", "not")


# Where a change came from, recorded on every audit row: the review pages or the command line
# (anything calling the store directly counts as the command line). Rows written before the
# channel was recorded hold NULL.
CHANNELS = ("web", "cli")


# A reason is read by people, beside the change, in the review pages and the report.
REASON_MAX = 2000


NAME_MAX = 64


FIELDS = ("outcome", "element")


# Which second-level items a judgement can move (ids of scenarios/indicators.yaml).
GUIDE_ITEMS = ("obtainability", "completeness", "accuracy")


HANDLING_ITEMS = ("full_online", "online_depth", "visits")


ELEMENT_ITEMS = {"到办事现场次数": ("visits",), "网上办理深度": ("online_depth",)}


class OverrideError(ValueError):
    """A judgement the store refuses: an unknown probe, element or value, no reason or one too
    long, no evaluator's name, a self-confirmation. The message is for the evaluator, in
    Chinese: the review pages and the command line show it as it is."""


def evaluator_name(raw: str) -> str:
    """An evaluator's name as it is recorded: NFKC (full-width forms folded), invisible
    characters removed (Unicode category Cf: zero-width spaces, joiners, byte-order marks; and
    control characters), whitespace collapsed to one space. Raises OverrideError when nothing
    is left or it is longer than ``NAME_MAX``."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(c for c in text if c.isspace() or unicodedata.category(c) not in ("Cf", "Cc"))
    name = " ".join(text.split())
    if not name:
        raise OverrideError("必须填写评估人姓名")
    if len(name) > NAME_MAX:
        raise OverrideError(f"评估人姓名最多 {NAME_MAX} 字")
    return name


def same_evaluator_key(name: str) -> str:
    """What makes two spellings one evaluator: the normalised name without spaces, casefolded
    (``李 评估`` and ``李评估``, ``Li Wei`` and ``LIWEI`` are one)."""
    return evaluator_name(name).replace(" ", "").casefold()


def _channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise OverrideError(f"来源 {channel!r} 无效；可选：{'、'.join(CHANNELS)}")
    return channel


def _text(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise OverrideError("必须填写理由：说明机器判定错在哪里")
    if len(note) > REASON_MAX:
        raise OverrideError(f"理由最多 {REASON_MAX} 字（现为 {len(note)} 字），请删减后重新提交")
    return note


def _reason(note: str) -> str:
    return _text(note, required=True)


def _element(element: str) -> str:
    """``element`` when it is one of the guide elements; OverrideError otherwise."""
    element = (element or "").strip()
    if not element:
        raise OverrideError("请指明要素（如 承诺办结时限）")
    names = load_elements().names
    if element not in names:
        shown = element if len(element) <= 40 else element[:40] + "…"
        raise OverrideError(f"要素 {shown!r} 不是指南要素；可选：{'、'.join(names)}")
    return element


def _probe(db, probe_id: int) -> dict:
    row = next(iter(db.query("SELECT * FROM probes WHERE id = ?", [probe_id])), None)
    if row is None:
        raise OverrideError(f"没有探测 {probe_id}")
    return row


def _machine_element(db, probe_id: int, element: str) -> str:
    row = next(
        iter(
            db.query(
                "SELECT present FROM elements WHERE probe_id = ? AND element = ?",
                [probe_id, element],
            )
        ),
        None,
    )
    return "1" if row and row["present"] else "0"


def _active(db, probe_id: int, field: str, element: str | None) -> dict | None:
    return next(
        iter(
            db.query(
                "SELECT * FROM overrides WHERE probe_id = ? AND field = ?"
                " AND ifnull(element, '') = ? AND withdrawn_at IS NULL",
                [probe_id, field, element or ""],
            )
        ),
        None,
    )


def _audit(db, *, subject: str | None, item_id: int | None, field, old, new, by, note, at,
           channel: str):  # fmt: skip
    store_db.insert(
        db,
        "labels",
        {
            "item_id": item_id,
            "subject": subject,
            "field": field,
            "old": old,
            "new": new,
            "by": by,
            "at": at,
            "note": note,
            "channel": channel,
        },
    )


def _override(db, probe_id: int, field: str, element: str | None, machine: str, value: str,
              by: str, note: str, channel: str) -> int:  # fmt: skip
    by, note, channel = evaluator_name(by), _reason(note), _channel(channel)
    at = store_db.now_iso()
    with store_db.transaction(db):
        previous = _active(db, probe_id, field, element)
        old = previous["value"] if previous else machine
        if old == value:
            shown = f"要素 {element}" if element else FIELD_ZH.get(field, field)
            raise OverrideError(
                f"探测 {probe_id} 的{shown}已是{change_name(field, value)}，无需改判"
            )
        if previous:
            db.conn.execute(
                "UPDATE overrides SET withdrawn_by = ?, withdrawn_at = ? WHERE id = ?",
                [by, at, previous["id"]],
            )
        new_id = store_db.insert(
            db,
            "overrides",
            {
                "probe_id": probe_id,
                "field": field,
                "element": element,
                "machine": machine,
                "value": value,
                "by": by,
                "at": at,
                "note": note,
            },
        )
        label = f"element:{element}" if element else field
        _audit(db, subject=f"probe:{probe_id}", item_id=None, field=label, old=old, new=value,
               by=by, note=note, at=at, channel=channel)  # fmt: skip
        # a regression held for review: the evaluator has looked, the override is scored
        holds.release_hold(db, probe_id, by=by, how="overridden", at=at)
    return new_id


def override_element(db, probe_id: int, element: str, present: bool, *, by: str, note: str,
                     channel: str = "cli") -> int:  # fmt: skip
    """The evaluator says the guide does (or does not) show ``element`` with a real value."""
    _probe(db, probe_id)
    element = _element(element)
    value = "1" if present else "0"
    return _override(db, probe_id, "element", element, _machine_element(db, probe_id, element),
                     value, by, note, channel)  # fmt: skip


def override_outcome(db, probe_id: int, outcome: str, *, by: str, note: str,
                     channel: str = "cli") -> int:  # fmt: skip
    """The evaluator says the probe ended otherwise (e.g. the guide was there: ``ok``)."""
    probe = _probe(db, probe_id)
    try:
        Outcome(outcome)
    except ValueError:
        raise OverrideError(
            f"探测结果 {outcome!r} 无效；可选：{'、'.join(o.value for o in Outcome)}"
        ) from None
    return _override(db, probe_id, "outcome", None, probe["outcome"], outcome, by, note, channel)


def confirm_machine(db, probe_id: int, *, by: str, note: str, channel: str = "cli") -> None:
    """The evaluator says the machine was right about a regression held for review (a guide
    gone, a portal blocking, elements changed): the hold is lifted and the probe is scored as
    the machine judged it. A reason is required; audited as ``confirmed_machine``."""
    by, note, channel = evaluator_name(by), _reason(note), _channel(channel)
    probe = _probe(db, probe_id)
    at = store_db.now_iso()
    with store_db.transaction(db):
        if not holds.release_hold(db, probe_id, by=by, how="confirmed", at=at, note=note):
            raise OverrideError(f"探测 {probe_id} 没有待复核的回归，无需确认机器判定")
        _audit(db, subject=f"probe:{probe_id}", item_id=None, field="confirmed_machine",
               old=None, new=probe["outcome"], by=by, note=note, at=at,
               channel=channel)  # fmt: skip


def label_reply(db, item_id: int, effectiveness: str, *, by: str, note: str,
                channel: str = "cli") -> None:  # fmt: skip
    """The evaluator judges a reply: solved, partly or not (the machine only suggests)."""
    _label(db, item_id, "effectiveness", effectiveness, EFFECTIVENESS, by, note, channel)


TIMELINESS = ("on_time", "late", "no_reply")


def label_timeliness(db, item_id: int, timeliness: str, *, by: str, note: str,
                     channel: str = "cli") -> None:  # fmt: skip
    """The evaluator corrects a reply's timeliness (on_time, late, no_reply), with a reason,
    as any other judgement: a reply whose time the portal does not show is scored only then,
    and every later poll and rejudge keeps it."""
    _label(db, item_id, "timeliness", timeliness, TIMELINESS, by, note, channel)


def _label(db, item_id: int, field: str, value: str, allowed, by: str, note: str, channel: str):
    if value not in allowed:
        raise OverrideError(f"{FIELD_ZH[field]} {value!r} 无效；可选：{'、'.join(allowed)}")
    by, note, channel = evaluator_name(by), _reason(note), _channel(channel)
    try:
        items.get_item(db, item_id)
    except store_db.StoreError:
        raise OverrideError(f"没有咨询投诉条目 {item_id}") from None
    items.set_label(db, item_id, value, by, note, field=field, channel=channel)


def _override_row(db, override_id: int) -> dict:
    row = next(iter(db.query("SELECT * FROM overrides WHERE id = ?", [override_id])), None)
    if row is None:
        raise OverrideError(f"没有改判 {override_id}")
    return row


def confirm_override(db, override_id: int, *, by: str, note: str = "",
                     channel: str = "cli") -> None:  # fmt: skip
    """A second evaluator agrees with an override; its author cannot (however the name is
    spelled: ``same_evaluator_key``)."""
    by, note, channel = evaluator_name(by), _text(note, required=False), _channel(channel)
    row = _override_row(db, override_id)
    if row["withdrawn_at"]:
        raise OverrideError(f"改判 {override_id} 已撤回，无需确认")
    if row["confirmed_by"]:
        raise OverrideError(f"改判 {override_id} 已由 {row['confirmed_by']} 确认")
    if same_evaluator_key(by) == same_evaluator_key(row["by"]):
        raise OverrideError(f"改判 {override_id} 由 {by} 本人作出：须由另一位评估人确认")
    at = store_db.now_iso()
    with store_db.transaction(db):
        db.conn.execute(
            "UPDATE overrides SET confirmed_by = ?, confirmed_at = ? WHERE id = ?",
            [by, at, override_id],
        )
        _audit(db, subject=f"override:{override_id}", item_id=None, field="confirmed",
               old=None, new=row["value"], by=by, note=note, at=at, channel=channel)  # fmt: skip


def withdraw_override(db, override_id: int, *, by: str, note: str, channel: str = "cli") -> None:
    """Take an override back: the machine's judgement counts again."""
    by, note, channel = evaluator_name(by), _reason(note), _channel(channel)
    row = _override_row(db, override_id)
    if row["withdrawn_at"]:
        raise OverrideError(f"改判 {override_id} 已撤回")
    at = store_db.now_iso()
    with store_db.transaction(db):
        db.conn.execute(
            "UPDATE overrides SET withdrawn_by = ?, withdrawn_at = ? WHERE id = ?",
            [by, at, override_id],
        )
        label = f"element:{row['element']}" if row["element"] else row["field"]
        _audit(db, subject=f"probe:{row['probe_id']}", item_id=None, field=label,
               old=row["value"], new=row["machine"], by=by, note=note, at=at,
               channel=channel)  # fmt: skip


def overrides_of(db, *, round_id: str | None = None, probe_id: int | None = None,
                 include_withdrawn: bool = False) -> list[dict]:  # fmt: skip
    """Overrides with the probe's round and city, oldest first."""
    where, params = [], []
    if round_id is not None:
        where.append("p.round_id = ?")
        params.append(round_id)
    if probe_id is not None:
        where.append("o.probe_id = ?")
        params.append(probe_id)
    if not include_withdrawn:
        where.append("o.withdrawn_at IS NULL")
    sql = (
        "SELECT o.*, p.round_id, p.city, p.scenario, p.matter, p.channel FROM overrides o"
        " JOIN probes p ON p.id = o.probe_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY o.id"
    )
    return list(db.query(sql, params))


def active_overrides(db, round_id: str) -> dict[int, dict[str, Any]]:
    """``{probe_id: {"outcome": value, "elements": {element: present}}}`` for scoring."""
    active: dict[int, dict[str, Any]] = {}
    for o in overrides_of(db, round_id=round_id):
        entry = active.setdefault(o["probe_id"], {"outcome": None, "elements": {}})
        if o["field"] == "outcome":
            entry["outcome"] = o["value"]
        else:
            entry["elements"][o["element"]] = o["value"] == "1"
    return active


def audit(db, *, probe_id: int | None = None, item_id: int | None = None,
          limit: int = 500) -> list[dict]:  # fmt: skip
    """The audit log, newest first: of one probe (its overrides and their confirmations), of
    one item, or everything."""
    if probe_id is not None:
        ids = [r["id"] for r in db.query("SELECT id FROM overrides WHERE probe_id = ?", [probe_id])]
        subjects = [f"probe:{probe_id}", *(f"override:{i}" for i in ids)]
        marks = store_db.placeholders(subjects)
        sql, params = f"SELECT * FROM labels WHERE subject IN ({marks})", subjects
    elif item_id is not None:
        sql, params = "SELECT * FROM labels WHERE item_id = ?", [item_id]
    else:
        sql, params = "SELECT * FROM labels", []
    return list(db.query(f"{sql} ORDER BY id DESC LIMIT ?", [*params, limit]))


def judged_items(db, guide_round: str, interaction_round: str | None) -> dict[str, list[str]]:
    """``{city: [item ids]}``: the second-level items whose figure rests, for that city, on an
    evaluator's judgement (an active override of one of its probes, or a label on its items)."""
    judged: dict[str, set[str]] = {}
    for o in overrides_of(db, round_id=guide_round):
        if not o["city"]:
            continue
        moved = judged.setdefault(o["city"], set())
        if o["field"] == "outcome":
            moved.update(GUIDE_ITEMS + HANDLING_ITEMS)
        else:
            moved.add("completeness")
            moved.update(ELEMENT_ITEMS.get(o["element"], ()))
    if interaction_round is not None:
        for row in db.query(
            "SELECT DISTINCT i.city, i.kind, l.field FROM labels l JOIN items i ON i.id = l.item_id"
            " WHERE i.round_id = ? AND i.city IS NOT NULL",
            [interaction_round],
        ):
            judged.setdefault(row["city"], set()).add(f"{row['kind']}_{row['field']}")
    return {city: sorted(items) for city, items in judged.items()}


def work_queue(db, guide_round: str, interaction_round: str | None = None) -> dict[str, list[dict]]:
    """What a person should look at for a round, the most urgent first, each list oldest first:

    * ``regressions``: probes worse than the same probe of the previous round, held: not
      scored until an evaluator confirms the machine or overrides them;
    * ``awaiting_second``: overrides no second evaluator has confirmed (they hold a score);
    * ``timeliness_uncertain``: replies whose time the portal does not show, first seen too
      late to tell on time from late: not scored until an evaluator says which;
    * ``inconclusive``: probes that say nothing about the city yet: our own failure
      (``probe_error``), ``blocked``, or a transient failure no retry confirmed;
    * ``flaky``: probes whose retries disagreed;
    * ``auto_effectiveness``: replies judged only by the machine's suggestion.
    """
    auto, uncertain = [], []
    if interaction_round is not None:
        uncertain = list(
            db.query(
                "SELECT * FROM items i WHERE round_id = ? AND NOT dry_run AND state = 'replied'"
                " AND timeliness IS NULL AND NOT EXISTS (SELECT 1 FROM labels l"
                " WHERE l.item_id = i.id AND l.field = 'timeliness') ORDER BY id",
                [interaction_round],
            )
        )
        auto = list(
            db.query(
                "SELECT * FROM items WHERE round_id = ? AND NOT dry_run"
                " AND effectiveness IS NOT NULL AND ifnull(effectiveness_source, 'auto') = 'auto'"
                " ORDER BY id",
                [interaction_round],
            )
        )
    flaky, inconclusive = [], []
    settled = {
        o["probe_id"] for o in overrides_of(db, round_id=guide_round) if o["field"] == "outcome"
    }
    regressions = holds.holds_of(db, round_id=guide_round)
    held = {h["probe_id"] for h in regressions}
    for p in db.query("SELECT * FROM probes WHERE round_id = ? ORDER BY id", [guide_round]):
        if p["id"] in settled:  # an evaluator already said how it ended
            continue
        extra = json.loads(p["extra"] or "{}")
        if p["flaky"]:
            flaky.append(p)
        outcome = Outcome(p["outcome"])
        unconfirmed = outcome in TRANSIENT and not extra.get("confirmed")
        if (outcome in (Outcome.PROBE_ERROR, Outcome.BLOCKED) or unconfirmed) and p[
            "id"
        ] not in held:
            inconclusive.append(p)
    awaiting = [o for o in overrides_of(db, round_id=guide_round) if not o["confirmed_by"]]
    return {
        "regressions": regressions,
        "awaiting_second": awaiting,
        "timeliness_uncertain": uncertain,
        "inconclusive": inconclusive,
        "flaky": flaky,
        "auto_effectiveness": auto,
    }


def probe_of_override(db, override_id: int) -> int | None:
    """The probe an override corrects; None when there is no such override."""
    row = store_db.one(db, "SELECT probe_id FROM overrides WHERE id = ?", [override_id])
    return row["probe_id"] if row else None
