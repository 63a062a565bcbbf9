"""The in-browser checks on real pages in real Chromium: timings, weight, a script challenge
passed, mobile adaptation at 375 px, axe-core's serious and critical violations."""

from __future__ import annotations

import httpx
import pytest

from probes.check.browser_checks import check_page, new_check_context
from probes.net.browser import find_chromium, launch_options
from tests.support.local_server import serving
from tests.support.sandbox_client import run_async

pytestmark = pytest.mark.browser


PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
PAGES = {
    # no lang, an image without alt, a field without a label, grey on white
    "inaccessible": f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>办事</title></head>
<body><main><h1>办事指南</h1><img src="{PIXEL}" width="40" height="40">
<p style="color:#c8c8c8;background:#fff">咨询电话 12345</p><input type="text"></main></body></html>""",
    "phone_ok": """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>移动端</title></head>
<body><main><h1>城乡居民参保登记</h1><p style="font-size:16px">办理材料：身份证、户口簿。</p>
</main></body></html>""",
    "phone_bad": """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>电脑版</title>
</head><body><main><h1 style="font-size:10px">开办美容院</h1>
<div style="width:900px;font-size:9px">申请材料 营业执照 卫生许可证 消防安全检查 法定代表人身份证明</div>
</main></body></html>""",
}


def test_a_page_is_measured_and_its_serious_and_critical_violations_counted(sandbox_url):
    if find_chromium() is None:
        pytest.skip("no Chromium found")
    cities = {c["city_id"]: c for c in httpx.get(f"{sandbox_url}/__sandbox/cities").json()}
    launch = launch_options()

    with serving() as server:
        server.pages.update({k: v.encode() for k, v in PAGES.items()})
        base = server.url

        async def go():
            from playwright.async_api import async_playwright

            async with async_playwright() as pw:
                browser = await pw.chromium.launch(**launch)
                try:
                    pc = await new_check_context(browser, pw, "pc")
                    phone = await new_check_context(browser, pw, "mobile")
                    return {
                        "inaccessible": await check_page(pc, f"{base}/page/inaccessible"),
                        "challenge": await check_page(pc, cities["beijing"]["pc_url"]),
                        "missing": await check_page(pc, f"{base}/page/nothing"),
                        "phone_ok": await check_page(
                            phone, f"{base}/page/phone_ok", channel="mobile"
                        ),
                        "phone_bad": await check_page(
                            phone, f"{base}/page/phone_bad", channel="mobile"
                        ),
                        "h5": await check_page(
                            phone, cities["guangzhou"]["mobile_url"], channel="mobile"
                        ),
                        "pc_site_on_a_phone": await check_page(
                            phone, cities["guangzhou"]["pc_url"], channel="mobile"
                        ),
                    }
                finally:
                    await browser.close()

        found = run_async(go)

    bad = found["inaccessible"]
    assert bad.loaded and bad.status == 200
    assert bad.axe["critical"] >= 2 and bad.axe["serious"] >= 2
    assert {"image-alt", "label", "html-has-lang", "color-contrast"} <= set(bad.axe["scored_rules"])
    assert bad.timings["load_ms"] > 0 and bad.speed_ms > 0 and bad.bytes > 0

    passed = found["challenge"]
    assert passed.challenge and passed.passed and passed.loaded and passed.status == 200
    assert "challenge_ms" in passed.timings and passed.speed_ms >= passed.timings["lcp_ms"]

    assert not found["missing"].loaded and found["missing"].status == 404

    ok, wide = found["phone_ok"].mobile, found["phone_bad"].mobile
    assert (ok["device_width"], ok["fits"], ok["readable"]) == (True, True, True)
    assert (wide["device_width"], wide["fits"], wide["readable"]) == (False, False, False)
    h5, pc_site = found["h5"].mobile, found["pc_site_on_a_phone"].mobile
    assert h5["device_width"] and h5["fits"]
    assert not pc_site["device_width"] and not pc_site["fits"]
