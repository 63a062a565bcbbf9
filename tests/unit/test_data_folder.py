"""An evaluation folder laid over the shipped data, and where live mobile journeys go."""

from __future__ import annotations

import shutil

import pytest

from probes.plan.cities import load_registry
from probes.plan.datafiles import (
    DataFileError,
    data_file,
    use_data_dir,
    write_evaluation_folder,
)
from probes.plan.elements import load_elements
from probes.plan.indicators import load_indicators
from probes.plan.profiles import load_profiles
from probes.plan.scenarios import ScenarioError, load_scenarios
from probes.plan.targets import live_targets
from probes.plan.workdays import WorkCalendar
from probes.settings import DATA_DIR
from tests.support.registry import TWO_CITIES


def test_a_folder_with_only_cities_yaml_replaces_the_registry_and_nothing_else(tmp_path):
    shipped_scenarios = set(load_scenarios())
    shipped_profiles = set(load_profiles())
    (tmp_path / "cities.yaml").write_text(TWO_CITIES, encoding="utf-8")
    use_data_dir(tmp_path)
    registry = load_registry()
    assert [c.name for c in registry.cities] == ["测试", "另一"]
    assert registry.source == tmp_path / "cities.yaml"
    assert set(load_scenarios()) == shipped_scenarios
    assert set(load_profiles()) == shipped_profiles
    for name in ("indicators.yaml", "elements.yaml", "workdays-override.yaml"):
        assert data_file(name) == DATA_DIR / name
    assert load_indicators().items and load_elements().label_map and WorkCalendar.load().override


def test_the_folder_s_scenarios_are_the_whole_set_when_it_has_any(tmp_path):
    shutil.copy(DATA_DIR / "beauty-salon.yaml", tmp_path / "salon.yaml")
    use_data_dir(tmp_path)
    scenarios = load_scenarios()
    assert set(scenarios) == {"beauty-salon"}
    assert scenarios["beauty-salon"].source == tmp_path / "salon.yaml"


def test_a_folder_s_profile_replaces_the_shipped_one_of_its_name_only(tmp_path):
    (tmp_path / "platforms").mkdir()
    text = (DATA_DIR / "platforms" / "gdzwfw.yaml").read_text("utf-8")
    (tmp_path / "platforms" / "gdzwfw.yaml").write_text(text, encoding="utf-8")
    use_data_dir(tmp_path)
    profiles = load_profiles()
    assert profiles["gdzwfw"].source == tmp_path / "platforms" / "gdzwfw.yaml"
    assert profiles["zjzwfw"].source == DATA_DIR / "platforms" / "zjzwfw.yaml"


def test_a_bad_file_in_the_folder_is_named_with_its_key(tmp_path):
    (tmp_path / "cities.yaml").write_text(
        TWO_CITIES.replace("https://m.zwfw", "m.zwfw"), encoding="utf-8"
    )
    use_data_dir(tmp_path)
    with pytest.raises(ScenarioError, match=r"cities\.yaml: cities\[0\]\.mobile_url"):
        load_registry()


def test_a_data_folder_that_is_not_there_is_an_error_naming_it(tmp_path):
    with pytest.raises(DataFileError, match=f"{tmp_path / 'absent'}: 数据目录不存在"):
        use_data_dir(tmp_path / "absent")


def test_live_mobile_targets_take_mobile_url_and_else_the_pc_address(tmp_path):
    (tmp_path / "cities.yaml").write_text(TWO_CITIES, encoding="utf-8")
    registry = load_registry(tmp_path / "cities.yaml")
    targets = {(t.city.id, t.channel): t for t in live_targets(registry.cities, ("pc", "mobile"))}
    assert (targets["testcity", "mobile"].url, targets["testcity", "mobile"].address) == (
        "https://m.zwfw.test.example/",
        "mobile_url",
    )
    assert (targets["testcity", "pc"].url, targets["testcity", "pc"].address) == (
        "https://zwfw.test.example/",
        "pc_url",
    )
    assert (targets["othercity", "mobile"].url, targets["othercity", "mobile"].address) == (
        "https://other.test.example/",
        "pc_url",
    )


def test_init_writes_the_shipped_data_and_refuses_to_overwrite(tmp_path):
    written = write_evaluation_folder(tmp_path / "season", {"govprobe.toml": "# config\n"})
    names = {p.relative_to(tmp_path / "season").as_posix() for p in written}
    assert {"cities.yaml", "indicators.yaml", "beauty-salon.yaml", "resident-insurance.yaml",
            "platforms/gdzwfw.yaml", "govprobe.toml"} <= names  # fmt: skip
    assert "schedule.yaml" in names  # the timetable too: `schedule start --data` reads it
    assert (tmp_path / "season" / "cities.yaml").read_bytes() == (
        DATA_DIR / "cities.yaml"
    ).read_bytes()
    (tmp_path / "season" / "cities.yaml").write_text(TWO_CITIES, encoding="utf-8")
    (tmp_path / "season" / "indicators.yaml").unlink()
    with pytest.raises(DataFileError, match="已有文件，不覆盖") as refused:
        write_evaluation_folder(tmp_path / "season", {"govprobe.toml": "# config\n"})
    assert str(tmp_path / "season" / "cities.yaml") in str(refused.value)
    assert not (tmp_path / "season" / "indicators.yaml").exists()  # nothing written
    assert "另一" in (tmp_path / "season" / "cities.yaml").read_text("utf-8")


def test_an_evaluation_folder_brings_its_own_timetable(tmp_path):
    from probes.schedule.file import load_schedule, schedule_path

    assert schedule_path() == DATA_DIR / "schedule.yaml"
    folder = tmp_path / "season"
    folder.mkdir()
    (folder / "schedule.yaml").write_text(
        "timezone: Asia/Shanghai\njobs:\n  - {id: nightly, kind: touch, every: 1d, args: {path: beat}}\n",
        encoding="utf-8",
    )
    use_data_dir(folder)
    assert schedule_path() == folder / "schedule.yaml"
    assert [j.id for j in load_schedule().jobs] == ["nightly"]
