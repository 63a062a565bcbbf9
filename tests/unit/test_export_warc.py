"""A journey's HAR as WARC records (``probes/app/export.write_warc``): the status, headers and
body the server sent, the request beside it, the decoded body's own length, nothing for a
request that got no answer."""

from __future__ import annotations

import base64
import io

from warcio.archiveiterator import ArchiveIterator

from probes.app.export import write_warc

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))


def _entry(url, status, *, headers=(), content=None, method="GET", post=None):
    request = {"method": method, "url": url, "httpVersion": "HTTP/1.1",
               "headers": [{"name": ":authority", "value": "portal.test"},
                           {"name": "User-Agent", "value": "govprobe-test"}]}  # fmt: skip
    if post is not None:
        request["postData"] = {"mimeType": "application/x-www-form-urlencoded", "text": post}
    return {
        "startedDateTime": "2026-12-02T07:07:04.123Z",
        "request": request,
        "response": {
            "status": status,
            "statusText": "OK" if status == 200 else "",
            "httpVersion": "h2",
            "headers": [{"name": n, "value": v} for n, v in headers],
            "content": content or {"size": 0, "mimeType": "x-unknown"},
        },
    }


HAR = {
    "log": {
        "entries": [
            _entry(
                "https://portal.test/guide?id=1",
                200,
                headers=[
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Encoding", "gzip"),
                    ("Content-Length", "31"),
                ],
                content={"size": 40, "mimeType": "text/html", "text": "<html>办事指南 许可</html>"},
            ),  # fmt: skip
            _entry(
                "https://portal.test/logo.png",
                200,
                headers=[("Content-Type", "image/png")],
                content={
                    "size": len(PNG),
                    "mimeType": "image/png",
                    "encoding": "base64",
                    "text": base64.b64encode(PNG).decode(),
                },
            ),  # fmt: skip
            _entry(
                "https://portal.test/search",
                302,
                method="POST",
                post="q=许可",
                headers=[("Location", "/guide?id=1")],
            ),  # fmt: skip
            _entry("https://gone.test/", 0),  # refused: nothing was sent
            _entry("data:text/plain,hello", 200),  # not the web
        ]
    }
}


def _records() -> list:
    out = io.BytesIO()
    written = write_warc(out, [HAR], round_id="R1", params={"environment": {"chromium": "1"}})
    records = []
    for record in ArchiveIterator(io.BytesIO(out.getvalue())):
        body = record.content_stream().read()
        records.append((record.rec_type, record, body))
    assert written == len(records)
    return records


def test_each_answered_request_is_a_response_and_a_request_record_after_the_warcinfo():
    records = _records()
    assert records[0][0] == "warcinfo"
    assert b"R1" in records[0][2]
    kinds = [(kind, r.rec_headers.get_header("WARC-Target-URI")) for kind, r, _ in records[1:]]
    assert kinds == [
        ("response", "https://portal.test/guide?id=1"),
        ("request", "https://portal.test/guide?id=1"),
        ("response", "https://portal.test/logo.png"),
        ("request", "https://portal.test/logo.png"),
        ("response", "https://portal.test/search"),
        ("request", "https://portal.test/search"),
    ]
    for (_, answer, _), (_, question, _) in zip(records[1::2], records[2::2], strict=True):
        answer_id = answer.rec_headers.get_header("WARC-Record-ID")
        assert question.rec_headers.get_header("WARC-Concurrent-To") == answer_id
        assert answer.rec_headers.get_header("WARC-Date") == "2026-12-02T07:07:04Z"


def test_the_body_is_the_decoded_one_with_its_own_length_and_the_servers_values_kept():
    _, guide, html = _records()[1]
    assert html == "<html>办事指南 许可</html>".encode()
    headers = guide.http_headers
    assert headers.get_statuscode() == "200"
    assert headers.get_header("Content-Length") == str(len(html))
    assert headers.get_header("Content-Encoding") is None  # the body is no longer gzipped
    assert headers.get_header("X-Govprobe-Orig-Content-Encoding") == "gzip"
    assert headers.get_header("X-Govprobe-Orig-Content-Length") == "31"


def test_binary_bodies_redirects_and_posted_forms_are_kept_as_sent():
    records = _records()
    assert records[3][2] == PNG
    _, redirect, body = records[5]
    assert redirect.http_headers.get_statuscode() == "302" and body == b""
    assert redirect.http_headers.get_header("Location") == "/guide?id=1"
    _, posted, form = records[6]
    assert posted.http_headers.protocol == "POST"
    assert posted.http_headers.statusline == "/search HTTP/1.1"
    assert form == "q=许可".encode()
    assert posted.http_headers.get_header("Host") == "portal.test"
    assert posted.http_headers.get_header(":authority") is None  # an HTTP/2 pseudo-header
