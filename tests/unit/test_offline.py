"""Offline results: a bad file fails naming file, row and column; the quadrants, the combined
score and the material comparison follow their documented rules."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from probes.plan.datafiles import DataFileError
from probes.score.offline import (
    QUADRANTS,
    OfflineError,
    combine,
    material_differences,
    normalise_material,
    online_city_scores,
    quadrants,
    read_offline,
    split_materials,
)
from probes.settings import DATA_DIR

SAMPLE = DATA_DIR / "offline-sample.csv"


def write(tmp_path: Path, rows: list[list[str]], name: str = "offline.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


HEADER = ["city", "offline_score", "matter", "materials"]


# --- reading --------------------------------------------------------------------------------


def test_a_file_gives_scores_by_city_id_from_names_or_ids(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            HEADER + ["offline_guide", "备注"],
            ["广州", "91.5", "公共场所卫生许可", "申请书；营业执照复印件", "93", "抽查"],
            ["shenzhen", "88", "", "", "", ""],
            ["广州市", "", "enterprise-registration", "公司章程\n住所使用证明", "", ""],
        ],
    )
    result = read_offline(path)
    assert dict(result.scores) == {"guangzhou": 91.5, "shenzhen": 88.0}
    assert dict(result.indicators) == {"guangzhou": {"guide": 93.0}}
    assert dict(result.materials) == {
        ("guangzhou", "public-health-permit"): ("申请书", "营业执照复印件"),
        ("guangzhou", "enterprise-registration"): ("公司章程", "住所使用证明"),
    }
    assert result.ignored_columns == ("备注",)
    assert result.sample is False


def test_chinese_headers_and_xlsx_cells_are_read(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["# 示例数据，不是真实结果"])
    sheet.append(["城市", "线下得分", "线下互动交流", "事项", "材料"])
    sheet.append(["北京", 95, 80.5, "公共场所卫生许可证核发", "申请书;卫生检测报告"])
    sheet.append([None, None, None, None, None])
    sheet.append(["上海", 96.25, None, None, None])
    path = tmp_path / "offline.xlsx"
    book.save(path)

    result = read_offline(path)
    assert result.sample is True
    assert dict(result.scores) == {"beijing": 95.0, "shanghai": 96.25}
    assert dict(result.indicators) == {"beijing": {"interaction": 80.5}}
    assert result.materials["beijing", "public-health-permit"] == ("申请书", "卫生检测报告")


def test_a_csv_saved_by_chinese_excel_in_gb18030_is_read(tmp_path: Path) -> None:
    path = tmp_path / "offline.csv"
    path.write_bytes("城市,线下得分\n长沙,89.5\n".encode("gb18030"))
    assert dict(read_offline(path).scores) == {"changsha": 89.5}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [["城市", "线下得分"], ["北京", "90"], ["广洲", "80"]],
            "row 3: 城市: 没有这个城市：'广洲'",
        ),
        ([HEADER, ["北京", "九十", "", ""]], "row 2: offline_score: '九十' is not a number"),
        ([HEADER, ["北京", "nan", "", ""]], "row 2: offline_score: 'nan' is not a number"),
        ([HEADER, ["北京", "100.5", "", ""]], "row 2: offline_score: 100.5 is outside 0..100"),
        ([HEADER, ["北京", "-1", "", ""]], "row 2: offline_score: -1 is outside 0..100"),
        (
            [["# 示例"], HEADER, ["北京", "90", "", ""], ["北京市", "91", "", ""]],
            "row 4: city: duplicate city 北京市 (its score is on row 3)",
        ),
        ([["城市", "得分x"], ["北京", "90"]], "missing column offline_score (线下得分、线下总分)"),
        ([["线下得分"], ["90"]], "missing column city (城市、城市名称)"),
        ([HEADER, ["北京", "", "", ""]], "row 2: offline_score: empty"),
        ([HEADER, ["", "90", "", ""]], "row 2: city: empty"),
        ([HEADER, ["北京", "90", "开餐馆", "菜单"]], "row 2: matter: unknown matter '开餐馆'"),
        (
            [HEADER, ["北京", "90", "公共场所卫生许可", ""]],
            "row 2: materials: empty (write 无 when none are asked)",
        ),
        ([HEADER, ["北京", "90", "", "申请书"]], "row 2: materials: given without a matter"),
        (
            [
                HEADER,
                ["北京", "90", "公共场所卫生许可", "a"],
                ["北京", "", "public-health-permit", "b"],
            ],
            "row 3: matter: 北京 public-health-permit is listed twice (first on row 2)",
        ),
        ([HEADER, ["北京", "", "公共场所卫生许可", "a"]], "row 2: city: no row gives 北京 a score"),
        (
            [["city", "offline_score", "offline_guid"], ["北京", "90", "80"]],
            "row 1: offline_guid: unknown column",
        ),
        (
            [["city", "offline_score", "线下得分"], ["北京", "90", "80"]],
            "row 1: 线下得分: names the same column as offline_score",
        ),
        (
            [["城市", "线下得分", "线下办事指南"], ["北京", "90", "101"]],
            "row 2: 线下办事指南: 101 is outside 0..100",
        ),
        (
            [["city", "offline_score", "matter"], ["北京", "90", "x"]],
            "matter and materials columns go together",
        ),
        ([["# only a comment"]], "no header row"),
    ],
)
def test_a_bad_file_fails_naming_the_file_the_row_and_the_column(
    tmp_path: Path, rows: list[list[str]], expected: str
) -> None:
    path = write(tmp_path, rows)
    with pytest.raises(OfflineError) as info:
        read_offline(path)
    assert str(info.value) == f"{path}: {expected}"
    assert isinstance(info.value, DataFileError)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("offline.xls", b"", "unsupported format .xls: give a .csv or .xlsx"),
        ("offline.xlsx", b"not a zip", "cannot read as XLSX"),
        ("missing.csv", None, "cannot read"),
    ],
)
def test_an_unreadable_file_fails_naming_it(
    tmp_path: Path, name: str, content: bytes | None, expected: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(OfflineError, match=f"^{path}: {expected}"):
        read_offline(path)


def test_the_shipped_sample_is_labelled_sample_data_for_all_36_cities() -> None:
    result = read_offline(SAMPLE)
    assert result.sample is True
    assert len(result.scores) == 36
    assert all(60 <= s <= 100 for s in result.scores.values())
    assert set(result.indicators) == set(result.scores)
    first = SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("#") and "示例数据" in first


def test_the_sample_materials_differ_from_the_sandbox_guides_in_11_cities(world) -> None:
    """The published figure: 11 cities tell users different materials online and offline."""
    offline = read_offline(SAMPLE)
    online = {
        (city.city_id, g.matter): [m.name for m in g.materials]
        for city in world.cities.values()
        for g in city.guides["pc"]
        if g.kind == "target"
    }
    differing = {city for city, _ in material_differences(online, offline.materials)}
    assert len(differing) == 11


# --- online against offline -----------------------------------------------------------------


def test_quadrants_split_at_each_sides_mean_and_a_tie_counts_as_high() -> None:
    # online mean 80, offline mean 85 over the six cities on both sides
    online = {"a": 90, "b": 70, "c": 85, "d": 75, "e": 80, "f": 80, "only_online": 99}
    offline = {"a": 95, "b": 75, "c": 80, "d": 90, "e": 85, "f": 85, "only_offline": 10}
    split = quadrants(online, offline)
    assert (split.online_mean, split.offline_mean) == (80, 85)
    assert dict(split.of) == {
        "a": "both_high",
        "b": "both_low",
        "c": "online_better",
        "d": "offline_better",
        "e": "both_high",  # exactly at both means
        "f": "both_high",
    }
    assert split.counts() == {
        "both_high": 3,
        "both_low": 1,
        "online_better": 1,
        "offline_better": 1,
    }
    assert split.members("offline_better") == ("d",)
    assert list(QUADRANTS.values()) == ["双高", "双低", "线上优", "线下优"]


def test_a_tie_is_judged_at_two_decimals_not_by_float_noise() -> None:
    online = {"a": 0.1 + 0.2, "b": 0.3, "c": 0.3}  # 0.30000000000000004 is at the mean
    offline = {"a": 1.0, "b": 1.0, "c": 1.0}
    assert set(quadrants(online, offline).of.values()) == {"both_high"}


def test_no_city_on_both_sides_gives_empty_quadrants() -> None:
    split = quadrants({"a": 80}, {"b": 90})
    assert split.online_mean is None and split.counts() == dict.fromkeys(QUADRANTS, 0)


def test_combine_weights_the_two_sides_and_skips_cities_on_one_side() -> None:
    online = {"a": 80.0, "b": 60.0, "c": None}
    offline = {"a": 90.0, "b": 100.0, "c": 70.0}
    assert combine(online, offline) == {"a": 85.0, "b": 80.0}
    assert combine(online, offline, weights=(3, 1)) == {"a": 82.5, "b": 70.0}
    with pytest.raises(ValueError, match="weights"):
        combine(online, offline, weights=(0, 0))


def test_the_online_side_is_the_rounds_ranked_cities() -> None:
    score = {
        "cities": [
            {"city": "a", "score": 80.0, "rank": 1},
            {"city": "b", "score": 70.0, "rank": None},  # incomplete
            {"city": "c", "score": None, "rank": None},  # nothing measured
        ]
    }
    assert online_city_scores(score) == {"a": 80.0}


# --- materials ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("营业执照复印件", "营业执照（复印件）"),
        ("营业执照", "营业执照(原件及复印件)"),
        ("《公共场所卫生许可申请书》", "公共场所卫生许可申请书"),
        ("1、卫生检测报告", "卫生检测报告。"),
        ("③卫生检测报告", "(3)卫生检测报告"),
        ("卫生检测报告（原件1份）", "卫生检测报告（一式两份，加盖公章）"),
        ("法定代表人、董事、监事和经理的任职文件", "法定代表人 董事 监事和经理的任职文件"),
        ("ＣＡ证书", "ca证书"),
        ("营业执照（副本）复印件", "营业执照"),
    ],
)
def test_material_names_that_differ_only_in_form_are_the_same(a: str, b: str) -> None:
    assert normalise_material(a) == normalise_material(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("身份证明（法定代表人）", "身份证明（经办人）"),
        ("经营场所平面图及卫生设施布局图", "经营场所平面图"),
        ("营业执照", "营业执照申请书"),
        ("复印件", ""),  # a name that is only a copy word is kept
    ],
)
def test_material_names_that_name_other_documents_differ(a: str, b: str) -> None:
    assert normalise_material(a) != normalise_material(b)


def test_materials_split_at_semicolons_and_line_breaks() -> None:
    assert split_materials("申请书；章程;  平面图\r\n检测报告\n\n") == (
        "申请书",
        "章程",
        "平面图",
        "检测报告",
    )


def test_material_differences_name_what_each_side_alone_asks_for() -> None:
    online = {
        ("a", "m"): ["申请书", "营业执照复印件", "卫生检测报告"],
        ("b", "m"): ["申请书", "营业执照"],
        ("c", "m"): ["申请书"],  # no offline list: not compared
    }
    offline = {
        ("a", "m"): ["《申请书》", "营业执照（复印件）", "房屋租赁合同"],
        ("b", "m"): ["营业执照(原件)", "1、申请书"],
        ("d", "m"): ["申请书"],
    }
    differences = material_differences(online, offline)
    assert list(differences) == [("a", "m")]
    assert differences["a", "m"].online_only == ("卫生检测报告",)
    assert differences["a", "m"].offline_only == ("房屋租赁合同",)
