"""What ``govprobe score``, ``govprobe offline import`` and ``govprobe report`` do.

Steps 6 and 7 of the data flow (README, "Architecture"): read a round's observations out of
the database (``probes/score/observations.py``), score them on the indicator system
(``probes/score/scoring.py``, ``scenarios/indicators.yaml``), and lay the figures out for evaluators
(``probes/report/data.py``), with the offline side imported from the evaluators' spreadsheet
(``probes/score/offline.py``).
"""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path
from typing import Any

from probes import store
from probes.plan.cities import Registry, load_registry
from probes.plan.indicators import IndicatorSystem, load_indicators
from probes.plan.scenarios import ScenarioError, load_scenarios
from probes.report.thumbnails import thumbnail
from probes.score.observations import read_observations
from probes.score.offline import OfflineResults, read_offline
from probes.score.scoring import score_round
from probes.store.evidence import evidence_for
from probes.store.overrides import judged_items
from probes.text import INTEGRITY_ZH, SANDBOX_CLOCK_NOTE, beijing


def _guide_round(db, db_path, round_id: str | None) -> str:
    round_id = round_id or store.latest_round(db, "guides")
    if round_id is None:
        raise ScenarioError(f"{db_path}: no guide round to score (run `govprobe run` first)")
    row = store.get_round(db, round_id)
    if row is None:
        raise ScenarioError(f"{db_path}: no round {round_id!r}")
    if row["kind"] != "guides":
        raise ScenarioError(
            f"{db_path}: round {round_id} is a {row['kind']} round, not a guide round"
        )
    return round_id


def checks_until(round_row: dict) -> str:
    """The latest start of a health-check round that counts for a guide round: checks started
    before it ended (the demo runs them beside the round; a season, in the days before)."""
    return round_row.get("finished_at") or store.now_iso()


def score_of(
    db,
    round_id: str,
    *,
    interaction_round: str | None = None,
    registry: Registry | None = None,
    system: IndicatorSystem | None = None,
    check_rounds: list[str] | None = None,
    check_cache: dict | None = None,
) -> dict[str, Any]:
    """The score JSON of a guide round with its interaction round (``RoundScore.to_json``
    plus ``round`` and ``interaction_round``).

    ``registry`` and ``system`` default to the shipped files; ``check_rounds`` (the health
    checks the hardware items are scored from) to those of the round's own week (the 7 days
    before the latest check started by the time the round ended, ``checks_until``), so an older
    round keeps the figures it had;
    ``check_cache`` keeps what each check round read said, for the next call. Each city
    carries ``availability``: its week of visits (``Availability.to_json``: visits, share,
    score, ``short`` below the rule's sampling), None when no check visited it."""
    from probes.score.hardware import availability_of, check_rounds_of_week, hardware_observations

    registry = registry or load_registry()
    check_cache = {} if check_cache is None else check_cache  # each check round read once
    obs = read_observations(db, round_id, registry, interaction_round=interaction_round)
    row = store.get_round(db, round_id)
    target = row["target"]
    checks = (
        check_rounds
        if check_rounds is not None
        else check_rounds_of_week(db, target=target, until=checks_until(row))
    )
    known = {c.city for c in obs.cities}
    hardware = (
        [h for h in hardware_observations(db, *checks, cache=check_cache) if h.city in known]
        if checks
        else []
    )
    result = score_round(
        obs.cities, obs.guides, obs.interactions, obs.handling, [*obs.direct, *hardware],
        system or load_indicators(),
    ).to_json()  # fmt: skip
    # which figures rest on an evaluator's judgement (probes/store/overrides.py): the report marks them
    judged = judged_items(db, round_id, obs.interaction_round)
    # the availability figure of each city's week with the visits it rests on (the report
    # and the review pages show it; the rule, and why a short week may not score: hardware.py)
    week = availability_of(db, *checks, cache=check_cache) if checks else {}
    for city in result["cities"]:
        city["judged"] = judged.get(city["city"], [])
        found = week.get(city["city"])
        city["availability"] = found.to_json() if found else None
    result["national"]["judged"] = sorted({i for items in judged.values() for i in items})
    return {
        "round": round_id,
        "interaction_round": obs.interaction_round,
        "check_rounds": checks,
        **result,
    }


