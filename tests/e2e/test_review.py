"""The review pages in Chromium: an evaluator reviews a city and labels a reply, an override
waits for a second evaluator, and markup from portals runs nowhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from probes import store
from probes.review.app import create_app
from tests.support.rounds import IMG, LI, MATTERS, SCRIPT, TOKENS, WANG
from tests.support.served import Served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base(review_db) -> Iterator[str]:
    with Served(create_app(review_db["path"], tokens=TOKENS)) as url:
        yield url


def _db(review_db):
    return store.open_db(review_db["path"])


def _interaction(page) -> float:
    text = page.text_content("[data-table=city-score] tr[data-indicator=interaction] td.num")
    return float(text.replace("※", "").strip())


def test_an_evaluator_reviews_a_city_sees_screenshots_and_labels_a_reply(chromium, base, review_db):
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{base}/login?token={LI}")
    assert page.text_content("[data-evaluator]") == "李评估"
    page.click(f"a[href='/rounds/{review_db['guides']}']")
    page.click("tr[data-city=guangzhou] a")
    before = _interaction(page)
    assert "※" not in page.text_content("[data-table=city-score] tr[data-indicator=interaction]")
    page.click(f"tr[data-probe='{review_db['probes']['guangzhou', MATTERS[0]]}'] a")
    thumbs = page.locator("ol.timeline img.thumb")
    assert thumbs.count() == 2
    for i in range(thumbs.count()):
        thumbs.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=thumbs.nth(i).element_handle())
        assert thumbs.nth(i).evaluate("img => img.naturalWidth") == 400
    page.go_back()
    item = review_db["items"]["guangzhou", "complaint"]
    page.click(f"tr[data-item='{item}'] td a >> nth=0")
    assert page.get_attribute("[data-effectiveness]", "data-effectiveness") == "partly"
    page.check("input[name=effectiveness][value=solved]")
    page.fill("textarea[name=note]", "答复已说明办理地点和时限")
    with page.expect_navigation():
        page.click("#judge button[type=submit]")
    assert page.url.endswith(f"/items/{item}#judge")
    assert page.get_attribute("[data-effectiveness]", "data-effectiveness") == "solved"
    entry = page.locator("[data-table=audit] tr[data-audit]").first
    assert entry.locator("[data-by]").text_content() == "李评估"
    assert "答复已说明办理地点和时限" in entry.text_content()
    page.goto(f"{base}/rounds/{review_db['guides']}/cities/guangzhou")
    assert _interaction(page) > before
    assert "※" in page.text_content("[data-table=city-score] tr[data-indicator=interaction]")
    page.goto(f"{base}/rounds/{review_db['guides']}")
    assert "※" in page.text_content("tr[data-city=guangzhou] td[data-indicator=interaction]")
    page.goto(f"{base}/audit")
    assert "李评估" in page.text_content("[data-table=audit] tr[data-audit]")
    context.close()


def test_an_override_is_confirmed_by_a_second_evaluator_never_by_its_author(
    chromium, base, review_db
):
    probe_id = review_db["probes"]["guangzhou", MATTERS[1]]
    li = chromium.new_context().new_page()
    wang = chromium.new_context().new_page()
    li.goto(f"{base}/login?token={LI}")
    wang.goto(f"{base}/login?token={WANG}")
    li.goto(f"{base}/rounds/{review_db['guides']}")
    guide_before = float(li.text_content("tr[data-city=guangzhou] td[data-indicator=guide]"))
    li.goto(f"{base}/probes/{probe_id}")
    row = li.locator("tr[data-element='承诺办结时限']")
    assert row.get_attribute("data-now") == "0"
    row.locator("select[name=present]").select_option("1")
    row.locator("input[name=note]").fill("指南“办理时限”栏写明5个工作日，机器未识别")
    with li.expect_navigation():
        row.locator("button").click()
    row = li.locator("tr[data-element='承诺办结时限']")
    assert row.get_attribute("data-now") == "1" and "※" in row.text_content()
    (override,) = li.locator("tr[data-override]").all()
    override_id = override.get_attribute("data-override")
    li.goto(f"{base}/queue")
    assert li.locator(f"[data-table=awaiting_second] tr[data-override='{override_id}']").count()
    li.goto(f"{base}/probes/{probe_id}")
    with li.expect_navigation():
        li.click(f"tr[data-override='{override_id}'] button[data-action=confirm]")
    refusal = li.text_content("[data-error]")
    assert "另一位评估人确认" in refusal and "本人" in refusal
    db = _db(review_db)
    (row,) = [o for o in db.query("SELECT * FROM overrides WHERE id = ?", [int(override_id)])]
    assert row["confirmed_by"] is None
    wang.goto(f"{base}/probes/{probe_id}")
    with wang.expect_navigation():
        wang.click(f"tr[data-override='{override_id}'] button[data-action=confirm]")
    cell = wang.locator(f"tr[data-override='{override_id}'] [data-confirmed-by]")
    assert cell.get_attribute("data-confirmed-by") == "王评估"
    (row,) = [o for o in db.query("SELECT * FROM overrides WHERE id = ?", [int(override_id)])]
    assert (row["by"], row["confirmed_by"]) == ("李评估", "王评估")
    db.close()
    bys = wang.locator("[data-table=audit] tr[data-audit] [data-by]").all_text_contents()
    assert bys == ["王评估", "李评估"]  # newest first: the confirmation, then the override
    wang.goto(f"{base}/queue")
    assert not wang.locator(
        f"[data-table=awaiting_second] tr[data-override='{override_id}']"
    ).count()
    wang.goto(f"{base}/rounds/{review_db['guides']}")
    guide_after = wang.text_content("tr[data-city=guangzhou] td[data-indicator=guide]")
    assert "※" in guide_after and float(guide_after.replace("※", "")) > guide_before
    li.context.close()
    wang.context.close()


def test_markup_from_portals_executes_nothing(chromium, base, review_db):
    context = chromium.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/login?token={WANG}")
    probe_id = review_db["probes"]["lhasa", MATTERS[0]]
    item = review_db["items"]["lhasa", "consult"]
    db = _db(review_db)
    html_sha = store.capture_of_probe(db, probe_id)["html_sha256"]
    db.close()
    for path in (
        f"/rounds/{review_db['guides']}/cities/lhasa",
        f"/probes/{probe_id}",
        f"/items/{item}",
        "/queue",
        f"/evidence/{html_sha}",  # the portal's own page, scripts and all
    ):
        page.goto(base + path)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__pwned") == "undefined", path
    assert dialogs == []
    page.goto(f"{base}/items/{item}")
    assert page.text_content("[data-field=reply]") == f"请携带身份证。{SCRIPT}{IMG}"
    assert page.text_content("[data-field=title]") == f"开办美容院{SCRIPT}"
    page.goto(f"{base}/probes/{probe_id}")
    assert page.text_content("tr[data-element='事项名称'] td.pre") == IMG
    assert page.text_content("li[data-step='1'] .muted.pre") == IMG
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("main img").count() == page.locator("main img[src^='/evidence/']").count()
    context.close()
