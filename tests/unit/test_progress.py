"""The long commands' progress (``probes/app/progress.py``): a bar per phase on stderr, in
Chinese, numbered as the demo's phases are; nothing at all when switched off."""

from __future__ import annotations

from probes.app.progress import phase_label, progress_bars
from probes.text import DEMO_PHASES, PHASE_ZH


def test_every_phase_the_demo_reports_has_a_chinese_name():
    assert set(DEMO_PHASES) <= set(PHASE_ZH)
    assert phase_label("polls", DEMO_PHASES) == "阶段 4/7 沙盒时钟推进与回复查询"
    assert phase_label("checks") == "门户健康检查"  # a command of its own: not numbered


def test_the_bars_say_each_phase_and_its_count_on_stderr_never_stdout(capsys):
    with progress_bars(True, DEMO_PHASES) as progress:
        progress("guides", 0, 360)
        progress("consult", 0, 144)
        for done in range(1, 361):
            progress("guides", done, 360)
        progress("consult", 17, 144)
        progress("polls", 5, 5)
    out, err = capsys.readouterr()
    assert out == ""
    assert "阶段 1/7 办事指南探测" in err and "360/360" in err
    assert "阶段 2/7 咨询投诉提交" in err and "17/144" in err
    assert "阶段 4/7 沙盒时钟推进与回复查询" in err and "5/5" in err
    assert "阶段 3/7" not in err  # a phase that never reported has no bar


def test_switched_off_there_is_nothing_at_all(capsys):
    with progress_bars(False, DEMO_PHASES) as progress:
        progress("guides", 1, 2)
    assert capsys.readouterr() == ("", "")
