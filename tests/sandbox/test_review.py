"""The review pages over real HTTP (the app served by uvicorn): tokens, sessions, CSRF,
evidence served only by its hash, tampered evidence flagged. In the browser:
``tests/e2e/test_review.py``."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from probes import store
from probes.review.app import create_app
from tests.support.rounds import LI, MATTERS, TOKENS, WANG, png
from tests.support.served import Served


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
    shot = review_db["evidence"].put(png("navy"), "image/png")
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
    assert status == 200 and body == png("navy")
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
