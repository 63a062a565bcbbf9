"""govprobe.toml read against the commands themselves, and the GOVPROBE_* names click derives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from probes.cli import main
from probes.cli.config import TEMPLATE, ConfigError, envvar_names, read_default_map

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def read(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "govprobe.toml"
    path.write_text(text, encoding="utf-8")
    return read_default_map(main, path)


def test_a_table_sets_its_command_over_the_top_which_sets_every_command_with_the_option(tmp_path):
    got = read(tmp_path, 'concurrency = 3\n[run]\nconcurrency = 2\nper-host = 1\n'
                         '[consult.submit]\ncity = "广州"\n')  # fmt: skip
    assert got["run"]["concurrency"] == 2 and got["run"]["per_host"] == 1
    assert got["poll"]["concurrency"] == 3
    assert got["consult"]["submit"]["concurrency"] == 3
    assert got["consult"]["submit"]["cities"] == ["广州"]  # a repeatable option takes a list
    assert "concurrency" not in got.get("score", {})


def test_a_shared_path_is_taken_from_the_file_s_folder(tmp_path):
    got = read(
        tmp_path, f'data = "season"\ndb = "results/x.db"\n[verify]\ndb = "{tmp_path}/y.db"\n'
    )
    assert got["data"] == str(tmp_path / "season")
    assert got["score"]["db_path"] == str(tmp_path / "results" / "x.db")
    assert got["schedule"]["start"]["db_path"] == str(tmp_path / "results" / "x.db")
    assert got["verify"]["db_path"] == str(tmp_path / "y.db")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[runn]\nx = 1\n", r"govprobe\.toml: runn: govprobe 没有命令 runn"),
        ("[run]\nconcurency = 2\n", r"govprobe\.toml: run\.concurency: govprobe run 没有这个选项"),
        ("concurency = 2\n", r"govprobe\.toml: concurency: 没有哪个命令有这个选项"),
        ("[run]\nconcurrency = 100\n", r"govprobe\.toml: run\.concurrency: 取值无效（govprobe run --concurrency）"),
        ("[run]\nconcurrency = \"two\"\n", r"govprobe\.toml: run\.concurrency: 取值无效"),
        ("[consult.submit]\nkind = [\"letter\"]\n", r"consult\.submit\.kind: 取值无效（govprobe consult submit --kind）"),
        ("concurrency = 0\n", r"govprobe\.toml: concurrency: 取值无效"),
        ("[run\n", r"govprobe\.toml: 不是有效的 TOML"),
        ("version = true\n", r"govprobe\.toml: version: 没有哪个命令有这个选项"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_naming_the_file_and_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        read(tmp_path, text)


def test_the_init_template_and_each_example_it_comments_out_are_valid(tmp_path):
    text = TEMPLATE.read_text(encoding="utf-8")
    assert read(tmp_path, text)["data"] == str(tmp_path)
    examples = re.sub(r"^# (\[|[a-z_]+ = )", r"\1", text, flags=re.MULTILINE)
    assert examples != text
    got = read(tmp_path, examples)
    assert got["run"]["target"] == "live" and got["consult"]["submit"]["phone"]


def test_the_documented_example_is_valid_and_its_variables_are_real(tmp_path):
    section = DOCS.read_text(encoding="utf-8").split("## 配置 (configuration)", 1)[1]
    section = section.split("\n## ", 1)[0]
    example = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert example, "docs/operations.md: the configuration section has no toml example"
    got = read(tmp_path, example.group(1))
    assert got["run"] and got["data"]
    names = envvar_names(main)
    documented = set(re.findall(r"GOVPROBE_[A-Z_]+[A-Z]", section))
    outside = {"GOVPROBE_CHROMIUM", "GOVPROBE_REVIEW_TOKENS"}  # read by the code, not click
    assert documented - outside <= set(names), documented - outside - set(names)
    assert {"GOVPROBE_DB", "GOVPROBE_DATA", "GOVPROBE_CONFIG", "GOVPROBE_RUN_CONCURRENCY"} <= (
        documented
    )


def test_every_option_reads_a_govprobe_variable_named_as_click_derives_it():
    names = envvar_names(main)
    assert names["GOVPROBE_RUN_CONCURRENCY"] == "govprobe run --concurrency"
    assert names["GOVPROBE_CONSULT_SUBMIT_CITIES"] == "govprobe consult submit --city"
    assert names["GOVPROBE_DATA"] == "govprobe --data"
    assert names["GOVPROBE_CONFIG"] == "govprobe --config"
    assert "GOVPROBE_RUN_DB_PATH" not in names  # the shared one: GOVPROBE_DB for every --db
    assert names["GOVPROBE_DB"] == "govprobe … --db"
    assert names["GOVPROBE_SANDBOX_SERVE_PORT"] == "govprobe sandbox serve --port"
