"""``govprobe export``: a guide round walked on the sandbox, exported as a WACZ that
``wacz validate`` accepts, whose WARC holds what the portal sent for each guide."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from probes import store
from tests.support.commands import govprobe, run_govprobe

pytestmark = pytest.mark.browser

WACZ = str(Path(sys.executable).parent / "wacz")


def test_a_round_exported_as_wacz_validates_and_holds_each_guide(sandbox_url, tmp_path, open_store):
    db_path = tmp_path / "e.db"
    summary = govprobe(
        "run", "--sandbox-url", sandbox_url, "--city", "成都", "--scenario", "beauty-salon",
        "--channel", "pc", "--db", str(db_path),
    )  # fmt: skip
    guides = {p["guide_url"] for p in summary["probes"] if p["outcome"] == "ok"}
    assert guides
    out = tmp_path / "round.wacz"
    done = govprobe("export", "--db", str(db_path), "--out", str(out))
    assert done["round"] == summary["round"] and done["pages"] == len(guides)
    assert done["pages_not_archived"] == [] and done["damaged"] == []

    checked = subprocess.run(
        [WACZ, "validate", "-f", str(out)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Validation succeeded" in checked.stdout

    with zipfile.ZipFile(out) as wacz:
        names = wacz.namelist()
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        (warc_name,) = [n for n in names if n.startswith("archive/")]
        warc = wacz.read(warc_name)
        package = json.loads(wacz.read("datapackage.json"))
    assert {p["url"] for p in pages[1:]} == guides
    db = open_store(db_path)
    chromium = store.get_round(db, summary["round"])["params"]["environment"]["chromium"]
    assert chromium in package["description"]  # what the round ran with, named

    responses, requests = {}, set()
    for record in ArchiveIterator(io.BytesIO(warc)):
        url = record.rec_headers.get_header("WARC-Target-URI")
        if record.rec_type == "response":
            responses.setdefault(url, (record.http_headers, record.content_stream().read()))
        elif record.rec_type == "request":
            requests.add(url)
    titles = {
        c["url"]: c["title"]
        for p in store.probes_of_round(db, summary["round"])
        if (c := store.capture_of_probe(db, p["id"])) is not None
    }
    for url in guides:
        headers, body = responses[url]
        assert headers.get_statuscode() == "200"
        assert headers.get_header("Content-Type", "").startswith("text/html")
        assert int(headers.get_header("Content-Length")) == len(body)
        assert b"<html" in body.lower()
        assert titles[url].encode("utf-8") in body  # the guide as the portal sent it
        assert url in requests


def test_export_refuses_to_write_anything_but_a_wacz(tmp_path):
    missing = run_govprobe("export", "--db", str(tmp_path / "none.db"), "--out", "x.wacz")
    assert missing.returncode != 0 and not (tmp_path / "none.db").exists()
    db = tmp_path / "x.db"
    db.write_bytes(b"")
    over = run_govprobe("export", "--db", str(db), "--out", str(db))
    assert over.returncode != 0 and ".wacz" in over.stderr
