"""The review pages' security over real HTTP (uvicorn on a free port, real SQLite files): who may
log in and from where, sessions that logout revokes and a restart keeps, the secret's file mode,
override fields held to the guide's elements and to bounded text, no uploads, evaluators' names
normalised, and every audit row's channel (web or cli).

Each test here failed on the review as it was before issue 16, item 6.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from probes import store
from probes.review.app import create_app
from probes.review.auth import SECRET_FILE, TokenError, load_tokens
from probes.store import overrides
from probes.store.schema import MIGRATIONS, migrate
from tests.support.rounds import LI, MATTERS, TOKENS, WANG, write_review_round
from tests.support.served import Served

COOKIE = "govprobe_review"


@pytest.fixture(scope="module")
def base(review_db) -> Iterator[str]:
    with Served(create_app(review_db["path"], tokens=TOKENS)) as url:
        yield url


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@contextmanager
def _logged_in(base: str, token: str) -> Iterator[httpx.Client]:
    """A client holding the session cookie that logging in with ``token`` set."""
    with httpx.Client(base_url=base, timeout=30) as client:
        response = client.get(f"/login?token={token}", follow_redirects=True)
        assert response.status_code == 200 and response.url.path == "/"
        yield client


def _session_cookie(client: httpx.Client) -> str:
    return client.cookies[COOKIE]


def _error(html: str) -> str:
    found = re.search(r"<div class=\"error\" data-error>(.*?)</div>", html, re.S)
    assert found, html[:2000]
    return found.group(1)


# --- logging in -------------------------------------------------------------------------------


def test_a_login_posted_from_another_site_is_refused(base):
    form = {"token": LI, "next": "/"}
    with httpx.Client(base_url=base, timeout=30) as client:
        for headers in (
            {"origin": "http://evil.example"},
            {"origin": "null"},  # a sandboxed page, or a form with its referrer stripped
            {"origin": base.replace("127.0.0.1", "localhost")},  # another origin of this host
            {"referer": "http://evil.example/login-you-in.html"},
            {"sec-fetch-site": "cross-site"},
            {"sec-fetch-site": "same-site"},  # another port of 127.0.0.1: the sandbox's portals
        ):
            refused = client.post("/login", data=form, headers=headers)
            assert refused.status_code == 403, headers
            assert COOKIE not in refused.headers.get("set-cookie", ""), headers
            assert "其他网站" in refused.text, headers
        assert COOKIE not in client.cookies
        # a login link opened from another site is refused as well (the attacker's own token)
        linked = client.get(f"/login?token={LI}", headers={"sec-fetch-site": "cross-site"})
        assert linked.status_code == 403 and COOKIE not in linked.headers.get("set-cookie", "")
        # the browser's own form (Origin: ours) and a link typed or pasted are accepted
        ours = client.post(
            "/login", data=form, headers={"origin": base, "sec-fetch-site": "same-origin"}
        )
        assert ours.status_code == 303 and COOKIE in ours.headers["set-cookie"]
    with httpx.Client(base_url=base, timeout=30) as client:
        typed = client.get(f"/login?token={WANG}", headers={"sec-fetch-site": "none"})
        assert typed.status_code == 303 and COOKIE in typed.headers["set-cookie"]


# --- sessions ---------------------------------------------------------------------------------


def test_a_session_cookie_no_longer_works_after_logout(base):
    with _logged_in(base, LI) as li:
        stolen = _session_cookie(li)
        csrf = _csrf(li.get("/").text)
        with httpx.Client(base_url=base, timeout=30, cookies={COOKIE: stolen}) as thief:
            assert thief.get("/").status_code == 200  # the copy works while the session lives
            out = li.post("/logout", data={"csrf": csrf}, headers={"origin": base})
            assert out.status_code == 303 and out.headers["location"] == "/login"
            assert thief.get("/").status_code == 401
        assert li.get("/").status_code == 401


def test_a_session_survives_a_restart_of_the_review(tmp_path):
    path = tmp_path / "results" / "govprobe.db"
    review = write_review_round(path)
    item = review["items"]["guangzhou", "consult"]
    with Served(create_app(path, tokens=TOKENS)) as first, _logged_in(first, WANG) as wang:
        cookie = _session_cookie(wang)
        csrf = _csrf(wang.get(f"/items/{item}").text)
    secret = path.parent / SECRET_FILE
    assert secret.is_file() and secret.stat().st_mode & 0o777 == 0o600
    restarted = create_app(path, tokens=TOKENS)
    with Served(restarted) as second, httpx.Client(base_url=second, timeout=30) as wang:
        wang.cookies.set(COOKIE, cookie)
        page = wang.get("/")
        assert page.status_code == 200 and "王评估" in page.text
        # a form opened before the restart is still the session's own
        done = wang.post(
            f"/items/{item}/label", data={"csrf": csrf, "effectiveness": "partly",
                                          "note": "重启后提交"},
            headers={"origin": second},
        )  # fmt: skip
        assert done.status_code == 303


def test_a_secret_readable_by_others_is_refused(tmp_path):
    path = tmp_path / "govprobe.db"
    store.open_db(path).close()
    secret = path.parent / SECRET_FILE
    secret.write_text("0" * 64, encoding="ascii")
    os.chmod(secret, 0o644)
    with pytest.raises(ValueError, match="0644") as refused:
        create_app(path, tokens=TOKENS)
    assert str(secret) in str(refused.value)
    os.chmod(secret, 0o600)
    create_app(path, tokens=TOKENS)  # the same file, no longer readable by others


# --- override fields --------------------------------------------------------------------------


def _post(client: httpx.Client, base: str, path: str, page: str, **form) -> httpx.Response:
    csrf = _csrf(client.get(page).text)
    return client.post(path, data={"csrf": csrf, **form}, headers={"origin": base})


def test_an_element_override_must_name_a_guide_element(base, review_db):
    probe_id = review_db["probes"]["guangzhou", MATTERS[2]]
    with _logged_in(base, LI) as li:
        for element in ("不存在的要素", "承诺办结时限\u200b", "<b>※</b>", "x" * 5000):
            refused = _post(
                li, base, f"/probes/{probe_id}/element", f"/probes/{probe_id}",
                element=element, present="0", note="试图改判一个不存在的要素",
            )  # fmt: skip
            assert refused.status_code == 400, element
            assert "不是指南要素" in _error(refused.text), element
    with store.open_db(review_db["path"]) as db:
        assert not list(db.query("SELECT * FROM overrides WHERE probe_id = ?", [probe_id]))
        with pytest.raises(overrides.OverrideError, match="不是指南要素"):
            overrides.override_element(
                db, probe_id, "不存在的要素", True, by="李评估", note="命令行也不行"
            )
        overrides.override_element(db, probe_id, "承诺办结时限", False, by="李评估",
                                   note="指南未写时限")  # fmt: skip


def test_an_oversized_reason_is_refused(base, review_db):
    item = review_db["items"]["lhasa", "complaint"]
    with store.open_db(review_db["path"]) as db:
        before = len(store.labels_of_item(db, item))
    with _logged_in(base, WANG) as wang:
        for note in ("理" * 2001, "理" * (5 * 1024 * 1024)):
            refused = _post(
                wang, base, f"/items/{item}/label", f"/items/{item}", effectiveness="solved",
                note=note,
            )  # fmt: skip
            assert refused.status_code in (400, 413), len(note)
            assert "2000" in _error(refused.text), len(note)
    with store.open_db(review_db["path"]) as db:
        assert len(store.labels_of_item(db, item)) == before
        with pytest.raises(overrides.OverrideError, match="最多 2000 字"):
            overrides.label_reply(db, item, "solved", by="王评估", note="理" * 2001)
        overrides.label_reply(db, item, "solved", by="王评估", note="理" * 2000)


def test_a_file_upload_is_refused(base, review_db):
    item = review_db["items"]["lhasa", "consult"]
    with store.open_db(review_db["path"]) as db:
        before = len(store.labels_of_item(db, item))
    with _logged_in(base, WANG) as wang:
        csrf = _csrf(wang.get(f"/items/{item}").text)
        refused = wang.post(
            f"/items/{item}/label",
            data={"csrf": csrf, "effectiveness": "solved"},
            files={"note": ("reason.bin", b"\0" * (5 * 1024 * 1024), "application/octet-stream")},
            headers={"origin": base},
        )
        assert refused.status_code == 400
        assert "不接受上传文件" in _error(refused.text)
    with store.open_db(review_db["path"]) as db:
        assert len(store.labels_of_item(db, item)) == before


# --- evaluators' names ------------------------------------------------------------------------


def test_token_names_differing_only_by_invisible_characters_or_spaces_are_refused(tmp_path):
    tokens = tmp_path / "tokens.yaml"
    for first, second in (
        ("李评估", "李\u200b评估"),  # a zero-width space
        ("李评估", "\ufeff李评估"),  # a byte-order mark
        ("Li Wei", "Ｌｉ　Ｗｅｉ"),  # full-width letters and an ideographic space
        ("李评估", "李 评估"),
    ):
        tokens.write_text(
            f'{{"{first}": "first-token-0123456789", "{second}": "second-token-0123456789"}}',
            encoding="utf-8",
        )
        with pytest.raises(TokenError) as refused:
            load_tokens(tokens)
        message = str(refused.value)
        assert str(tokens) in message and repr(first) in message and repr(second) in message
    tokens.write_text('{" 李\u200b评估 ": "li-token-0123456789abcdef"}', encoding="utf-8")
    assert load_tokens(tokens) == {"李评估": "li-token-0123456789abcdef"}


def test_label_on_the_command_line_needs_a_note_and_normalises_the_name(tmp_path):
    from probes.cli import main

    path = tmp_path / "results" / "govprobe.db"
    review = write_review_round(path)
    item = str(review["items"]["guangzhou", "complaint"])
    runner = CliRunner()
    missing = runner.invoke(main, ["label", item, "solved", "--by", "李评估", "--db", str(path)])
    assert missing.exit_code == 2 and "--note" in missing.output
    blank = runner.invoke(
        main, ["label", item, "solved", "--by", "李评估", "--note", "  ", "--db", str(path)]
    )
    assert blank.exit_code != 0 and "必须填写理由" in blank.output
    done = runner.invoke(
        main, ["label", item, "solved", "--by", "\u200b李评估 ", "--note", "答复已解决",
               "--db", str(path)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    with store.open_db(path) as db:
        (label,) = store.labels_of_item(db, int(item))
    assert (label["by"], label["note"], label["channel"]) == ("李评估", "答复已解决", "cli")


# --- the audit log's channel ------------------------------------------------------------------


def test_every_audit_row_records_its_channel(tmp_path):
    from probes.cli import main

    path = tmp_path / "results" / "govprobe.db"
    _old_database(path)
    review = write_review_round(path)
    web_item, cli_item = review["items"]["lhasa", "consult"], review["items"]["lhasa", "complaint"]
    probe_id = review["probes"]["lhasa", MATTERS[2]]
    with Served(create_app(path, tokens=TOKENS)) as url, _logged_in(url, LI) as li:
        assert _post(li, url, f"/items/{web_item}/label", f"/items/{web_item}",
                     effectiveness="solved", note="网页标注").status_code == 303  # fmt: skip
        assert _post(li, url, f"/probes/{probe_id}/outcome", f"/probes/{probe_id}",
                     outcome="guide_missing", note="网页改判").status_code == 303  # fmt: skip
        done = CliRunner().invoke(
            main, ["label", str(cli_item), "partly", "--by", "王评估", "--note", "命令行标注",
                   "--db", str(path)],
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        audit = li.get("/audit").text
    with store.open_db(path) as db:
        channels = {r["note"]: r["channel"] for r in db.query("SELECT * FROM labels")}
    assert channels == {"迁移前": None, "网页标注": "web", "网页改判": "web", "命令行标注": "cli"}
    rows = audit.split("<tr data-audit=")[1:]
    shown = {
        re.search(r'<td class="pre">([^<]*)</td>', row).group(1): re.search(
            r"<td data-channel=[^>]*>([^<]*)</td>", row
        ).group(1)
        for row in rows
    }
    assert shown == {
        "迁移前": "未记录",
        "网页标注": "网页",
        "网页改判": "网页",
        "命令行标注": "命令行",
    }


def _old_database(path: Path) -> None:
    """A database as it was before the channel was recorded, with one audit row in it."""
    import sqlite_utils

    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    try:
        migrate(db, MIGRATIONS[:5])  # the migrations that shipped before the channel
        db["labels"].insert(
            {"field": "effectiveness", "old": None, "new": "solved", "by": "老评估",
             "at": "2026-01-01T00:00:00+00:00", "note": "迁移前", "subject": "item:legacy"}
        )  # fmt: skip
    finally:
        db.close()
