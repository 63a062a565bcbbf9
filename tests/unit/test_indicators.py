"""The indicator file loads as the brief describes it, and a bad one fails naming file and key."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from probes.plan.indicators import INDICATORS_PATH, IndicatorError, load_indicators

RAW: dict[str, Any] = yaml.safe_load(INDICATORS_PATH.read_text(encoding="utf-8"))


def test_the_shipped_file_has_the_four_indicators_with_their_chinese_names() -> None:
    system = load_indicators()
    assert [(i.id, i.name) for i in system.indicators] == [
        ("guide", "办事指南"),
        ("hardware", "硬件支撑"),
        ("handling", "事项办理"),
        ("interaction", "互动交流"),
    ]


@pytest.mark.parametrize(
    ("indicator", "items"),
    [
        ("guide", {"obtainability": "易获性", "completeness": "全面性", "accuracy": "准确性"}),
        (
            "hardware",
            {
                "availability": "可用性",
                "speed": "访问速度",
                "https": "安全连接",
                "mobile": "移动端适配",
                "accessibility": "无障碍",
            },
        ),
        (
            "handling",
            {"full_online": "全程网办", "online_depth": "网上办理深度", "visits": "跑动次数"},
        ),
        (
            "interaction",
            {
                "consult_timeliness": "咨询回复及时性",
                "consult_effectiveness": "咨询回复有效性",
                "complaint_timeliness": "投诉问题处置及时性",
                "complaint_effectiveness": "投诉问题处置有效性",
                "rating": "好差评",
            },
        ),
    ],
)
def test_each_indicator_has_its_items(indicator: str, items: dict[str, str]) -> None:
    ind = load_indicators().indicator(indicator)
    assert {i.id: i.name for i in ind.items} == items
    assert all(i.indicator == indicator for i in ind.items)


def test_weights_are_equal_at_every_level_by_default() -> None:
    system = load_indicators()
    assert {i.weight for i in system.indicators} == {1.0}
    for ind in system.indicators:
        assert len({i.weight for i in ind.items}) == 1


def test_the_thresholds_are_the_brief_defaults() -> None:
    t = load_indicators().thresholds
    assert (t.on_time_days, t.window_days, t.incomplete_share) == (5, 20, 0.25)


def test_items_are_found_by_id_and_an_unknown_id_is_an_error() -> None:
    system = load_indicators()
    assert system.item("visits").rubric.points == {"0": 100, "1": 50, "more": 0}
    with pytest.raises(KeyError):
        system.item("nonsense")


def _items(raw: dict, i: int) -> list[dict]:
    return raw["indicators"][i]["items"]


def _set(path: list[Any], value: Any) -> Callable[[dict], None]:
    def mutate(raw: dict) -> None:
        target = raw
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _drop(path: list[Any]) -> Callable[[dict], None]:
    def mutate(raw: dict) -> None:
        target = raw
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


OBT = ["indicators", 0, "items", 0, "rubric"]
CONSULT = ["indicators", 3, "items", 0, "rubric"]


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (_drop([*OBT, "points", "navigation"]), "indicators[0].items[0].rubric.points: "),
        (_set([*OBT, "points", "search"], 150), "indicators[0].items[0].rubric.points: "),
        (_set([*OBT, "points", "rank"], 10), "unknown ['rank']"),
        (_set([*OBT, "method"], "guesswork"), "indicators[0].items[0].rubric.method: "),
        (_drop([*CONSULT, "kind"]), "indicators[3].items[0].rubric.kind: "),
        (_set([*OBT, "kind"], "consult"), "indicators[0].items[0].rubric.kind: "),
        (_set([*OBT, "floor"], -1), "indicators[0].items[0].rubric.floor: "),
        (_set(["indicators", 1, "weight"], 0), "indicators[1].weight: "),
        (_set(["indicators", 2, "items", 1, "weight"], -1), "indicators[2].items[1].weight: "),
        (_set(["indicators", 0, "colour"], "red"), "indicators[0].colour: "),
        (_set(["indicators", 0, "items", 2, "measurements"], ["guide"]), ".measurements[0]: "),
        (_set(["indicators", 0, "items"], []), "indicators[0].items: "),
        (_set(["indicators", 3, "items", 1, "id"], "consult_timeliness"), "items[1].id: duplicate"),
        (_set(["indicators", 2, "id"], "guide"), "indicators[2].id: duplicate"),
        (_set(["thresholds", "incomplete_share"], 1.5), "thresholds.incomplete_share: "),
        (_set(["thresholds", "window_working_days"], 3), "thresholds.window_working_days: "),
        (_drop(["thresholds"]), "indicators.yaml: thresholds: Field required"),
    ],
)
def test_a_bad_indicator_file_names_the_file_and_the_key(
    tmp_path: Path, mutate: Callable[[dict], None], where: str
) -> None:
    raw = copy.deepcopy(RAW)
    mutate(raw)
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(IndicatorError) as info:
        load_indicators(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert where in message


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("indicators: [unclosed\n", "not valid YAML"),
        ("- a list\n", "expected a mapping at the top level"),
    ],
)
def test_an_unreadable_indicator_file_names_the_file(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IndicatorError, match="indicators.yaml") as info:
        load_indicators(path)
    assert where in str(info.value)


def test_a_missing_indicator_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(IndicatorError, match="nowhere.yaml: cannot read"):
        load_indicators(tmp_path / "nowhere.yaml")
