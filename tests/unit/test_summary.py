"""What evaluators read after a run: Chinese names and labels, ids only where there are none."""

from __future__ import annotations

from probes.cli.console import print_city_table, print_summary

SUMMARY = {
    "round": "R1",
    "probes": [
        {"city": "guangzhou", "scenario": "beauty-salon", "channel": "mobile",
         "matter": "fire-safety-inspection", "outcome": "guide_missing", "missing": [],
         "steps": 9, "seconds": 12.5},
        {"city": None, "scenario": "resident-insurance", "channel": "pc",
         "matter": "pension-registration", "outcome": "ok", "missing": ["收费标准"],
         "steps": 5, "seconds": 3.2},
    ],
}  # fmt: skip


def test_the_summary_names_cities_scenarios_channels_and_outcomes_in_chinese(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    print_summary(SUMMARY)
    out = capsys.readouterr().out
    for word in ("广州", "开办美容院", "移动端", "未找到办事指南", "城乡居民参保登记", "收费标准"):
        assert word in out
    assert "guangzhou" not in out and "guide_missing" not in out


def test_the_city_table_counts_guides_found_per_city(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    print_city_table(SUMMARY)
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "广州" in line)
    assert [cell.strip() for cell in row.strip("│ ").split("│")][:3] == ["广州", "1", "0"]