def score_season(
    db, *, target: str | None = None, registry: Registry | None = None
) -> list[dict[str, Any]]:
    """Every finished guide round (of a target), oldest first, scored with the health checks of
    its own week (as ``score_of`` picks them): the trend of the national figures.

    One entry per round: ``round``, ``started_at``, ``check_rounds``, ``national`` (score,
    indicators, items) and how many cities were ranked of how many scored."""
    from probes.score.hardware import check_rounds_of_week

    registry = registry or load_registry()
    system = load_indicators()
    trend, cache = [], {}  # each week's checks read once, though seven rounds' windows hold it
    # A round's observations live until it is scored, so the collector's full passes, which
    # they trigger, scan them: its work grew faster than the cities (300: 18% more per city
    # than 36, bench/growth.py). Scoring makes no cycles that need it; it runs again after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for row in store.rounds_of(db, "guides", target=target, status="finished"):
            checks = check_rounds_of_week(db, target=row["target"], until=checks_until(row))
            result = score_of(
                db, row["id"], registry=registry, system=system, check_rounds=checks,
                check_cache=cache,
            )  # fmt: skip
            for done in set(cache) - set(checks):  # windows move forward: never needed again
                del cache[done]
            trend.append(
                {
                    "round": row["id"],
                    "started_at": row["started_at"],
                    "check_rounds": checks,
                    "national": result["national"],
                    "ranked": sum(1 for c in result["cities"] if c["rank"] is not None),
                    "cities": len(result["cities"]),
                }
            )
    finally:
        if collecting:
            gc.enable()
    return trend


def score(
    db_path: str, round_id: str | None = None, *, compare: str | None = None
) -> dict[str, Any]:
    """``govprobe score``: the round's score; with ``compare``, the change from that round."""
    from probes.report.data import compare as changes

    with store.open_db(db_path, create=False) as db:
        round_id = _guide_round(db, db_path, round_id)
        result = score_of(db, round_id)
        if compare:
            old = score_of(db, _guide_round(db, db_path, compare))
            result["compare"] = {"round": compare, **changes(result, old)}
    return result


def import_offline(db_path: str, path: str | Path, *, by: str = "") -> dict[str, Any]:
    """Validate an offline results file and keep it (as evidence) for scoring and reports."""
    path = Path(path)
    results = read_offline(path)  # OfflineError names the file, row and column
    with store.open_db(db_path) as db:
        data = path.read_bytes()
        media = "text/csv" if path.suffix.lower() == ".csv" else "application/octet-stream"
        ref = evidence_for(db_path).put(data, media)
        import_id = store.record_offline_import(
            db, ref, source=path.name, suffix=path.suffix.lower(), sample=results.sample,
            cities=len(results.scores), by=by,
        )  # fmt: skip
    return {
        "import": import_id,
        "source": path.name,
        "sample": results.sample,
        "cities": len(results.scores),
        "matters": len(results.materials),
        "ignored_columns": list(results.ignored_columns),
    }


def stored_offline(db, db_path) -> OfflineResults | None:
    """The newest imported offline results, read again from the kept file."""
    row = store.latest_offline_import(db)
    if row is None:
        return None
    data = store.read_evidence(db, evidence_for(db_path), row["sha256"])
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / (Path(row["source"]).stem + row["suffix"])
        copy.write_bytes(data)
        results = read_offline(copy)
    return OfflineResults(
        Path(row["source"]), results.sample, results.scores, results.indicators,
        results.materials, results.ignored_columns,
    )  # fmt: skip


def report_data(
    db_path: str,
    round_id: str | None = None,
    *,
    compare: str | None = None,
    registry: Registry | None = None,
):
    """Everything a report shows for a round, as ``probes.report.data.ReportData`` (``registry``:
    the cities, default the shipped registry)."""
    with store.open_db(db_path, create=False) as db:
        return _report_data(db, db_path, round_id, compare=compare, registry=registry)


