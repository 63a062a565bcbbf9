"""Times in the report are Beijing time to the minute, and thread times on the sandbox name
its simulated clock (issue 16, item 2)."""

from __future__ import annotations

import lxml.html

from probes.report.data import build_report_data, render_html
from probes.text import SANDBOX_CLOCK_NOTE
from tests.support.report_data import NAMES, SYSTEM, score_json, thread


def _threads_table(**kwargs):
    data = build_report_data(
        round_id="R1", round_time="2026-11-29 08:00", score=score_json(), system=SYSTEM,
        names=NAMES, threads=[thread("guangzhou", submitted_at="2026-11-02T02:00:00+00:00",
                                     replied_at="2026-11-04T09:00:00+08:00", working_days=2.0)],
        **kwargs,
    )  # fmt: skip
    doc = lxml.html.fromstring(render_html(data))
    return doc.xpath("//table[@data-table='threads']")[0]


def test_thread_times_are_beijing_time_and_working_days_are_whole():
    table = _threads_table()
    cells = [c.text_content().strip() for c in table.xpath(".//tbody/tr[1]/td")]
    assert "2026-11-02 10:00" in cells and "2026-11-04 09:00" in cells
    assert "2" in cells and "2.0" not in cells
    assert not any("+00:00" in c or "T02:00" in c for c in cells)


def test_the_sandbox_clock_is_named_where_it_is_meant():
    heads = _threads_table(portal_clock=SANDBOX_CLOCK_NOTE).xpath(".//th/text()")
    assert f"提交时间（{SANDBOX_CLOCK_NOTE}）" in heads
    assert "提交时间" in _threads_table().xpath(".//th/text()")
