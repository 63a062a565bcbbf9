"""The interaction journey on a portal it has never seen (``tests/unseen_letters.py``): no form
element, an ARIA radio group for the kind, a required custom select, a hidden agreement box, a
script-sent form refused once for a field it does not mark as required, cards with 查看 links
and a detail page in a ``dl``. Real Chromium, real HTTP."""

from __future__ import annotations

import pytest

from probes.net.browser import find_chromium, launch_options
from probes.outcomes import Outcome
from probes.plan.scenarios import load_scenarios
from probes.store.evidence import EvidenceStore
from probes.walk.consult import Account, Contact, InteractionJourney, Letter
from tests.support import unseen_letters
from tests.support.sandbox_client import run_async

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="no Chromium"),
]


def test_the_journey_fills_sends_and_reads_a_portal_it_has_never_seen(tmp_path) -> None:
    scenario = load_scenarios()["beauty-salon"]
    letters = {
        kind: Letter(kind, m.title, m.question, scenario.matter(m.matter).name)
        for kind, m in (("consult", scenario.consult), ("complaint", scenario.complaint))
    }
    marks: list[str] = []

    async def main(url: str):
        from playwright.async_api import async_playwright

        async with async_playwright() as p:
            browser = await p.chromium.launch(**launch_options())
            context = await browser.new_context()
            journey = InteractionJourney(
                context, EvidenceStore(tmp_path / "evidence"), url, "pc", city_name="示例",
                account=Account(unseen_letters.USER, unseen_letters.PASSWORD),
            )  # fmt: skip
            attempts = {}
            for kind, letter in letters.items():

                async def sending(kind: str = kind) -> None:
                    marks.append(kind)

                attempts[kind] = await journey.submit(
                    letter, Contact("测评员", "13800000000"), send=True, before_click=sending
                )
            wanted = [(a.ticket, letters[k].title) for k, a in attempts.items()]
            listed, rows = await journey.read_list("consult", None, wanted=wanted)
            await browser.close()
            return attempts, listed, rows

    with unseen_letters.Served() as url:
        attempts, listed, rows = run_async(lambda: main(url))
        received = list(unseen_letters.LETTERS)

    for kind, attempt in attempts.items():
        assert attempt.outcome == Outcome.OK and attempt.sent, (kind, attempt.reason)
        assert attempt.ticket and attempt.submitted_at == "2026-11-02T10:00:00+08:00"
        actions = [s.action for s in attempt.steps]
        # refused once for the department the page did not mark as required, corrected once
        assert actions.count("submit") == 2 and "refused" in actions and "correct" in actions
        refused = next(s for s in attempt.steps if s.action == "refused")
        assert "请选择受理部门" in refused.matched
    assert marks == ["consult", "consult", "complaint", "complaint"]  # a mark before each click
    # exactly one letter per kind, filled as a person fills it
    assert [(x["kind"], x["area"], x["dept"], x["agree"]) for x in received] == [
        ("咨询", "示例市本级", "示例市卫生健康委员会", True),
        ("投诉", "示例市本级", "示例市卫生健康委员会", True),
    ]
    assert [x["no"] for x in received] == [attempts["consult"].ticket, attempts["complaint"].ticket]
    assert received[0]["subject"] == letters["consult"].title
    assert received[0]["who"] == "测评员" and received[0]["tel"] == "13800000000"

    # 我的诉求: cards; the answered one's reply and time come from its detail page
    assert listed.outcome == Outcome.OK, listed.reason
    by_ticket = {r.ticket: r for r in rows}
    answered = by_ticket[attempts["consult"].ticket]
    assert answered.replied and answered.status == "已办结"
    assert answered.reply.startswith("您好！办理公共场所卫生许可证需提交申请书")
    assert "可在网上办理" in answered.reply  # both paragraphs
    assert answered.replied_at == "2026-11-03T16:30:00+08:00"
    pending = by_ticket[attempts["complaint"].ticket]
    assert not pending.replied and pending.status == "处理中" and not pending.reply
    assert any(kind == "detail_html" for kind, _ref in listed.evidence)