def _report_data(db, db_path: str, round_id: str | None, *, compare, registry):
    from probes.plan.cities import chinese_names
    from probes.report.data import build_report_data, offline_section

    evidence = evidence_for(db_path)
    round_id = _guide_round(db, db_path, round_id)
    result = score_of(db, round_id, registry=registry)
    missing = {k: j["missing"] for k, j in store.judgements_of_round(db, round_id).items()}
    shown = store.shown_elements(db, round_id)
    damaged = {d["sha256"]: d for d in store.verify_evidence(db, evidence)}
    probes = []
    for p in store.probes_of_round(db, round_id):
        problems = [
            f"{INTEGRITY_ZH[damaged[e['sha256']]['problem']]}：{e['relpath']}"
            for e in store.evidence_of_probe(db, p["id"])
            if e["sha256"] in damaged
        ]
        capture = store.capture_of_probe(db, p["id"])
        screenshot = None
        shot = capture.get("screenshot_sha256") if capture else None
        if shot and p["channel"] == "pc" and shot not in damaged:
            screenshot = thumbnail(store.read_evidence(db, evidence, shot))
        probes.append(
            {**p, "screenshot": screenshot, "elements": shown.get(p["id"], {}),
             "missing": missing.get(p["id"], []), "evidence_problems": problems}
        )  # fmt: skip
    threads = []
    if result["interaction_round"]:
        for item in store.items_of(db, round_id=result["interaction_round"]):
            threads.append({**item, "question": item["content"]})
    offline = stored_offline(db, db_path)
    previous = None
    if compare:
        previous = (
            compare, score_of(db, _guide_round(db, db_path, compare), registry=registry)
        )  # fmt: skip
    row = store.get_round(db, round_id)
    names = chinese_names()
    if registry is not None:
        names |= {c.id: c.name for c in registry.cities}
    return build_report_data(
        round_id=round_id,
        round_time=beijing(row["started_at"]),
        score=result,
        system=load_indicators(),
        names=names,
        probes=probes,
        threads=threads,
        offline=offline_section(offline, store.materials_of_round(db, round_id))
        if offline
        else None,
        previous=previous,
        generated_at=beijing(store.now_iso()),
        portal_clock=SANDBOX_CLOCK_NOTE if row["target"] == "sandbox" else None,
    )


def _same(a: Path, b: Path) -> bool:
    """One file under two names (a hard link): compared by inode, never by opening it."""
    try:
        return a.samefile(b)
    except OSError:
        return False


def refuse_to_overwrite(out: Path, db_path: str | Path) -> None:
    """A report is never written over the database, its WAL, an evidence file or any other
    SQLite database: a mistyped ``--out`` must not destroy what the evaluation rests on."""
    db = Path(db_path).resolve()
    target = out.resolve()
    evidence = evidence_for(db_path).root.resolve()
    ours = (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))
    if target in ours or (target.is_file() and any(_same(target, f) for f in ours)):
        raise ValueError(f"--out {out}: 这是数据库本身，报告不会覆盖它")
    if target == evidence or evidence in target.parents:
        raise ValueError(f"--out {out}: 在证据文件夹 {evidence} 内，报告不会写在那里")
    if target.is_file():  # another database: not ours, so reading its header drops no lock
        with target.open("rb") as head:
            if head.read(16) == b"SQLite format 3\x00":
                raise ValueError(f"--out {out}: 这是一个 SQLite 数据库，报告不会覆盖它")


def write_report(
    db_path: str,
    out: str | Path,
    *,
    round_id: str | None = None,
    fmt: str = "html",
    compare: str | None = None,
    registry: Registry | None = None,
) -> list[Path]:
    """``govprobe report``: one self-contained HTML file, an XLSX workbook, or CSV files."""
    from probes.report.data import render_html, write_csv, write_xlsx

    load_scenarios()  # a malformed scenario file fails here, naming itself
    out = Path(out)
    refuse_to_overwrite(out, db_path)
    data = report_data(db_path, round_id, compare=compare, registry=registry)
    if fmt == "html":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_html(data), encoding="utf-8")
        return [out]
    if fmt == "xlsx":
        out.parent.mkdir(parents=True, exist_ok=True)
        return [write_xlsx(data, out)]
    if fmt == "csv":
        return write_csv(data, out)
    raise ScenarioError(f"--format {fmt!r}: expected html, xlsx or csv")
