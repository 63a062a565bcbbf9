"""Data safety (issue 16, item 5): a typo never creates a database, a report never overwrites
what the evaluation rests on, and a round that measured nothing does not exit 0."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

from probes import store
from probes.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    "command",
    [
        ["score"],
        ["report", "--out", "{tmp}/r.html"],
        ["verify"],
        ["metadata"],
        ["rejudge"],
        ["poll", "--sandbox-url", "http://127.0.0.1:9"],
        ["label", "1", "solved", "--by", "李评估", "--note", "x"],
    ],
)
def test_a_reading_command_never_creates_a_database_from_a_typo(tmp_path, command):
    typo = tmp_path / "govprbe.db"
    result = run(*[a.format(tmp=tmp_path) for a in command], "--db", str(typo))
    assert result.exit_code != 0
    assert str(typo) in result.output and "没有这个数据库" in result.output
    assert not typo.exists() and not (tmp_path / "r.html").exists()


def test_a_file_that_is_not_a_database_is_named_not_migrated(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n", encoding="utf-8")
    result = run("score", "--db", str(notes))
    assert result.exit_code != 0 and "不是 SQLite 数据库" in result.output
    assert notes.read_text(encoding="utf-8") == "not a database\n"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_report_is_never_written_over_the_database(tmp_path):
    path = tmp_path / "g.db"
    store.open_db(path).close()
    before = _digest(path)
    result = run("report", "--db", str(path), "--out", str(path))
    assert result.exit_code != 0 and "数据库本身" in result.output
    assert _digest(path) == before
    linked = tmp_path / "report.html"  # the database under another name
    linked.hardlink_to(path)
    result = run("report", "--db", str(path), "--out", str(linked))
    assert result.exit_code != 0 and "数据库本身" in result.output
    assert _digest(path) == before


def test_a_report_is_never_written_over_another_database_or_into_the_evidence(tmp_path):
    path = tmp_path / "g.db"
    store.open_db(path).close()
    other = tmp_path / "last-season.db"
    store.open_db(other).close()
    before = _digest(other)
    result = run("report", "--db", str(path), "--out", str(other))
    assert result.exit_code != 0 and "SQLite 数据库" in result.output
    assert _digest(other) == before
    inside = tmp_path / "evidence" / "ab" / "report.html"
    result = run("report", "--db", str(path), "--out", str(inside))
    assert result.exit_code != 0 and "证据文件夹" in result.output
    assert not inside.exists()


def test_verify_over_a_database_without_evidence_says_so_and_fails(tmp_path):
    path = tmp_path / "g.db"
    store.open_db(path).close()
    result = run("verify", "--db", str(path))
    assert result.exit_code != 0 and "没有任何证据文件" in result.output


def _summary(*outcomes: str) -> dict:
    return {
        "round": "r1",
        "probes": [
            {"city": "beijing", "scenario": "beauty-salon", "channel": "pc", "matter": "m",
             "outcome": o, "missing": [], "steps": 0, "seconds": 0.1}
            for o in outcomes
        ],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("outcomes", "fails"),
    [
        (("probe_error", "probe_error"), True),
        (("probe_error", "timeout"), False),  # the portal's timeout was measured
        (("ok",), False),
    ],
)
def test_run_exits_non_zero_only_when_nothing_could_be_measured(tmp_path, monkeypatch, outcomes,
                                                                fails):  # fmt: skip
    from probes.app import guides

    monkeypatch.setattr(guides, "run_guides", lambda **kwargs: _summary(*outcomes))
    result = run("run", "--db", str(tmp_path / "g.db"), "--json")
    assert (result.exit_code != 0) is fails
    if fails:
        assert "没有测得任何结果" in result.output and "探测程序错误 2" in result.output


@pytest.mark.parametrize(
    ("polled", "fails"),
    [
        (["probe_error", "probe_error"], True),
        (["probe_error", "blocked"], False),  # the portal's firewall was measured
        ([], False),  # nothing open to poll is not a failure
    ],
)
def test_poll_exits_non_zero_only_when_no_list_could_be_read(tmp_path, monkeypatch, polled,
                                                             fails):  # fmt: skip
    from probes.app import consult

    monkeypatch.setattr(consult, "consult_poll", lambda **kwargs: {"items": [], "polled": polled})
    result = run("poll", "--sandbox-url", "http://127.0.0.1:9", "--db", str(tmp_path / "g.db"))
    assert (result.exit_code != 0) is fails, result.output
    if fails:
        assert "回复查询：没有测得任何结果" in result.output
