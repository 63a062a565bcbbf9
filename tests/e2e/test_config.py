"""govprobe.toml, GOVPROBE_* variables, evaluation folders and ``govprobe init``, through the
``govprobe`` command as a child process in a folder of the test's own."""

from __future__ import annotations

from pathlib import Path

from probes.settings import DATA_DIR
from tests.support.commands import run_govprobe
from tests.support.registry import ONE_CITY


def score_db(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Which database ``govprobe score`` was given: a reading command names the one it did
    not find, and creates none."""
    done = run_govprobe(*args, "score", cwd=tmp_path, env=env or {}, timeout=120)
    assert done.returncode == 1, done.stderr
    return done.stderr.split("Error: ", 1)[1].split(":", 1)[0]


def test_a_flag_beats_the_environment_which_beats_the_file_which_beats_the_default(tmp_path):
    assert score_db(tmp_path) == "results/govprobe.db"
    (tmp_path / "govprobe.toml").write_text('db = "file.db"\n', encoding="utf-8")
    assert score_db(tmp_path) == "file.db"
    assert score_db(tmp_path, env={"GOVPROBE_DB": "env.db"}) == "env.db"
    flag = ("score", "--db", "flag.db")
    done = run_govprobe(*flag, cwd=tmp_path, env={"GOVPROBE_DB": "env.db"}, timeout=120)
    assert "flag.db: " in done.stderr, done.stderr
    assert not list(tmp_path.glob("*.db"))


def test_a_command_s_own_table_and_variable_in_the_same_order(tmp_path):
    (tmp_path / "govprobe.toml").write_text('[run]\ncity = ["文件市"]\n', encoding="utf-8")

    def unknown_city(*flags: str, env: dict[str, str] | None = None) -> str:
        done = run_govprobe(
            "run", "--target", "live", "--db", "r.db", *flags, cwd=tmp_path, env=env or {},
            timeout=120,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        return done.stderr.split("没有这个城市：", 1)[1].split("（", 1)[0]

    assert unknown_city() == "'文件市'"
    assert unknown_city(env={"GOVPROBE_RUN_CITIES": "环境市 另市"}) == "'环境市'"
    assert unknown_city("--city", "旗标市", env={"GOVPROBE_RUN_CITIES": "环境市"}) == "'旗标市'"
    refused = run_govprobe("run", cwd=tmp_path, env={"GOVPROBE_RUN_CONCURRENCY": "0"})
    assert refused.returncode == 2 and "'--concurrency': 0 is not in the range" in refused.stderr


def test_a_bad_config_file_stops_every_command_before_it_runs(tmp_path):
    (tmp_path / "season.toml").write_text("[run]\nper_host = 99\n", encoding="utf-8")
    for env in ({"GOVPROBE_CONFIG": "season.toml"}, {}):
        args = () if env else ("--config", "season.toml")
        done = run_govprobe(*args, "run", "--db", "r.db", cwd=tmp_path, env=env, timeout=120)
        assert done.returncode == 1
        assert "season.toml: run.per_host: 取值无效（govprobe run --per-host）" in done.stderr
    assert not (tmp_path / "r.db").exists()
    done = run_govprobe("--config", "absent.toml", "score", cwd=tmp_path, env={})
    assert done.returncode == 1 and "absent.toml: 配置文件不存在" in done.stderr


def test_init_writes_an_evaluation_folder_that_runs_and_refuses_to_overwrite_it(tmp_path):
    done = run_govprobe("init", "season", cwd=tmp_path, env={}, timeout=120)
    assert done.returncode == 0, done.stderr
    season = tmp_path / "season"
    assert (season / "cities.yaml").read_bytes() == (DATA_DIR / "cities.yaml").read_bytes()
    assert (season / "platforms" / "gdzwfw.yaml").is_file()
    assert "data = " in (season / "govprobe.toml").read_text("utf-8")
    (season / "cities.yaml").write_text(ONE_CITY, encoding="utf-8")
    again = run_govprobe("init", "season", cwd=tmp_path, env={}, timeout=120)
    assert again.returncode == 1 and "已有文件，不覆盖" in again.stderr
    assert "测试" in (season / "cities.yaml").read_text("utf-8")
    # its govprobe.toml points at itself: run in the folder, the folder's registry is read
    done = run_govprobe("run", "--target", "live", "--city", "广州", cwd=season, env={})
    assert "已有：测试）" in done.stderr, done.stderr
    assert (season / "results" / "govprobe.db").exists()  # db = results/govprobe.db, there


def test_an_evaluation_folder_of_only_cities_yaml_keeps_the_shipped_scenarios(tmp_path):
    folder = tmp_path / "ours"
    folder.mkdir()
    (folder / "cities.yaml").write_text(ONE_CITY, encoding="utf-8")
    for args, env in ((("--data", str(folder)), {}), ((), {"GOVPROBE_DATA": str(folder)})):
        done = run_govprobe(*args, "run", "--target", "live", "--city", "广州",
                            "--db", "r.db", cwd=tmp_path, env=env, timeout=120)  # fmt: skip
        assert "cities.yaml: 没有这个城市：'广州'（已有：测试）" in done.stderr, done.stderr
        done = run_govprobe(*args, "run", "--target", "live", "--scenario", "nope",
                            "--db", "r.db", cwd=tmp_path, env=env, timeout=120)  # fmt: skip
        assert "已有：beauty-salon, resident-insurance" in done.stderr, done.stderr
    done = run_govprobe("--data", str(tmp_path / "absent"), "score", cwd=tmp_path, env={})
    assert done.returncode == 1 and "数据目录不存在" in done.stderr
