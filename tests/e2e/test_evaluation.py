"""The evaluation commands on a stored round, as users run them (``govprobe`` child processes):
score and compare, the HTML and XLSX report, offline import, datasette metadata.

The round is ``tests/support/rounds.py``'s evaluated round (the ``filled`` fixture).
"""

from __future__ import annotations

import json
from pathlib import Path

from probes import store
from probes.settings import DATA_DIR
from probes.store.evidence import EvidenceStore
from tests.support.commands import govprobe, run_govprobe


def test_score_compare_and_report_through_the_command(filled, tmp_path):
    _db, path, round_id = filled
    result = govprobe("score", "--db", path, "--round", round_id, "--compare", round_id)
    assert result["compare"]["round"] == round_id
    out = tmp_path / "report.html"
    done = run_govprobe("report", "--db", path, "--out", str(out))
    assert done.returncode == 0, done.stderr
    html = out.read_text()
    assert "广州" in html and "拉萨" in html and "<b>标题</b>" not in html
    assert "&lt;b&gt;标题&lt;/b&gt;" in html
    xlsx = tmp_path / "report.xlsx"
    done = run_govprobe("report", "--db", path, "--out", str(xlsx), "--format", "xlsx")
    assert done.returncode == 0 and xlsx.stat().st_size > 0


def test_a_guide_round_is_needed_to_score(tmp_path):
    store.open_db(tmp_path / "empty.db").close()
    done = run_govprobe("score", "--db", str(tmp_path / "empty.db"))
    assert done.returncode != 0 and "no guide round" in done.stderr


def test_offline_results_are_imported_kept_and_errors_name_the_row(filled, tmp_path):
    db, path, _round = filled
    sample = DATA_DIR / "offline-sample.csv"
    done = run_govprobe("offline", "import", str(sample), "--db", path)
    assert done.returncode == 0, done.stderr
    assert "示例数据" in done.stdout and "36 个城市" in done.stdout
    row = store.latest_offline_import(db)
    assert row["sample"] == 1 and row["cities"] == 36
    assert store.read_evidence(
        db, EvidenceStore(Path(path).parent / "evidence"), row["sha256"]
    ) == (sample.read_bytes())
    bad = tmp_path / "bad.csv"
    bad.write_text("city,offline_score\n广州,90\n广洲,80\n", encoding="utf-8")
    done = run_govprobe("offline", "import", str(bad), "--db", path)
    assert done.returncode != 0 and "bad.csv" in done.stderr and "row 3" in done.stderr
    assert "广洲" in done.stderr
    assert store.latest_offline_import(db)["id"] == row["id"]  # nothing kept from a bad file


def test_datasette_metadata_describes_every_table_and_view(filled, tmp_path):
    db, path, _round = filled
    out = tmp_path / "metadata.json"
    done = run_govprobe("metadata", "--db", path, "--out", str(out))
    assert done.returncode == 0, done.stderr
    tables = json.loads(out.read_text())["databases"]["govprobe"]["tables"]
    names = {
        r["name"]
        for r in db.query(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            " AND name NOT LIKE 'sqlite_%'"
        )
    }
    assert names and names <= set(tables)
    assert all(tables[n]["description"] for n in names)
    assert all(all(tables[n]["columns"].values()) for n in names)
