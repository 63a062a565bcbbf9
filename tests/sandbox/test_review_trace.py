"""A probe's Playwright trace is linked from its page, downloaded as a .zip that
`playwright show-trace` opens (issue 16, item 4)."""

from __future__ import annotations

import io
import zipfile

import httpx

from probes import store
from probes.outcomes import Outcome
from probes.review.app import create_app
from probes.store.evidence import EvidenceStore
from tests.support.rounds import LI, TOKENS, guide_probe
from tests.support.served import Served


def _trace_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("trace.trace", '{"type":"context-options"}\n')
        z.writestr("trace.network", "")
    return buffer.getvalue()


def test_the_probe_page_links_its_trace_and_serves_it_as_a_zip(tmp_path):
    path = tmp_path / "g.db"
    ev = EvidenceStore(tmp_path / "evidence")
    data = _trace_zip()
    trace = ev.put(data, "application/zip")
    assert trace.relpath.endswith(".zip")
    with store.open_db(path) as db:
        round_id = store.start_round(db, "guides", "sandbox")
        probe = guide_probe(ev, "lhasa", "public-health-permit", Outcome.GUIDE_MISSING)
        probe_id = store.save_probe(db, round_id, probe, [("trace", trace)])
    with Served(create_app(path, tokens=TOKENS)) as base, httpx.Client(base_url=base) as client:
        client.get(f"/login?token={LI}")
        page = client.get(f"/probes/{probe_id}").text
        assert f'data-trace="{trace.sha256}"' in page and "playwright show-trace" in page
        got = client.get(f"/evidence/{trace.sha256}")
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-disposition"].endswith('.zip"')
    assert zipfile.ZipFile(io.BytesIO(got.content)).namelist() == ["trace.trace", "trace.network"]
