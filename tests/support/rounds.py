"""Rounds written through the store's own functions (as journeys write them), small enough to
reason about: the evaluated round that scoring, overrides and the commands read
(``write_evaluated_round``), and the round the review pages show (``write_review_round``)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from probes import store
from probes.model import Capture, ProbeResult, Step
from probes.outcomes import Outcome
from probes.store.evidence import EvidenceStore

MATTERS = ("enterprise-registration", "public-health-permit", "fire-safety-inspection")


def guide_probe(
    ev: EvidenceStore, city: str, matter: str, outcome=Outcome.OK, apply=True, visits="0次"
) -> ProbeResult:
    """A PC guide probe of beauty-salon: found (its HTML stored, its online entry reached when
    ``apply``) or ended with ``outcome``."""
    html = (
        f"<html><body><h1>{matter}</h1><table><tr><th>到办事现场次数</th><td>{visits}</td></tr>"
        "</table><script>alert(1)</script></body></html>"
    )
    capture = None
    extra = {}
    if outcome == Outcome.OK:
        capture = Capture(
            url=f"http://portal/{city}/{matter}", title=matter,
            html=ev.put(html.encode(), "text/html"), screenshot=None, found_by="search",
            query=matter, rank=1,
        )  # fmt: skip
        extra["online_apply"] = {"entry": apply, "reached": apply, "login_wall": apply}
    return ProbeResult(
        city=city, scenario="beauty-salon", matter=matter, channel="pc",
        portal_url=f"http://portal/{city}", outcome=outcome, reason="", started_at=store.now_iso(),
        seconds=3.0, steps=(), capture=capture, extra=extra,
    )  # fmt: skip


def write_evaluated_round(db, db_path: Path) -> str:
    """A small guide round and the interaction round beside it; the guide round's id.

    guangzhou: all found and online, answered on time; lhasa: one guide missing, one matter
    needing a visit, a consultation blocked by a captcha, a complaint never answered. Evidence
    is stored beside the database (``evidence/``)."""
    ev = EvidenceStore(db_path.parent / "evidence")
    round_id = store.start_round(db, "guides", "sandbox")
    for matter in MATTERS:
        store.save_probe(db, round_id, guide_probe(ev, "guangzhou", matter))
    store.save_probe(db, round_id, guide_probe(ev, "lhasa", MATTERS[0]))
    store.save_probe(db, round_id, guide_probe(ev, "lhasa", MATTERS[1], visits="1次"))
    store.save_probe(db, round_id, guide_probe(ev, "lhasa", MATTERS[2], Outcome.GUIDE_MISSING))
    for p in store.probes_of_round(db, round_id):
        store.save_judgement(
            db, p["id"], elements={"到办事现场次数": "0次" if p["city"] == "guangzhou" or
                                   p["matter"] == MATTERS[0] else "1次"},
            empty=(), materials=(), links=(), findings=(), completeness=1.0,
            required=["到办事现场次数"], missing=[], rules_version="test",
        )  # fmt: skip
    store.finish_round(db, round_id)
    consult_round = store.start_round(db, "consult", "sandbox", {"dry_run": False})
    for city, kind, timely, effect, outcome in (
        ("guangzhou", "consult", "on_time", "solved", "ok"),
        ("guangzhou", "complaint", "late", "partly", "ok"),
        ("lhasa", "consult", None, None, "blocked"),
        ("lhasa", "complaint", "no_reply", "not", "ok"),
    ):
        item = store.record_intent(
            db, city=city, scenario="beauty-salon", kind=kind, round_id=consult_round,
            title="<b>标题</b>", content="问题",
        )  # fmt: skip
        store.note_item(db, item, "attempt", outcome=outcome)
        if timely:
            store.set_item_scores(db, item, working_days=1, timeliness=timely, effectiveness=effect)
    store.finish_round(db, consult_round)
    return round_id


# --- the review pages' round ----------------------------------------------------------------

TOKENS = {"李评估": "li-token-0123456789abcdef", "王评估": "wang-token-0123456789abcdef"}
LI, WANG = TOKENS["李评估"], TOKENS["王评估"]
PWN = "window.__pwned=1;alert(1)"
SCRIPT = f"<script>{PWN}</script>"
IMG = f'<img src=x onerror="{PWN}">'


def png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 250), color).save(out, "PNG")
    return out.getvalue()


def _review_probe(
    ev: EvidenceStore, city: str, matter: str, *, hostile: bool = False
) -> ProbeResult:
    mark = SCRIPT if hostile else ""
    guide_url = f"javascript:{PWN}" if hostile else f"http://portal/{city}/{matter}"
    html = f"<html><body><h1>{matter}</h1>{SCRIPT}{IMG}</body></html>"
    shots = [ev.put(png(c), "image/png") for c in (("navy", "teal") if not hostile else ("red",))]
    steps = (
        Step(1, "goto", f"http://portal/{city}", f"http://portal/{city}", 800, shots[0],
             IMG if hostile else ""),
        Step(2, "search", f"搜索框 ← {matter}{mark}", f"http://portal/{city}/search", 1200),
        Step(3, "capture", f"{matter}{mark}", guide_url, 300, shots[-1]),
    )  # fmt: skip
    capture = Capture(
        url=guide_url, title=f"{matter}{mark}", html=ev.put(html.encode(), "text/html"),
        screenshot=shots[-1], found_by="search", query=matter, rank=1,
        candidates=(f"候选{mark}",), url_trail=(f"http://portal/{city}", guide_url),
    )  # fmt: skip
    return ProbeResult(
        city=city, scenario="beauty-salon", matter=matter, channel="pc",
        portal_url=f"http://portal/{city}", outcome=Outcome.OK,
        reason=f"<svg onload=\"{PWN}\">" if hostile else "", started_at=store.now_iso(),
        seconds=2.3, steps=steps, capture=capture,
        extra={"online_apply": {"entry": True, "reached": True, "login_wall": False}},
    )  # fmt: skip


def write_review_round(db_path: Path) -> dict:
    """A guide round and an interaction round for the review pages; what the tests look up.

    guangzhou: three guides (one lacks 承诺办结时限), answered consultation and complaint;
    lhasa: hostile markup everywhere, a tamperable data file on one probe. Returns ``path``,
    ``guides`` (the round id), ``probes`` and ``items`` by (city, matter or kind), ``tamper``
    (the data file's reference) and ``evidence`` (the store)."""
    with store.open_db(db_path) as db:
        return _write_review_round(db, db_path)


def _write_review_round(db, db_path: Path) -> dict:
    ev = EvidenceStore(db_path.parent / "evidence")
    guides = store.start_round(db, "guides", "sandbox")
    ids: dict[tuple[str, str], int] = {}
    for city in ("guangzhou", "lhasa"):
        for matter in MATTERS:
            hostile = city == "lhasa" and matter == MATTERS[0]
            ids[city, matter] = store.save_probe(
                db, guides, _review_probe(ev, city, matter, hostile=hostile)
            )
    tamper = ev.put(b'{"guide": "the data this page loaded"}', "application/json")
    store.save_probe(
        db, guides, _review_probe(ev, "lhasa", MATTERS[1]), {"data": tamper}
    )  # the same attempt again, with a data file beside it
    for (city, matter), probe_id in ids.items():
        hostile = city == "lhasa" and matter == MATTERS[0]
        lacks = city == "guangzhou" and matter == MATTERS[1]
        values = {"事项名称": IMG if hostile else matter, "到办事现场次数": "0次"}
        if not lacks:
            values["承诺办结时限"] = "5个工作日"
        store.save_judgement(
            db, probe_id, elements=values, empty=(),
            materials=[{"name": f"申请书{SCRIPT if hostile else ''}",
                        "form_url": f"javascript:{PWN}" if hostile else "http://portal/form.doc"}],
            links=[{"url": "http://portal/form.doc", "kind": "form", "status": 200}],
            findings=[{"code": "link_broken", "detail": IMG}] if hostile else [],
            completeness=0.5 if lacks else 1.0,
            required=["到办事现场次数", "承诺办结时限"],
            missing=["承诺办结时限"] if lacks else [], rules_version="test",
        )  # fmt: skip
    store.finish_round(db, guides)
    consult = store.start_round(db, "consult", "sandbox", {"dry_run": False})
    items = {}
    receipt = ev.put(png("olive"), "image/png")
    for city, kind, timely, effect in (
        ("guangzhou", "consult", "on_time", "solved"),
        ("guangzhou", "complaint", "late", "partly"),
        ("lhasa", "consult", "on_time", "partly"),
        ("lhasa", "complaint", "no_reply", "not"),
    ):
        hostile = city == "lhasa" and kind == "consult"
        item = store.record_intent(
            db, city=city, scenario="beauty-salon", kind=kind, round_id=consult,
            title=f"开办美容院{SCRIPT if hostile else ''}", content=f"需要哪些材料？{IMG if hostile else ''}",
        )  # fmt: skip
        store.mark_submitted(
            db, item, f"T-{item}{IMG if hostile else ''}", "2026-03-02T10:00:00+08:00"
        )
        store.add_item_evidence(db, item, "receipt", receipt)
        if timely != "no_reply":
            store.record_reply(
                db, item, replied_at="2026-03-03T09:00:00+08:00",
                reply_text=f"请携带身份证。{SCRIPT}{IMG}" if hostile else "请携带营业执照。",
            )  # fmt: skip
        store.set_item_scores(db, item, working_days=1, timeliness=timely, effectiveness=effect)
        items[city, kind] = item
    store.finish_round(db, consult)
    return {"path": db_path, "guides": guides, "probes": ids, "items": items, "tamper": tamper,
           "evidence": ev}  # fmt: skip


# --- a later guide round, to compare with the evaluated one -------------------------------


def write_next_round(db, db_path: Path, *, outcomes=None, elements=None) -> str:
    """Another guide round of the evaluated round's probes (广州 and 拉萨, beauty-salon, PC),
    as ``write_evaluated_round`` wrote them unless ``outcomes`` ({(city, matter): Outcome})
    says otherwise; ``elements`` ({(city, matter): {element: value}}) adds elements to a found
    guide's judgement. Returns its id."""
    ev = EvidenceStore(db_path.parent / "evidence")
    said = {("lhasa", MATTERS[2]): Outcome.GUIDE_MISSING, **(outcomes or {})}
    visits = {("lhasa", MATTERS[1]): "1次"}
    round_id = store.start_round(db, "guides", "sandbox")
    for city in ("guangzhou", "lhasa"):
        for matter in MATTERS:
            key = (city, matter)
            outcome = said.get(key, Outcome.OK)
            probe_id = store.save_probe(
                db, round_id,
                guide_probe(ev, city, matter, outcome, visits=visits.get(key, "0次")),
            )  # fmt: skip
            if outcome == Outcome.OK:
                shown = {"到办事现场次数": visits.get(key, "0次"), **(elements or {}).get(key, {})}
                store.save_judgement(
                    db, probe_id, elements=shown, empty=(), materials=(), links=(),
                    findings=(), completeness=1.0, required=["到办事现场次数"], missing=[],
                    rules_version="test",
                )  # fmt: skip
    store.finish_round(db, round_id)
    return round_id
