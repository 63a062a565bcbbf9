"""The review pages over real HTTP: uvicorn on a free port, a real SQLite file and evidence
store, real Chromium.

The database is written through the store's own functions: two cities, one scenario on PC, the
interaction round beside. 拉萨 is the hostile city: its guide, steps, materials, consultation
and reply carry script and markup, which must show as text and run nowhere.
"""

from __future__ import annotations

import http.client
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from PIL import Image
from served import Served

from probes import store
from probes.model import Capture, ProbeResult, Step
from probes.outcomes import Outcome
from probes.review.app import create_app
from probes.review.auth import TokenError, is_loopback, load_tokens
from probes.review.server import serve
from probes.store.evidence import EvidenceStore

MATTERS = ("enterprise-registration", "public-health-permit", "fire-safety-inspection")
TOKENS = {"李评估": "li-token-0123456789abcdef", "王评估": "wang-token-0123456789abcdef"}
LI, WANG = TOKENS["李评估"], TOKENS["王评估"]
PWN = "window.__pwned=1;alert(1)"
SCRIPT = f"<script>{PWN}</script>"
IMG = f'<img src=x onerror="{PWN}">'


def _png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 250), color).save(out, "PNG")
    return out.getvalue()


def _probe(ev: EvidenceStore, city: str, matter: str, *, hostile: bool = False) -> ProbeResult:
    mark = SCRIPT if hostile else ""
    guide_url = f"javascript:{PWN}" if hostile else f"http://portal/{city}/{matter}"
    html = f"<html><body><h1>{matter}</h1>{SCRIPT}{IMG}</body></html>"
    shots = [ev.put(_png(c), "image/png") for c in (("navy", "teal") if not hostile else ("red",))]
    steps = (
        Step(1, "goto", f"http://portal/{city}", f"http://portal/{city}", 800, shots[0],
             IMG if hostile else ""),
        Step(2, "search", f"搜索框 ← {matter}{mark}", f"http://portal/{city}/search", 1200),
        Step(3, "capture", f"{matter}{mark}", guide_url, 300, shots[-1]),
    )  # fmt: skip
    capture = Capture(
        url=guide_url, title=f"{matter}{mark}", html=ev.put(html.encode(), "text/html"),
        screenshot=shots[-1], found_by="search", query=matter, rank=1,
        candidates=(f"候选{mark}",), url_trail=(f"http://portal/{city}", guide_url),
    )  # fmt: skip
    return ProbeResult(
        city=city, scenario="beauty-salon", matter=matter, channel="pc",
        portal_url=f"http://portal/{city}", outcome=Outcome.OK,
        reason=f"<svg onload=\"{PWN}\">" if hostile else "", started_at=store.now_iso(),
        seconds=2.3, steps=steps, capture=capture,
        extra={"online_apply": {"entry": True, "reached": True, "login_wall": False}},
    )  # fmt: skip


@pytest.fixture(scope="module")
def review_db(tmp_path_factory) -> Iterator[dict]:
    """guangzhou: three guides (one lacks 承诺办结时限), answered consultation and complaint;
    lhasa: hostile markup everywhere, a tamperable data file on one probe."""
    root = tmp_path_factory.mktemp("review")
    db_path = root / "results" / "govprobe.db"
    db = store.open_db(db_path)
    ev = EvidenceStore(db_path.parent / "evidence")
    guides = store.start_round(db, "guides", "sandbox")
    ids: dict[tuple[str, str], int] = {}
    for city in ("guangzhou", "lhasa"):
        for matter in MATTERS:
            hostile = city == "lhasa" and matter == MATTERS[0]
            ids[city, matter] = store.save_probe(
                db, guides, _probe(ev, city, matter, hostile=hostile)
            )
    tamper = ev.put(b'{"guide": "the data this page loaded"}', "application/json")
    store.save_probe(
        db, guides, _probe(ev, "lhasa", MATTERS[1]), {"data": tamper}
    )  # the same attempt again, with a data file beside it
    for (city, matter), probe_id in ids.items():
        hostile = city == "lhasa" and matter == MATTERS[0]
        lacks = city == "guangzhou" and matter == MATTERS[1]
        values = {"事项名称": IMG if hostile else matter, "到办事现场次数": "0次"}
        if not lacks:
            values["承诺办结时限"] = "5个工作日"
        store.save_judgement(
            db, probe_id, elements=values, empty=(),
            materials=[{"name": f"申请书{SCRIPT if hostile else ''}",
                        "form_url": f"javascript:{PWN}" if hostile else "http://portal/form.doc"}],
            links=[{"url": "http://portal/form.doc", "kind": "form", "status": 200}],
            findings=[{"code": "link_broken", "detail": IMG}] if hostile else [],
            completeness=0.5 if lacks else 1.0,
            required=["到办事现场次数", "承诺办结时限"],
            missing=["承诺办结时限"] if lacks else [], rules_version="test",
        )  # fmt: skip
    store.finish_round(db, guides)
    consult = store.start_round(db, "consult", "sandbox", {"dry_run": False})
    items = {}
    receipt = ev.put(_png("olive"), "image/png")
    for city, kind, timely, effect in (
        ("guangzhou", "consult", "on_time", "solved"),
        ("guangzhou", "complaint", "late", "partly"),
        ("lhasa", "consult", "on_time", "partly"),
        ("lhasa", "complaint", "no_reply", "not"),
    ):
        hostile = city == "lhasa" and kind == "consult"
        item = store.record_intent(
            db, city=city, scenario="beauty-salon", kind=kind, round_id=consult,
            title=f"开办美容院{SCRIPT if hostile else ''}", content=f"需要哪些材料？{IMG if hostile else ''}",
        )  # fmt: skip
        store.mark_submitted(
            db, item, f"T-{item}{IMG if hostile else ''}", "2026-03-02T10:00:00+08:00"
        )
        store.add_item_evidence(db, item, "receipt", receipt)
        if timely != "no_reply":
            store.record_reply(
                db, item, replied_at="2026-03-03T09:00:00+08:00",
                reply_text=f"请携带身份证。{SCRIPT}{IMG}" if hostile else "请携带营业执照。",
            )  # fmt: skip
        store.set_item_scores(db, item, working_days=1, timeliness=timely, effectiveness=effect)
        items[city, kind] = item
    store.finish_round(db, consult)
    db.close()
    yield {"path": db_path, "guides": guides, "probes": ids, "items": items, "tamper": tamper,
           "evidence": ev}  # fmt: skip


