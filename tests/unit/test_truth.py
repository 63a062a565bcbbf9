"""``sandbox.truth``: the comparison of a round's probes with the sandbox's truth."""

from __future__ import annotations

import pytest

from sandbox.truth import compare, same_page

GUIDE = "http://127.0.0.1:9001/guide?id=7&type=pc"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (GUIDE, "http://127.0.0.1:9001/guide?type=pc&id=7", True),  # query in any order
        (GUIDE, GUIDE + "#top", True),  # an in-page anchor is the same page
        (GUIDE, "http://127.0.0.1:9001/guide?id=8&type=pc", False),
        (GUIDE, "http://127.0.0.1:9002/guide?id=7&type=pc", False),  # another site
        ("http://h/#/guide?itemCode=A&x=1", "http://h/#/guide?x=1&itemCode=A", True),
        ("http://h/#/guide?itemCode=A", "http://h/#/guide?itemCode=B", False),  # a decoy
        ("http://h/#/guide?itemCode=A", "http://h/#/search?itemCode=A", False),
        (None, GUIDE, False),
        (GUIDE, None, False),
    ],
)
def test_two_addresses_are_the_same_page_by_host_path_query_and_hash_route(a, b, same):
    assert same_page(a, b) is same


def _truth(present: bool, elements: dict | None = None, url: str = GUIDE) -> dict:
    channel = {"present": present, "guide_url": url if present else None}
    channel["elements"] = elements or {}
    return {"scenarios": {"s": {"matters": {"m": {"pc": channel}}}}}


def _probe(outcome: str, elements: tuple[str, ...] = (), url: str | None = GUIDE) -> dict:
    return {
        "city": "c", "scenario": "s", "matter": "m", "channel": "pc", "outcome": outcome,
        "reason": "why", "guide_url": url, "elements": dict.fromkeys(elements, "value"),
    }  # fmt: skip


def test_every_element_read_as_the_truth_has_it_is_precision_and_recall_one():
    truth = {"c": _truth(True, {"事项名称": "x", "收费标准": "不收费", "咨询方式": None})}
    figures = compare([_probe("ok", ("事项名称", "收费标准"))], truth)
    assert figures == {
        "probes": 1, "outcomes_matching": 1, "found": 1, "right_variant": 1,
        "precision": 1.0, "recall": 1.0, "mismatches": [],
    }  # fmt: skip


def test_an_element_read_that_the_truth_lacks_costs_precision_one_missed_costs_recall():
    truth = {"c": _truth(True, {"事项名称": "x", "收费标准": "不收费", "咨询方式": None})}
    figures = compare([_probe("ok", ("事项名称", "咨询方式"))], truth)
    assert (figures["precision"], figures["recall"]) == (0.5, 0.5)
    assert figures["mismatches"] == [
        "element c/m/pc 收费标准: truth present, probe absent",
        "element c/m/pc 咨询方式: truth absent, probe present",
    ]


def test_a_guide_found_where_the_truth_has_none_is_a_wrong_outcome():
    figures = compare([_probe("ok")], {"c": _truth(False)})
    assert (figures["outcomes_matching"], figures["found"]) == (0, 0)
    assert figures["mismatches"] == ["outcome c/m/pc: ok (why) != guide_missing"]
    assert figures["precision"] is None and figures["recall"] is None


def test_a_guide_missing_where_the_truth_shows_one_is_a_wrong_outcome():
    figures = compare([_probe("guide_missing", url=None)], {"c": _truth(True, {"事项名称": "x"})})
    assert figures["outcomes_matching"] == 0
    assert figures["mismatches"] == ["outcome c/m/pc: guide_missing (why) != ok"]


def test_a_decoy_is_found_but_not_the_right_variant_and_its_elements_are_not_counted():
    decoy = "http://127.0.0.1:9001/guide?id=8&type=pc"
    truth = {"c": _truth(True, {"事项名称": "x"})}
    figures = compare([_probe("ok", ("事项名称",), url=decoy)], truth)
    assert (figures["outcomes_matching"], figures["found"], figures["right_variant"]) == (1, 1, 0)
    assert figures["precision"] is None
    assert figures["mismatches"] == [f"variant c/m/pc: {decoy} != {GUIDE}"]


def test_a_guide_rightly_missing_matches_and_counts_no_element():
    figures = compare([_probe("guide_missing", url=None)], {"c": _truth(False)})
    assert (figures["outcomes_matching"], figures["found"], figures["mismatches"]) == (1, 0, [])
