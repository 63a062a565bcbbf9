"""A full health check of the 36 sandbox portals: wall time, classification, links, hardware.

    .venv/bin/python -m bench.checks [--no-faults] [--json]

Starts a sandbox, puts one fault on five cities that each have a site of their own (5xx,
latency, hang, dropped connection, maintenance page) and the firewall's refusal of plain
clients on a sixth, and seeds a guide round from the sandbox's truth (one guide per city and
channel, and the form and sample links its materials list, with whether each works), so that
the check has a guide page and links to look at as it would after ``govprobe run``. Then runs
``govprobe check`` over every city's PC and mobile address (72), in Chromium too, and compares:

* each address's classification with what the faults and archetypes make it (a firewalled
  archetype is ``protected``, and must be confirmed up by the browser);
* each link's result with the truth's ``form_ok`` / ``sample_ok`` (links of the cities with a
  fault left out; a link behind a script challenge is ``protected``, counted apart: a plain
  client cannot tell whether it works);

and prints the wall time and the hardware items' national means. ``--json`` prints one line per
figure.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from statistics import mean

import httpx

from probes import store
from probes.app.health import check_portals
from probes.model import Capture, ProbeResult
from probes.outcomes import Outcome
from probes.plan.targets import SandboxProcess
from probes.score.hardware import HARDWARE_ITEMS
from probes.store.evidence import EvidenceStore

FAULTS = {
    "taiyuan": ({"mode": "5xx", "count": 1000}, "error"),
    "hohhot": ({"mode": "latency", "ms": 2500}, "slow"),
    "shenyang": ({"mode": "hang"}, "down"),
    "changchun": ({"mode": "drop"}, "down"),
    "harbin": ({"mode": "maintenance"}, "maintenance"),
    "dalian": ({"mode": "refuse_bots"}, "protected"),
}
FIREWALLED = ("listfw", "zjsearch")


def seed_guides(db_path: str, url: str, cities: list[dict]) -> dict[str, bool]:
    """A guide round from the truth; returns each seeded link and whether the truth says it
    works."""
    db = store.open_db(db_path)
    evidence = EvidenceStore(Path(db_path).parent / "evidence")
    html = evidence.put(b"<html><body>seeded from the sandbox's truth</body></html>", "text/html")
    links: dict[str, bool] = {}
    try:
        round_id = store.start_round(
            db, "guides", "sandbox", {"sandbox_url": url, "seeded_from": "truth"}
        )
        with httpx.Client(timeout=30) as client:
            for city in cities:
                truth = client.get(f"{url}/__sandbox/truth/{city['city_id']}").json()
                for channel in ("pc", "mobile"):
                    found = next(
                        (
                            (scenario, matter, m[channel])
                            for scenario, s in truth["scenarios"].items()
                            for matter, m in s["matters"].items()
                            if m[channel]["present"]
                        ),
                        None,
                    )
                    if found is None:
                        continue
                    scenario, matter, guide = found
                    capture = Capture(
                        url=guide["guide_url"], title=guide["name"], html=html, screenshot=None,
                        found_by="search", query=guide["name"], rank=1,
                    )  # fmt: skip
                    probe_id = store.save_probe(
                        db,
                        round_id,
                        ProbeResult(
                            city=city["city_id"], scenario=scenario, matter=matter,
                            channel=channel, portal_url=city[f"{channel}_url"], outcome=Outcome.OK,
                            reason="", started_at=store.now_iso(), seconds=0.0, capture=capture,
                        ),
                    )  # fmt: skip
                    rows = []
                    for material in guide["materials"]:
                        for kind in ("form", "sample"):
                            if material.get(f"{kind}_url"):
                                rows.append({"url": material[f"{kind}_url"], "kind": kind})
                                links[material[f"{kind}_url"]] = bool(material[f"{kind}_ok"])
                    store.save_judgement(
                        db, probe_id, elements={}, empty=[], materials=[], links=rows,
                        findings=[], completeness=1.0, required=[], missing=[],
                        rules_version="bench-seed",
                    )  # fmt: skip
        store.finish_round(db, round_id)
    finally:
        db.close()
    return links


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    faults = {} if args.no_faults else FAULTS
    with SandboxProcess() as sandbox, tempfile.TemporaryDirectory() as tmp:
        url = sandbox.url
        cities = httpx.get(f"{url}/__sandbox/cities", timeout=30).json()
        for city, (body, _) in faults.items():
            httpx.post(f"{url}/__sandbox/faults", json={"city": city, **body}).raise_for_status()
        db_path = f"{tmp}/govprobe.db"
        truth_links = seed_guides(db_path, url, cities)
        started = time.monotonic()
        summary = check_portals(target="sandbox", sandbox_url=url, db_path=db_path)
        wall = time.monotonic() - started

    archetype = {c["city_id"]: c["archetype"] for c in cities}

    def expected(city: str) -> str:
        if city in faults:
            return faults[city][1]
        return "protected" if archetype[city] in FIREWALLED else "up"

    portals = summary["portals"]
    mismatches = [
        f"{p['city']}/{p['channel']}: {p['classification']} ({p['reason']}) != {expected(p['city'])}"
        for p in portals
        if p["classification"] != expected(p["city"])
    ]
    protected = [p for p in portals if p["classification"] == "protected"]
    pages = [page for p in portals for page in p.get("pages", [])]
    # links of a city with a fault of its own answer as the fault says, not as the truth does
    checked_links = [
        link
        for link in summary["links"]
        if link["url"] in truth_links and link["city"] not in faults
    ]
    judged = [link for link in checked_links if link["result"] != "protected"]
    link_matches = [link for link in judged if (link["result"] == "ok") == truth_links[link["url"]]]
    per_item = {
        item: [h["value"] for h in summary["hardware"] if h["item"] == item]
        for item in HARDWARE_ITEMS
    }
    figures = {
        "portals": len(portals),
        "classified_as_expected": len(portals) - len(mismatches),
        "protected_confirmed_up_by_chromium": sum(bool(p["available"]) for p in protected),
        "protected": len(protected),
        "pages_loaded_in_chromium": sum(bool(p["loaded"]) for p in pages),
        "pages": len(pages),
        "links_checked": len(checked_links),
        "links_behind_a_challenge": len(checked_links) - len(judged),
        "links_judged": len(judged),
        "links_matching_truth": len(link_matches),
        "wall_seconds": round(wall, 1),
        **{
            f"hardware_{item}": round(mean(values), 2) if values else None
            for item, values in per_item.items()
        },
    }
    if args.json:
        for key, value in figures.items():
            print(json.dumps({"figure": key, "value": value}))
        return
    for key, value in figures.items():
        print(f"{key:36} {value}")
    for line in mismatches:
        print("  mismatch:", line)
    for link in judged:
        if link not in link_matches:
            print(
                f"  link: {link['url']} {link['result']} ({link['note']}) truth ok={truth_links[link['url']]}"
            )


if __name__ == "__main__":
    main()
