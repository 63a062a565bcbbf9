"""One vocabulary for evaluators (issue 16, item 3): elements in the canonical order."""

from __future__ import annotations

from probes.plan.elements import in_canonical_order, load_elements


def test_elements_come_in_the_order_the_elements_file_gives():
    names = load_elements().names
    shuffled = sorted(names)  # code-point order, as the database returned them
    assert shuffled != list(names)
    assert in_canonical_order(shuffled) == list(names)
    assert in_canonical_order(["自定义", names[3], names[0]]) == [names[0], names[3], "自定义"]
