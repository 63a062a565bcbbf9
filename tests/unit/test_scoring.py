"""Scoring reproduces the published rubric and keeps its rules: excluded is not zero, not
measured is not zero, incomplete cities are flagged, ties share a rank."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass

import pytest

from probes.outcomes import Outcome
from probes.plan.indicators import METHOD_POINTS, IndicatorSystem, load_indicators
from probes.score.scoring import (
    EFFECTIVENESS_POINTS,
    RULES,
    TIMELINESS_POINTS,
    CityInfo,
    Expected,
    GuideObservation,
    HandlingObservation,
    HardwareObservation,
    InteractionObservation,
    RoundScore,
    competition_ranks,
    covered_points,
    depth_level,
    score_round,
    suggest_effectiveness,
    timeliness,
)

SYSTEM: IndicatorSystem = load_indicators()

# The brief's 36 cities by region.
REGION_CITIES = {
    "华北": "北京 天津 石家庄 太原 呼和浩特",
    "东北": "沈阳 长春 哈尔滨 大连",
    "华东": "上海 南京 杭州 合肥 福州 南昌 济南 青岛 宁波 厦门",
    "华南": "郑州 武汉 长沙 广州 深圳 南宁 海口",
    "西南": "重庆 成都 贵阳 昆明 拉萨",
    "西北": "西安 兰州 西宁 银川 乌鲁木齐",
}
CITIES36 = [
    CityInfo(f"c{n:02d}", name, region)
    for n, (region, name) in enumerate(
        (region, name) for region, names in REGION_CITIES.items() for name in names.split()
    )
]


def guide(city: str, matter: str = "m1", channel: str = "pc", **kw) -> GuideObservation:
    fields = dict(
        city=city,
        scenario="beauty-salon",
        matter=matter,
        channel=channel,
        outcome=Outcome.OK,
        found_by="search",
        steps=3,
        seconds=2.0,
        rank=1,
        completeness=1.0,
        findings=0,
        checks=4,
    )
    fields.update(kw)
    return GuideObservation(**fields)


def handled(city: str, matter: str, channel: str = "pc", **kw) -> HandlingObservation:
    fields = dict(
        city=city,
        scenario="beauty-salon",
        matter=matter,
        channel=channel,
        online_apply=True,
        visits=0,
        depth="IV",
    )
    fields.update(kw)
    return HandlingObservation(**fields)


def ask(city: str, kind: str, t: str | None, e: str | None = None) -> InteractionObservation:
    return InteractionObservation(city, "beauty-salon", kind, t, e, "evaluator")


def run(cities, guides=(), interactions=(), handling=(), hardware=(), **kw) -> RoundScore:
    return score_round(
        cities, list(guides), list(interactions), list(handling), list(hardware), SYSTEM, **kw
    )


def _spread(counts: tuple[int, int, int], labels: tuple[str | None, ...]) -> list[str | None]:
    return [label for n, label in zip(counts, labels, strict=True) for _ in range(n)]


# --- the published rubric -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "timely", "effective", "want_timeliness", "want_effectiveness"),
    [
        # consultations: 31 on time / 1 late / 4 no reply; 19 solved / 13 partly / 4 not
        ("consult", (31, 1, 4), (19, 13, 4), 87.50, 70.83),
        # complaints: 29 on time / 2 late / 5 no reply; 19 solved / 12 partly / 5 not
        ("complaint", (29, 2, 5), (19, 12, 5), 83.33, 69.44),
    ],
)
def test_the_published_interaction_figures_reproduce_exactly(
    kind: str,
    timely: tuple[int, int, int],
    effective: tuple[int, int, int],
    want_timeliness: float,
    want_effectiveness: float,
) -> None:
    t = _spread(timely, ("on_time", "late", "no_reply"))
    # The cities that never replied are "not": their effectiveness is left unjudged.
    e = _spread(effective, ("solved", "partly", None))
    obs = [ask(c.city, kind, ti, ei) for c, ti, ei in zip(CITIES36, t, e, strict=True)]
    national = run(CITIES36, interactions=obs).to_json()["national"]
    assert national["items"][f"{kind}_timeliness"] == want_timeliness
    assert national["items"][f"{kind}_effectiveness"] == want_effectiveness


def test_a_city_gets_100_50_or_0_on_an_interaction_item() -> None:
    cities = CITIES36[:3]
    obs = [ask("c00", "consult", "on_time"), ask("c01", "consult", "late")]
    obs.append(ask("c02", "consult", "no_reply"))
    result = run(cities, interactions=obs)
    assert [result.city(c.city).items["consult_timeliness"] for c in cities] == [100, 50, 0]


# --- timeliness and effectiveness ---------------------------------------------------------


@pytest.mark.parametrize(
    ("working_days", "window_closed", "on_time_days", "expected"),
    [
        (0, False, 5, "on_time"),
        (5, False, 5, "on_time"),
        (6, False, 5, "late"),
        (6, True, 5, "late"),
        (19, True, 5, "late"),
        (None, True, 5, "no_reply"),
        (None, False, 5, None),
        (3, False, 2, "late"),
    ],
)
def test_timeliness_classifies_a_reply(
    working_days: int | None, window_closed: bool, on_time_days: int, expected: str | None
) -> None:
    assert timeliness(working_days, window_closed, on_time_days=on_time_days) == expected


def test_timeliness_refuses_negative_days() -> None:
    with pytest.raises(ValueError):
        timeliness(-1, False)


def test_the_points_constants_agree_with_the_indicator_file() -> None:
    for item in SYSTEM.items:
        if item.rubric.method == "timeliness":
            assert item.rubric.points == TIMELINESS_POINTS
        if item.rubric.method == "effectiveness":
            assert item.rubric.points == EFFECTIVENESS_POINTS


@dataclass(frozen=True)
class Point:
    id: str
    keywords: tuple[str, ...]


POINTS = (
    Point("where", ("政务服务中心", "办事大厅")),
    Point("materials", ("营业执照", "身份证")),
    Point("online", ("网上办理", "全程网办")),
)


@pytest.mark.parametrize(
    ("reply", "expected", "covered"),
    [
        (
            "请携带营业执照到政务服务中心办理，也可网上办理。",
            "solved",
            ("where", "materials", "online"),
        ),
        ("请携带身份证到办事大厅。", "partly", ("where", "materials")),
        ("可以全程网办。", "partly", ("online",)),
        ("感谢您的来信，已转相关部门。", "not", ()),
        ("", "not", ()),
        ("   ", "not", ()),
        (None, "not", ()),
        ("请到 政务 服务中心，带身份证，网上 办理亦可", "solved", ("where", "materials", "online")),
        ("请到政務服務中心", "not", ()),  # traditional characters are other words
    ],
)
def test_effectiveness_is_suggested_from_the_answer_points_covered(
    reply: str | None, expected: str, covered: tuple[str, ...]
) -> None:
    assert suggest_effectiveness(reply, POINTS) == expected
    assert covered_points(reply, POINTS) == covered


def test_keywords_match_across_full_width_and_case() -> None:
    points = [Point("app", ("APP",)), Point("tel", ("12345",))]
    assert suggest_effectiveness("请下载ａｐｐ或拨打１２３４５", points) == "solved"


def test_effectiveness_cannot_be_suggested_without_answer_points() -> None:
    with pytest.raises(ValueError):
        suggest_effectiveness("任何答复", [])


def test_no_reply_counts_as_not_solved_when_effectiveness_was_not_judged() -> None:
    result = run(CITIES36[:1], interactions=[ask("c00", "complaint", "no_reply")])
    assert result.city("c00").items["complaint_effectiveness"] == 0


def test_a_reply_still_awaited_is_excluded_not_zero() -> None:
    cities = CITIES36[:2]
    obs = [ask("c00", "consult", "on_time", "solved"), ask("c01", "consult", None)]
    result = run(cities, interactions=obs)
    waiting = result.city("c01")
    assert waiting.items["consult_timeliness"] is None
    assert waiting.items["consult_effectiveness"] is None
    assert "beauty-salon/consult: waiting for a reply" in waiting.excluded
    assert result.national.items["consult_timeliness"] == 100


# --- guide rubric -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("found_by", "steps", "expected"),
    [
        ("search", 3, 100),
        ("direct", 1, 100),
        ("navigation", 3, 80),
        ("search", 6, 100),  # free_steps = 6
        ("search", 8, 90),  # 2 extra steps x 5
        ("navigation", 9, 65),
        ("search", 40, 50),  # never below the floor
        ("navigation", 40, 50),
    ],
)
def test_obtainability_prefers_search_and_fewer_steps(
    found_by: str, steps: int, expected: float
) -> None:
    result = run(CITIES36[:1], guides=[guide("c00", found_by=found_by, steps=steps)])
    assert result.city("c00").items["obtainability"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("outcome", "confirmed", "obtainability", "reason"),
    [
        (Outcome.PROBE_ERROR, True, 100, "probe_error"),
        (Outcome.BLOCKED, True, 100, "blocked (needs review)"),
        (Outcome.TIMEOUT, False, 100, "timeout not confirmed"),
        (Outcome.PORTAL_ERROR, False, 100, "portal_error not confirmed"),
        (Outcome.PORTAL_UNREACHABLE, False, 100, "portal_unreachable not confirmed"),
        (Outcome.TIMEOUT, True, 50, None),  # confirmed: the guide could not be had
        (Outcome.PORTAL_UNREACHABLE, True, 50, None),
        (Outcome.GUIDE_MISSING, True, 50, None),
    ],
)
def test_our_failures_and_unconfirmed_faults_are_excluded_never_zero(
    outcome: Outcome, confirmed: bool, obtainability: float, reason: str | None
) -> None:
    obs = [
        guide("c00", "m1"),
        guide("c00", "m2", outcome=outcome, found_by=None, completeness=None, confirmed=confirmed),
    ]
    city = run(CITIES36[:1], guides=obs).city("c00")
    assert city.items["obtainability"] == obtainability
    excluded = [e for e in city.excluded if e.startswith("beauty-salon/m2/pc")]
    assert excluded == ([f"beauty-salon/m2/pc: {reason}"] if reason else [])


def test_completeness_and_accuracy_are_means_over_the_guides_found() -> None:
    obs = [
        guide("c00", "m1", completeness=0.5, findings=1, checks=4),
        guide("c00", "m2", completeness=1.0, findings=0, checks=4),
        guide(
            "c00", "m3", outcome=Outcome.GUIDE_MISSING, found_by=None, completeness=None, checks=0
        ),
    ]
    city = run(CITIES36[:1], guides=obs).city("c00")
    assert city.items["completeness"] == pytest.approx(75)
    assert city.items["accuracy"] == pytest.approx(87.5)


def test_a_city_item_is_the_mean_over_its_scenario_and_channel_groups() -> None:
    # PC: two matters found (100, 100); mobile: one of two (100, 0) -> (100 + 50) / 2
    obs = [guide("c00", "m1"), guide("c00", "m2"), guide("c00", "m1", "mobile")]
    obs.append(guide("c00", "m2", "mobile", outcome=Outcome.GUIDE_MISSING, found_by=None))
    assert run(CITIES36[:1], guides=obs).city("c00").items["obtainability"] == 75


# --- not measured, excluded, incomplete ---------------------------------------------------


def test_hardware_not_measured_is_null_and_does_not_drag_the_score() -> None:
    guides = [guide("c00", completeness=1.0, findings=0)]
    interactions = [
        ask("c00", "consult", "late", "partly"),
        ask("c00", "complaint", "late", "partly"),
    ]
    result = run(CITIES36[:1], guides=guides, interactions=interactions)
    data = result.to_json()
    city = data["cities"][0]
    assert city["indicators"] == {
        "guide": 100,
        "hardware": None,
        "handling": None,
        "interaction": 50,
    }
    assert city["items"]["https"] is None and city["items"]["rating"] is None
    assert city["score"] == 75
    assert data["national"]["indicators"]["hardware"] is None
    assert data["national"]["items"]["availability"] is None


def test_a_hardware_measurement_is_scored_when_there_is_one() -> None:
    hardware = [HardwareObservation("c00", "https", 100), HardwareObservation("c00", "speed", 60)]
    city = run(CITIES36[:1], guides=[guide("c00")], hardware=hardware).city("c00")
    assert city.indicators["hardware"] == 80
    assert city.score == pytest.approx(90)


@pytest.mark.parametrize(
    ("bad_matters", "complete"),
    [
        (0, True),
        (1, True),  # 1 of 4 = 25%: not more than the share
        (2, False),
    ],
)
def test_a_city_missing_more_than_the_share_is_marked_incomplete(
    bad_matters: int, complete: bool
) -> None:
    full = [guide(c.city, m) for c in CITIES36[:2] for m in ("m1", "m2", "m3", "m4")]
    # city c01 loses matters: one missing, one a probe error
    dropped = {"m1", "m2"} if bad_matters == 2 else ({"m1"} if bad_matters == 1 else set())
    obs = [g for g in full if not (g.city == "c01" and g.matter in dropped)]
    if bad_matters == 2:
        obs.append(guide("c01", "m2", outcome=Outcome.PROBE_ERROR, found_by=None))
    result = run(CITIES36[:2], guides=obs)
    city = result.city("c01")
    assert city.complete is complete
    assert city.missing_share == pytest.approx(bad_matters / 4)
    assert (city.rank is not None) is complete
    if bad_matters == 2:
        assert set(city.excluded) == {
            "beauty-salon/m1/pc: missing",
            "beauty-salon/m2/pc: probe_error",
        }


def test_an_incomplete_city_stays_out_of_the_national_and_regional_means() -> None:
    cities = CITIES36[:2]  # 北京, 天津: 华北
    guides = [guide("c00", m) for m in ("m1", "m2")]
    guides.append(guide("c01", "m1", found_by="navigation"))
    result = run(cities, guides=guides)
    assert not result.city("c01").complete
    assert result.national.items["obtainability"] == 100
    assert result.to_json()["regions"] == [
        {"region": "华北", "score": 100.0, "best": "c00", "worst": "c00"}
    ]


def test_expected_observations_can_be_given_explicitly() -> None:
    expected = Expected(
        frozenset({("beauty-salon", m, "pc") for m in ("m1", "m2", "m3")}), frozenset(), frozenset()
    )
    result = run(CITIES36[:1], guides=[guide("c00", "m1")], expected=expected)
    assert not result.city("c00").complete
    assert result.city("c00").missing_share == pytest.approx(2 / 3)


# --- ranks and regions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "ranks"),
    [
        ({"a": 90, "b": 80, "c": 70}, {"a": 1, "b": 2, "c": 3}),
        ({"a": 90, "b": 90, "c": 70}, {"a": 1, "b": 1, "c": 3}),
        ({"a": 90, "b": 80, "c": 80, "d": 60}, {"a": 1, "b": 2, "c": 2, "d": 4}),
        ({"a": 87.344, "b": 87.336, "c": 87.33}, {"a": 1, "b": 1, "c": 3}),  # equal to 2 places
        ({}, {}),
    ],
)
def test_ranks_put_1_first_and_ties_share_a_rank(
    scores: dict[str, float], ranks: dict[str, int]
) -> None:
    assert competition_ranks(scores) == ranks


def test_ranks_of_many_cities_follow_the_definition() -> None:
    # 300 cities with many ties: rank = 1 + the cities scoring higher (to 2 places)
    rng = random.Random(5)
    scores = {
        f"c{i:03d}": rng.choice((rng.uniform(40, 95), 80.0, 80.004, 61.5)) for i in range(300)
    }
    rounded = {k: round(v, 2) for k, v in scores.items()}
    expected = {k: 1 + sum(o > v for o in rounded.values()) for k, v in rounded.items()}
    assert competition_ranks(scores) == expected
    assert competition_ranks({"only": 10.0}) == {"only": 1}


def _scored_cities(values: dict[str, str]) -> list[InteractionObservation]:
    """One consultation per city: on_time 100, late 50, no_reply 0 (interaction = mean of 2)."""
    out = []
    for city, t in values.items():
        out.append(ask(city, "consult", t, "solved" if t != "no_reply" else None))
    return out


def test_round_ranks_cities_and_names_the_best_and_worst_of_each_region() -> None:
    # 华北: c00 100, c01 50 (late, solved -> 75), c02 0; 东北: c05 tie with c06 at 100
    values = {
        "c00": "on_time",
        "c01": "late",
        "c02": "no_reply",
        "c05": "on_time",
        "c06": "on_time",
    }
    cities = [c for c in CITIES36 if c.city in values]
    result = run(cities, interactions=_scored_cities(values))
    ranks = {c.city: c.rank for c in result.cities}
    assert ranks == {"c00": 1, "c05": 1, "c06": 1, "c01": 4, "c02": 5}
    assert [c.city for c in result.cities] == ["c00", "c05", "c06", "c01", "c02"]
    regions = {r["region"]: r for r in result.to_json()["regions"]}
    assert list(regions) == ["华北", "东北"]
    assert (regions["华北"]["best"], regions["华北"]["worst"]) == ("c00", "c02")
    assert regions["华北"]["score"] == pytest.approx((100 + 75 + 0) / 3, abs=0.01)
    assert (regions["东北"]["best"], regions["东北"]["worst"]) == ("c05", "c06")


def test_a_region_without_a_scored_city_has_no_best_or_worst() -> None:
    cities = [CITIES36[0], CITIES36[5]]  # 华北, 东北
    result = run(cities, interactions=[ask("c00", "consult", "on_time", "solved")])
    regions = {r.region: r for r in result.regions}
    assert regions["东北"].best is None and regions["东北"].score is None
    assert result.city("c05").rank is None


# --- handling -----------------------------------------------------------------------------

MATTERS = ("enterprise-registration", "public-health-permit", "fire-safety-inspection")


def test_full_online_counts_the_cities_whose_every_matter_is_fully_online_on_pc() -> None:
    cities = CITIES36[:5]
    obs = [handled(c.city, m) for c in cities for m in MATTERS]
    obs = [o for o in obs if not (o.city == "c01" and o.matter == MATTERS[2])]
    obs.append(handled("c01", MATTERS[2], visits=1))  # one visit: not fully online
    obs = [o for o in obs if not (o.city == "c02" and o.matter == MATTERS[0])]
    obs.append(handled("c02", MATTERS[0], online_apply=None, visits=None))  # cannot tell
    obs = [o for o in obs if not (o.city == "c03" and o.matter == MATTERS[1])]  # not observed
    obs += [
        handled("c04", m, "mobile", online_apply=False) for m in MATTERS
    ]  # mobile doesn't count
    obs.append(
        HandlingObservation(
            "c00", "resident-insurance", "pension-registration", "pc", True, 0, "IV"
        )
    )
    result = run(cities, handling=obs)
    assert dict(result.national.full_online_cities) == {"beauty-salon": 2, "resident-insurance": 1}
    assert result.city("c01").items["full_online"] == pytest.approx(200 / 3)
    assert result.city("c01").items["visits"] == pytest.approx(250 / 3)
    assert result.city("c04").items["full_online"] == 50  # pc 100, mobile 0


@pytest.mark.parametrize(
    ("online_apply", "visits", "full_online"),
    [
        (True, 0, 100),
        (True, 1, 0),
        (False, 0, 0),
        (False, None, 0),
        (True, None, None),
        (None, 0, None),
    ],
)
def test_a_matter_is_fully_online_when_applied_for_online_with_no_visit(
    online_apply: bool | None, visits: int | None, full_online: float | None
) -> None:
    obs = [handled("c00", "m1", online_apply=online_apply, visits=visits)]
    assert run(CITIES36[:1], handling=obs).city("c00").items["full_online"] == full_online


@pytest.mark.parametrize(
    ("depth", "level"),
    [
        ("IV", "IV"),
        ("Ⅲ", "III"),
        ("Ⅱ级", "II"),
        ("第Ⅰ级", "I"),
        ("4", "IV"),
        ("iii", "III"),
        ("三级", "III"),
    ],
)
def test_online_depth_is_read_in_its_usual_spellings(depth: str, level: str) -> None:
    assert depth_level(depth) == level


def test_an_unknown_online_depth_is_an_error() -> None:
    with pytest.raises(ValueError, match="V"):
        depth_level("V")


@pytest.mark.parametrize(
    ("depth", "visits", "online_depth", "visits_points"),
    [
        ("IV", 0, 100, 100),
        ("III", 1, 75, 50),
        ("I", 2, 25, 0),
        ("II", 5, 50, 0),
        (None, None, None, None),
    ],
)
def test_depth_and_visits_follow_the_rubric(depth, visits, online_depth, visits_points) -> None:
    obs = [handled("c00", "m1", depth=depth, visits=visits, online_apply=True)]
    items = run(CITIES36[:1], handling=obs).city("c00").items
    assert (items["online_depth"], items["visits"]) == (online_depth, visits_points)


# --- the shape and the wiring -------------------------------------------------------------


def test_the_json_has_exactly_the_agreed_shape() -> None:
    interactions = [
        ask(c.city, k, "on_time", "solved") for c in CITIES36[:3] for k in ("consult", "complaint")
    ]
    handling = [handled(c.city, m) for c in CITIES36[:3] for m in MATTERS]
    data = run(
        CITIES36[:3],
        guides=[guide(c.city) for c in CITIES36[:3]],
        interactions=interactions,
        handling=handling,
    ).to_json()
    item_ids = {i.id for i in SYSTEM.items}
    assert set(data) == {"national", "regions", "cities"}
    assert set(data["national"]) == {"score", "indicators", "items", "full_online_cities"}
    assert set(data["national"]["indicators"]) == {"guide", "hardware", "handling", "interaction"}
    assert set(data["national"]["items"]) == item_ids
    assert {"consult_timeliness", "complaint_effectiveness"} <= item_ids
    assert data["national"]["full_online_cities"] == {"beauty-salon": 3}
    assert set(data["regions"][0]) == {"region", "score", "best", "worst"}
    city = data["cities"][0]
    assert set(city) == {
        "city",
        "name",
        "region",
        "score",
        "rank",
        "indicators",
        "items",
        "complete",
        "excluded",
    }
    assert set(city["items"]) == item_ids
    assert city["excluded"] == [] and city["complete"] is True


def test_scores_in_json_are_rounded_to_two_decimals() -> None:
    obs = [ask("c00", "consult", "on_time", "solved"), ask("c01", "consult", "on_time", "solved")]
    obs.append(ask("c02", "consult", "late", "solved"))
    data = run(CITIES36[:3], interactions=obs).to_json()
    assert data["national"]["items"]["consult_timeliness"] == 83.33


def test_every_rubric_method_has_a_scoring_rule() -> None:
    assert set(RULES) == set(METHOD_POINTS)


def test_every_measurement_named_in_the_indicator_file_is_an_observation_field() -> None:
    fields = {
        kind: {f.name for f in dataclasses.fields(cls)}
        for kind, cls in (
            ("guide", GuideObservation),
            ("interaction", InteractionObservation),
            ("handling", HandlingObservation),
            ("hardware", HardwareObservation),
        )
    }
    for item in SYSTEM.items:
        for measurement in item.measurements:
            kind, field = measurement.split(".")
            assert field in fields[kind], f"{item.id}: {measurement}"


def test_an_observation_for_an_unknown_city_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown city"):
        run(CITIES36[:1], guides=[guide("nowhere")])


@pytest.mark.parametrize(
    "make",
    [
        lambda: InteractionObservation("c00", "s", "chat", "on_time", None),
        lambda: InteractionObservation("c00", "s", "consult", "soon", None),
        lambda: InteractionObservation("c00", "s", "consult", "late", "maybe"),
        lambda: guide("c00", outcome="fine"),
        lambda: guide("c00", completeness=1.5),
        lambda: HardwareObservation("c00", "speed", 101),
    ],
)
def test_an_impossible_observation_is_refused(make) -> None:
    with pytest.raises(ValueError):
        make()
