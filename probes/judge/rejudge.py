"""Judge a stored round from its evidence alone: guides, and the replies to consultations.

Step 5 of the data flow (README, "Architecture"). No browser and no portal: ``govprobe
rejudge`` runs this on last month's round with today's rules.

* ``judge_round``: each capture's guide HTML read from the evidence store (checked against its
  hash), the canonical elements extracted, and each guide judged with the other channel's
  guide of the same city and matter beside it (PC and mobile must agree).
* ``judge_replies``: each poll of a consultation round's items replayed from the pages it
  kept (the list page, and the item's detail page where the list did not show its reply; each
  ``polled`` event names them): the item's row read again (``probes/judge/replies.py``), and
  the first poll whose row shows a reply gives the reply's text, status and time, as the poll
  did (the portal's time, or that poll's, since the poll before). Scoring them is the next
  step (``probes/score/replies.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime

from probes import store
from probes.judge.extract import Extraction, extract
from probes.judge.replies import Reply, polled_row, reply_seen
from probes.judge.rules import accuracy, completeness
from probes.plan.scenarios import Scenario
from probes.store.evidence import EvidenceStore

RULES_VERSION = "2026.11-1"


def judge_round(
    db, evidence: EvidenceStore, round_id: str, scenarios: Mapping[str, Scenario]
) -> int:
    """(Re)judge every capture of a round; returns how many probes were judged. Evidence that
    changed or vanished raises ``store.EvidenceError`` before anything is rewritten."""
    entries = store.captures_of_round(db, round_id)
    extras = {p["id"]: p.get("extra") or {} for p in store.probes_of_round(db, round_id)}
    extracted: dict[int, Extraction] = {}
    for entry in entries:
        capture = entry["capture"]
        html = store.read_evidence(db, evidence, capture["html_sha256"])
        # bytes: extract decodes them (UTF-8 as the journey stores them, else as declared)
        extracted[entry["probe_id"]] = extract(html, capture["url"])
    by_key = {(e["city"], e["scenario"], e["matter"], e["channel"]): e["probe_id"] for e in entries}
    for entry in entries:
        pid = entry["probe_id"]
        ex = extracted[pid]
        other_channel = "mobile" if entry["channel"] == "pc" else "pc"
        other_id = by_key.get((entry["city"], entry["scenario"], entry["matter"], other_channel))
        other = extracted.get(other_id) if other_id is not None else None
        extra = extras.get(pid, {})
        links = extra.get("links") or []
        # a script-challenge page (protected) is one a browser gets through: not judged broken
        status = {
            link["url"]: link.get("status") for link in links if link.get("result") != "protected"
        }
        apply_info = extra.get("online_apply") or {}
        reached = apply_info.get("reached") if apply_info.get("entry") else None
        matter = scenarios[entry["scenario"]].matter(entry["matter"])
        done = completeness(ex, matter.required)
        findings = accuracy(
            ex, link_status=status, other_channel=other, online_apply_reached=reached
        )
        form_links = {m.form_url for m in ex.materials if m.form_url}
        store.save_judgement(
            db,
            pid,
            elements=dict(ex.elements),
            empty=list(ex.empty),
            materials=[asdict(m) for m in ex.materials],
            links=[
                {
                    "url": link["url"],
                    "kind": "form" if link["url"] in form_links else "sample",
                    "status": link.get("status"),
                }
                for link in links
            ],
            findings=[asdict(f) for f in findings],
            completeness=done.ratio,
            required=list(done.required),
            missing=list(done.missing),
            rules_version=RULES_VERSION,
        )
    return len(entries)


def judge_replies(db, evidence: EvidenceStore, round_id: str) -> list[int]:
    """(Re)judge the replies of an interaction round's items from the pages their polls kept;
    returns the ids of the items judged. An item whose polls do not all name their pages
    (polled before the polls kept them) is left as it is. Where today's rules see the reply
    differently (its text, status, time, or a reply where none was seen), it is stored again,
    seen when the poll that shows it saw it, with a ``rejudged`` event saying what was before;
    a reply the pages no longer show is kept, and the event says so. Evidence that changed or
    vanished raises ``store.EvidenceError`` before anything is rewritten."""
    plans = []
    for item in store.items_of(db, round_id=round_id):
        polls = [e for e in store.item_events(db, item["id"]) if e["event"] == "polled"]
        if not polls or not all(p["detail"].get("list_html") for p in polls):
            continue
        pages = {}
        for poll in polls:
            for key in ("list_html", "detail_html"):
                sha = poll["detail"].get(key)
                if sha and sha not in pages:
                    pages[sha] = store.read_evidence(db, evidence, sha)
        plans.append((item, polls, pages))
    for item, polls, pages in plans:
        claimed = store.claimed_tickets(db, item["city"], item["kind"], besides=item["id"])
        reply, seen_at, previous = None, None, None
        for poll in polls:
            detail = poll["detail"]
            row = polled_row(
                pages[detail["list_html"]],
                pages.get(detail.get("detail_html") or ""),
                ticket=item["ticket"],
                title=item["title"],
                claimed=claimed,
                url=detail.get("list_url") or "",
            )
            polled_at = datetime.fromisoformat(detail["portal_now"])
            reply = reply_seen(row, polled_at, previous or item["submitted_at"])
            if reply is not None:
                seen_at = poll["at"]
                break
            previous = detail["portal_now"]
        _keep_reply(db, item, reply, seen_at)
    return [item["id"] for item, _polls, _pages in plans]


def _reply_facts(item: dict) -> dict:
    return {
        "state": item["state"],
        "replied_at": item["replied_at"],
        "reply_text": item["reply_text"],
        "status_text": item["status_text"],
        "replied_at_source": item["replied_at_source"],
        "reply_uncertainty_s": item["reply_uncertainty_s"],
    }


def _keep_reply(db, item: dict, reply: Reply | None, seen_at: str | None) -> None:
    before = _reply_facts(item)
    if reply is None:
        if item["state"] == "replied":
            store.note_item(
                db, item["id"], "rejudged", detail={"before": before, "reply": "not_in_pages"}
            )
        return
    after = {
        "state": "replied",
        "replied_at": reply.replied_at,
        "reply_text": reply.text,
        "status_text": reply.status,
        "replied_at_source": reply.source,
        "reply_uncertainty_s": reply.uncertainty_s,
    }
    if after == before:
        return
    store.record_reply(
        db, item["id"], replied_at=reply.replied_at, reply_text=reply.text,
        status_text=reply.status, seen_at=seen_at, source=reply.source,
        uncertainty_s=reply.uncertainty_s,
    )  # fmt: skip
    store.note_item(db, item["id"], "rejudged", detail={"before": before, "rules": RULES_VERSION})
