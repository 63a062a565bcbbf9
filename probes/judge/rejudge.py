"""Judge a stored round from its evidence alone: extract, then completeness and accuracy.

Step 5 of the data flow (README, "Architecture"). Reads each capture's guide HTML from the
evidence store (checked against its hash), extracts the canonical elements, and judges each
guide with the other channel's guide of the same city and matter beside it (PC and mobile
must agree). No browser and no portal: ``govprobe rejudge`` runs this on last month's round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

from probes import store
from probes.judge.extract import Extraction, extract
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
        status = {link["url"]: link.get("status") for link in links}
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