@pytest.fixture(scope="module")
def base(review_db) -> Iterator[str]:
    with Served(create_app(review_db["path"], tokens=TOKENS)) as url:
        yield url


def _db(review_db):
    return store.open_db(review_db["path"])


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@contextmanager
def _logged_in(base: str, token: str) -> Iterator[httpx.Client]:
    """A client holding the session cookie that logging in with ``token`` set."""
    with httpx.Client(base_url=base, timeout=30) as client:
        response = client.get(f"/login?token={token}", follow_redirects=True)
        assert response.status_code == 200 and response.url.path == "/"
        yield client


def _raw_get(base: str, path: str, token: str = LI) -> tuple[int, bytes]:
    """A GET sent byte for byte (no client normalizing ``..`` or escapes)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- safety over plain HTTP ---------------------------------------------------------------


def test_requests_without_a_valid_token_are_refused(base, review_db):
    sha = review_db["tamper"].sha256
    with httpx.Client(base_url=base, timeout=30) as anonymous:
        for path in ("/", "/probes/1", "/audit", "/queue", f"/evidence/{sha}"):
            response = anonymous.get(path)
            assert response.status_code == 401, path
            assert response.headers["x-frame-options"] == "DENY"
        page = anonymous.get("/probes/1", headers={"accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
        assert (
            anonymous.get("/", headers={"authorization": "Bearer not-a-token"}).status_code == 401
        )
    with httpx.Client(base_url=base, timeout=30, cookies={"govprobe_review": "e30.forged"}) as c:
        assert c.get("/").status_code == 401
    with httpx.Client(base_url=base, timeout=30) as anonymous:
        refused = anonymous.get("/login?token=wrong-token-0123456789")
        assert refused.status_code == 401 and "govprobe_review" not in refused.headers.get(
            "set-cookie", ""
        )
    with httpx.Client(base_url=base, timeout=30) as bearer:
        ok = bearer.get("/", headers={"authorization": f"Bearer {WANG}"})
        assert ok.status_code == 200 and "王评估" in ok.text
        csp = ok.headers["content-security-policy"]
        assert "script-src 'none'" in csp and "frame-ancestors 'none'" in csp
    with httpx.Client(base_url=base, timeout=30) as client:
        for target, expected in (
            ("/audit", "/audit"),
            ("//evil.example/", "/"),
            ("/\\evil.example", "/"),
            ("https://evil.example", "/"),
        ):
            done = client.get("/login", params={"token": LI, "next": target})
            assert done.status_code == 303 and done.headers["location"] == expected, target
    with _logged_in(base, LI) as browser_like:
        cookie = browser_like.cookies.jar
        (session,) = [c for c in cookie if c.name == "govprobe_review"]
        assert session.has_nonstandard_attr("HttpOnly")
        assert "李评估" in browser_like.get("/").text


def test_a_post_without_the_sessions_csrf_token_is_refused_and_changes_nothing(base, review_db):
    item = review_db["items"]["lhasa", "complaint"]
    db = _db(review_db)
    before = (store.get_item(db, item)["effectiveness"], len(store.labels_of_item(db, item)))
    with _logged_in(base, WANG) as wang, _logged_in(base, LI) as li:
        theirs = _csrf(li.get(f"/items/{item}").text)
        mine = _csrf(wang.get(f"/items/{item}").text)
        assert theirs != mine
        for csrf in (None, "", "x" * 43, theirs):
            form = {"effectiveness": "solved", "note": "伪造"}
            if csrf is not None:
                form["csrf"] = csrf
            response = wang.post(f"/items/{item}/label", data=form)
            assert response.status_code == 403, csrf
        elsewhere = wang.post(
            f"/items/{item}/label", data={"csrf": mine, "effectiveness": "solved", "note": "x"},
            headers={"origin": "http://evil.example"},
        )  # fmt: skip
        assert elsewhere.status_code == 403
        after = (store.get_item(db, item)["effectiveness"], len(store.labels_of_item(db, item)))
        assert after == before
        # the session's own token is accepted, so the refusals above were the token's doing
        done = wang.post(
            f"/items/{item}/label", data={"csrf": mine, "effectiveness": "solved", "note": "已回复"}
        )
        assert done.status_code == 303
    label = store.labels_of_item(db, item)[-1]
    assert (label["by"], label["new"], label["note"]) == ("王评估", "solved", "已回复")
    db.close()


def test_evidence_is_served_only_by_its_hash_from_the_store(base, review_db):
    db_bytes = Path(review_db["path"]).read_bytes()[:16]
    shot = review_db["evidence"].put(_png("navy"), "image/png")
    for path in (
        "/evidence/../govprobe.db",
        "/evidence/..%2fgovprobe.db",
        "/evidence/%2e%2e%2fgovprobe.db",
        "/evidence/%2e%2e",
        "/evidence/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        f"/evidence/{shot.relpath}",
        f"/evidence/{shot.sha256.upper()}",
        f"/evidence/{'0' * 64}",
    ):
        status, body = _raw_get(base, path)
        assert status in (400, 404), path
        assert db_bytes not in body
    status, body = _raw_get(base, f"/evidence/{shot.sha256}")
    assert status == 200 and body == _png("navy")
    db = _db(review_db)
    html_sha = store.capture_of_probe(db, review_db["probes"]["lhasa", MATTERS[0]])["html_sha256"]
    db.close()
    page = httpx.get(f"{base}/evidence/{html_sha}", headers={"authorization": f"Bearer {LI}"})
    assert page.status_code == 200 and "<script>" in page.text  # the portal's page, as stored
    assert page.headers["content-security-policy"].startswith("sandbox; default-src 'none'")
    assert page.headers["x-content-type-options"] == "nosniff"


def test_a_tampered_evidence_file_shows_as_failing_its_check(base, review_db):
    ref = review_db["tamper"]
    probe_id = review_db["probes"]["lhasa", MATTERS[1]]
    auth = {"authorization": f"Bearer {LI}"}
    page = httpx.get(f"{base}/probes/{probe_id}", headers=auth).text
    assert f'data-sha256="{ref.sha256}" data-integrity="ok"' in page
    review_db["evidence"].path(ref.relpath).write_bytes(b'{"guide": "edited afterwards"}')
    page = httpx.get(f"{base}/probes/{probe_id}", headers=auth).text
    assert f'data-sha256="{ref.sha256}" data-integrity="changed"' in page
    assert "已被改动" in page
    verify = httpx.get(f"{base}/verify", headers=auth).text
    assert f'data-sha256="{ref.sha256}"' in verify and 'data-problems="1"' in verify
    assert httpx.get(f"{base}/evidence/{ref.sha256}", headers=auth).status_code == 409


def test_the_review_refuses_a_public_address_without_a_tokens_file(tmp_path, monkeypatch):
    from probes.cli import main

    monkeypatch.delenv("GOVPROBE_REVIEW_TOKENS", raising=False)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    with pytest.raises(TokenError, match="not a loopback address"):
        serve(tmp_path / "x.db", host="0.0.0.0", echo=lambda m: None)
    done = CliRunner().invoke(main, ["review", "--db", str(tmp_path / "x.db"), "--host", "0.0.0.0"])
    assert done.exit_code != 0 and "not a loopback address" in done.output
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text("李评估: short\n", encoding="utf-8")
    with pytest.raises(TokenError, match="at least 16"):
        load_tokens(tokens)
    tokens.write_text('{"李评估": "li-token-0123456789abcdef"}', encoding="utf-8")
    assert load_tokens(tokens) == {"李评估": "li-token-0123456789abcdef"}


# --- in the browser -----------------------------------------------------------------------


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
    assert "另一位评估人确认" in refusal and "second evaluator" in refusal
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
