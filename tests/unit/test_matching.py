"""The right result is picked among decoys, and a decoy is never picked."""

from __future__ import annotations

import pytest

from probes.plan.scenarios import load_scenarios
from probes.walk.matching import REJECTED, Candidate, judge, pick

SCENARIOS = load_scenarios()


def matter(matter_id: str):
    for scenario in SCENARIOS.values():
        for m in scenario.matters:
            if m.id == matter_id:
                return m
    raise KeyError(matter_id)


@pytest.mark.parametrize(
    ("matter_id", "results", "expected"),
    [
        (
            "public-health-permit",
            ["公共场所卫生许可（延续）", "公共场所卫生许可（变更）", "公共场所卫生许可（新办）"],
            "公共场所卫生许可（新办）",
        ),
        (
            "public-health-permit",
            ["公共场所卫生许可证注销", "公共场所卫生许可证核发（新证）"],
            "公共场所卫生许可证核发（新证）",
        ),
        (
            "enterprise-registration",
            ["企业注销登记", "企业变更登记", "外商投资企业设立登记", "内资有限公司设立登记"],
            "内资有限公司设立登记",
        ),
        (
            "pension-registration",
            [
                "城镇职工基本养老保险参保登记",
                "城乡居民基本医疗保险参保登记",
                "城乡居民基本养老保险参保登记",
            ],
            "城乡居民基本养老保险参保登记",
        ),
        (
            "medical-insurance-registration",
            ["职工基本医疗保险参保登记", "城乡居民基本养老保险参保登记", "城乡居民医保参保登记"],
            "城乡居民医保参保登记",
        ),
        (
            "fire-safety-inspection",
            ["建设工程消防验收", "公众聚集场所投入使用、营业前消防安全检查"],
            "公众聚集场所投入使用、营业前消防安全检查",
        ),
    ],
)
def test_the_wanted_variant_is_picked_among_decoys(matter_id, results, expected):
    chosen = pick(matter(matter_id), [Candidate(t, i) for i, t in enumerate(results)])
    assert chosen is not None
    assert chosen.candidate.text == expected
    assert chosen.rank == results.index(expected) + 1


@pytest.mark.parametrize(
    ("matter_id", "results"),
    [
        (
            "public-health-permit",
            ["公共场所卫生许可（延续）", "公共场所卫生许可（注销）", "生活饮用水卫生许可"],
        ),
        ("enterprise-registration", ["企业注销登记", "个体工商户设立登记", "企业变更（备案）登记"]),
        ("pension-registration", ["城镇职工基本养老保险参保登记", "城乡居民基本医疗保险参保登记"]),
        (
            "medical-insurance-registration",
            ["城乡居民基本养老保险参保登记", "职工基本医疗保险参保登记"],
        ),
        ("fire-safety-inspection", ["建设工程消防设计审查", "犬只登记"]),
        # a 告知承诺 entry is a catalogue entry of its own, even when it is all that is listed
        ("public-health-permit", ["公共场所卫生许可（告知承诺）", "开办美容美发店“一件事”"]),
        ("enterprise-registration", ["企业设立登记（告知承诺）", "合伙企业设立登记"]),
    ],
)
def test_when_only_decoys_are_listed_nothing_is_picked(matter_id, results):
    assert pick(matter(matter_id), [Candidate(t, i) for i, t in enumerate(results)]) is None


def test_a_different_licence_sharing_the_tail_of_an_alias_is_not_the_matter():
    # 卫生许可证核发 is an alias; 建筑工程施工许可证核发 only shares 许可证核发 with it
    results = ["公共场所卫生许可证补办", "建筑工程施工许可证核发", "公共场所卫生许可（延续）"]
    assert (
        pick(matter("public-health-permit"), [Candidate(t, i) for i, t in enumerate(results)])
        is None
    )


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("公众聚集场所投入使用、营业前消防安全检查（告知承诺）", "告知承诺"),
        ("公众聚集场所投入使用、营业前消防安全检查（承诺制）", "承诺制"),
        ("公众聚集场所投入使用、营业前消防安全检查合格证补办", "补办"),
    ],
)
def test_a_rejected_candidate_says_which_qualifier_made_it_another_matter(text, word):
    verdict = judge(matter("fire-safety-inspection"), text)
    assert verdict.tier == REJECTED
    assert f"「{word}」" in verdict.why
