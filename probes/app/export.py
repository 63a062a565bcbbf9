"""What ``govprobe export`` does: a stored guide round as a WACZ web archive that replays offline.

Every journey kept its browser context's network as a HAR with the bodies embedded (evidence
``har``, ``probes/walk/round.py``). Here each HAR entry becomes a WARC ``response`` record
(the status, headers and body the server sent) and a ``request`` record (method, headers,
posted body) concurrent to it, written with ``warcio``; the WARC is then packaged with the
``wacz`` package (its ``wacz create``), each probe's guide as a page (``pages/pages.jsonl``),
the round's versions and machine in the description. ReplayWeb.page or pywb replays it.

What the browser received decoded is what the HAR holds: a body is written as it was
rendered, so ``Content-Encoding`` and ``Transfer-Encoding`` are left out of the stored
headers and ``Content-Length`` is the body's own (as ``har2warc`` does); the server's values
are kept as ``X-Govprobe-Orig-*`` headers. A request that got no answer is left out. A HAR
whose file no longer matches its sha256 is left out too, and named.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from probes import __version__, store
from probes.plan.cities import load_registry
from probes.plan.scenarios import load_scenarios
from probes.store.evidence import evidence_for
from probes.text import CHANNEL_ZH

# stored under another name: the body in the WARC is the decoded one the HAR holds
_RENAMED = frozenset({"content-encoding", "transfer-encoding", "content-length"})
# HTTP/2 pseudo-headers Chromium reports in the HAR; not headers of an HTTP/1.1 message
_PSEUDO = ":"


class ExportError(ValueError):
    """Nothing to export (no such round, no recorded network), or the archive not written."""


def export_round(db_path: str | Path, out: str | Path, round_id: str | None = None) -> dict:
    """Write ``out`` (a ``.wacz``) from a guide round (the latest by default); returns the
    round, the counts of records and pages, and the HARs left out as damaged."""
    out = Path(out).resolve()
    if out.suffix.lower() != ".wacz":  # never over the database or an evidence file
        raise ExportError(f"{out}: the archive's name must end in .wacz")
    db = store.open_db(db_path, create=False)
    try:
        round_id = round_id or store.latest_round(db, kind="guides")
        found = store.get_round(db, round_id) if round_id else None
        if found is None:
            raise ExportError(f"{db_path}: no guide round {round_id or ''}".rstrip())
        if found["kind"] != "guides":
            raise ExportError(f"{db_path}: round {round_id} is a {found['kind']} round")
        hars, pages, damaged = _round_network(db, evidence_for(db_path), round_id)
    finally:
        db.close()
    if not hars:
        raise ExportError(f"round {round_id}: no recorded network (HAR) to export")
    with tempfile.TemporaryDirectory(prefix="govprobe-export-") as folder:
        warc = Path(folder) / f"{round_id}.warc.gz"
        with warc.open("wb") as fh:
            records = write_warc(fh, hars, round_id=round_id, params=found["params"])
        pages_file = Path(folder) / "pages.jsonl"
        pages_file.write_text(_pages_jsonl(pages), encoding="utf-8")
        said = package_wacz(
            warc, pages_file, out, title=f"govprobe {round_id}", desc=_describe(found)
        )
    missing = [line.split("for ", 1)[-1] for line in said if "Invalid passed page" in line]
    return {
        "round": round_id,
        "out": str(out),
        "records": records,
        "pages": len(pages) - len(missing),
        "pages_not_archived": missing,
        "damaged": damaged,
    }


def _round_network(db, evidence, round_id: str) -> tuple[list[dict], list[dict], list[str]]:
    """The round's HARs (each file once), its guide pages, and the HARs that failed their
    hash check (their relpaths)."""
    cities = {c.id: c.name for c in load_registry().cities}
    matters = {(s.id, m.id): m.name for s in load_scenarios().values() for m in s.matters}
    hars: list[dict] = []
    seen: set[str] = set()
    damaged: list[str] = []
    pages: list[dict] = []
    for probe in store.probes_of_round(db, round_id):
        for row in store.evidence_of_probe(db, probe["id"]):
            if row["kind"] != "har" or row["sha256"] in seen:
                continue
            seen.add(row["sha256"])
            try:
                hars.append(json.loads(store.read_evidence(db, evidence, row["sha256"])))
            except (store.EvidenceError, ValueError):
                damaged.append(row["relpath"])
        if probe["guide_url"]:
            city = cities.get(probe["city"], probe["city"] or probe["portal_url"])
            matter = matters.get((probe["scenario"], probe["matter"]), probe["matter"])
            channel = CHANNEL_ZH.get(probe["channel"], probe["channel"])
            pages.append({"url": probe["guide_url"], "title": f"{city} · {matter} · {channel}"})
    return hars, pages, damaged


def write_warc(fh, hars: list[dict], *, round_id: str, params: dict) -> int:
    """Every answered entry of ``hars`` as a response and a request record, after one
    ``warcinfo`` naming the round; returns how many records were written."""
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(fh, gzip=True)
    info = {
        "software": f"govprobe {__version__}",
        "format": "WARC File Format 1.0",
        "isPartOf": round_id,
        "description": "a guide round of govprobe, from its journeys' HAR",
        "json-metadata": json.dumps(
            {"type": "recording", "environment": params.get("environment")}, ensure_ascii=False
        ),
    }
    writer.write_record(writer.create_warcinfo_record(f"{round_id}.warc.gz", info))
    written = 1
    for har in hars:
        for entry in har.get("log", {}).get("entries", []):
            records = _records(writer, entry)
            for record in records:
                writer.write_record(record)
            written += len(records)
    return written


def _records(writer, entry: dict) -> list:
    from warcio.statusandheaders import StatusAndHeaders

    request, response = entry.get("request", {}), entry.get("response", {})
    url, status = request.get("url", ""), int(response.get("status") or 0)
    if status <= 0 or urlsplit(url).scheme not in ("http", "https"):
        return []  # no answer (refused, aborted, failed), or not the web: nothing was sent
    date = _warc_date(entry.get("startedDateTime"))
    body = _body(response.get("content", {}))
    headers = _headers(response.get("headers", []))
    headers.append(("Content-Length", str(len(body))))
    reason = response.get("statusText") or ""
    http = StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol="HTTP/1.1")
    # with its length known, warcio digests the body in place (no temporary file per record)
    answer = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
        warc_headers_dict={"WARC-Date": date},
    )  # fmt: skip
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    posted = (request.get("postData") or {}).get("text", "").encode("utf-8")
    asked = _headers(request.get("headers", []))
    if not any(name.lower() == "host" for name, _ in asked):
        asked.insert(0, ("Host", parts.netloc))
    if posted:
        asked.append(("Content-Length", str(len(posted))))
    line = f"{request.get('method', 'GET')} {target} HTTP/1.1"
    question = writer.create_warc_record(
        url, "request", payload=io.BytesIO(posted), length=len(posted),
        http_headers=StatusAndHeaders(line, asked, is_http_request=True),
        warc_headers_dict={
            "WARC-Date": date,
            "WARC-Concurrent-To": answer.rec_headers.get_header("WARC-Record-ID"),
        },
    )  # fmt: skip
    return [answer, question]


def _headers(pairs: list[dict]) -> list[tuple[str, str]]:
    out = []
    for pair in pairs:
        name, value = str(pair.get("name", "")), str(pair.get("value", ""))
        if not name or name.startswith(_PSEUDO):
            continue
        if name.lower() in _RENAMED:
            name = f"X-Govprobe-Orig-{name}"
        out.append((name, value.replace("\r", " ").replace("\n", " ")))
    return out


def _body(content: dict) -> bytes:
    text = content.get("text")
    if text is None:
        return b""
    if content.get("encoding") == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8")


def _warc_date(started: str | None) -> str:
    try:
        when = datetime.fromisoformat((started or "").replace("Z", "+00:00"))
    except ValueError:
        when = datetime.now(UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pages_jsonl(pages: list[dict]) -> str:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "办事指南"}]
    seen: set[str] = set()
    for page in pages:
        if page["url"] not in seen:
            seen.add(page["url"])
            lines.append(page)
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def _describe(found: dict) -> str:
    env = found["params"].get("environment") or {}
    machine = env.get("machine") or {}
    ran = (
        f"govprobe {env.get('govprobe')}, Playwright {env.get('playwright')}, "
        f"Chromium {env.get('chromium')}, Python {env.get('python')}, on {machine.get('hostname')}"
        if env
        else "versions not recorded"
    )
    started = found["started_at"]
    return f"{found['kind']} round {found['id']} ({found['target']}), started {started}; {ran}"


def package_wacz(warc: Path, pages: Path, out: Path, *, title: str, desc: str) -> list[str]:
    """``wacz create`` over one WARC with the pages given; returns what it said, line by line
    (it prints as it goes), and raises when it fails."""
    from wacz.main import main as wacz_main

    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        code = wacz_main(
            ["create", "-o", str(out), "-p", str(pages), "--title", title, "--desc", desc,
             str(warc)]
        )  # fmt: skip
    lines = said.getvalue().splitlines()
    if code != 0:
        with contextlib.suppress(FileNotFoundError):
            out.unlink()
        raise ExportError(f"wacz create failed ({code}): " + " / ".join(lines[-5:]))
    return lines
