"""Scenario files, the city registry and platform profiles load, and bad ones fail clearly."""

from __future__ import annotations

import pytest

from probes.plan.cities import load_registry
from probes.plan.profiles import ACTIONS, load_profile, load_profiles
from probes.plan.scenarios import ScenarioError, load_scenario, load_scenarios

GOOD = """
id: demo
name: 演示
matters:
  - id: first
    name: 企业设立登记
    aliases: [公司设立登记]
required_elements:
  all: [事项名称]
  licensing: [法定办结时限]
consult: {matter: first, title: t, question: q, answer_points: [{id: a, keywords: [x]}]}
complaint: {matter: first, title: t, question: q, answer_points: [{id: a, keywords: [x]}]}
"""


def test_the_shipped_scenarios_name_the_five_matters():
    scenarios = load_scenarios()
    assert set(scenarios) == {"beauty-salon", "resident-insurance"}
    names = {m.name for s in scenarios.values() for m in s.matters}
    assert names == {
        "企业设立登记",
        "公共场所卫生许可",
        "公众聚集场所投入使用、营业前消防安全检查",
        "城乡居民基本养老保险参保登记",
        "城乡居民基本医疗保险参保登记",
    }


def test_time_limits_are_required_for_licensing_matters_only():
    scenarios = load_scenarios()
    permit = scenarios["beauty-salon"].matter("public-health-permit")
    pension = scenarios["resident-insurance"].matter("pension-registration")
    assert "法定办结时限" in permit.required and "承诺办结时限" in permit.required
    assert "法定办结时限" not in pension.required
    assert "申请材料" in pension.required


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("aliases: [公司设立登记]", "aliases: 7"), "matters[0].aliases"),
        (("id: first", "id: First Matter"), "matters[0].id"),
        (("consult: {matter: first", "consult: {matter: nowhere"), "consult.matter"),
        (("name: 演示", "name: 演示\nsurprise: 1"), "surprise"),
        (("aliases: [公司设立登记]", "aliases: [' ']"), "matters[0].aliases"),
    ],
)
def test_a_malformed_scenario_names_its_file_and_key(tmp_path, change, message):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_invalid_yaml_is_reported_with_its_path(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(ScenarioError, match="broken.yaml: not valid YAML"):
        load_scenario(path)


def test_the_registry_has_36_cities_in_six_regions():
    registry = load_registry()
    assert len(registry.cities) == 36
    assert {c.region for c in registry.cities} == {"华北", "东北", "华东", "华南", "西南", "西北"}
    assert registry.find("广州市").id == "guangzhou"
    assert registry.find("shenzhen").name == "深圳"


def test_an_unknown_city_is_a_clear_error():
    with pytest.raises(ScenarioError, match="没有这个城市：'纽约'"):
        load_registry().find("纽约")


def test_shipped_profiles_load_and_use_known_actions():
    profiles = load_profiles()
    assert {"gdzwfw", "zjzwfw", "fjzwfw"} <= set(profiles)
    for profile in profiles.values():
        for step in (*profile.arrival, *profile.mobile_arrival):
            assert step.action in ACTIONS


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("[{action: teleport}]", "arrival[0].action: unknown action 'teleport'"),
        ("[{action: click_text}]", "arrival[0]: action 'click_text' needs text"),
        ("[{action: wait, ms: 5, speed: 2}]", "arrival[0].speed: not an argument of 'wait'"),
        ("[just-a-string]", "arrival[0]: Input should be a valid dictionary"),
    ],
)
def test_a_profile_step_with_an_unknown_action_fails_at_load(tmp_path, steps, message):
    path = tmp_path / "plat.yaml"
    path.write_text(f"id: plat\nname: 平台\narrival: {steps}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_profile(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_a_profile_whose_id_differs_from_its_file_name_is_refused(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text("id: other\nname: 平台\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="does not match the file name"):
        load_profile(path)


def test_profile_placeholders_are_filled_with_the_city():
    step = load_profiles()["zjzwfw"].arrival[2]
    assert step.render(city="宁波").args["text"] == "宁波"
