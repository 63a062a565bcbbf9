"""The README's picture of the review pages: a probe's page (its score explained, its timeline).

    .venv/bin/python -m bench.review_screenshot [--db results/demo/govprobe.db] [--out docs/review.png]

Copies the database (SQLite's backup, so a running writer is no matter and the original is
never migrated or written), serves the review app over the copy with the demo's evidence store,
logs in with a throwaway token, and photographs the page of a found PC guide whose timeline has
about four screenshots, so that the guide and its elements fit too (the first 2200 px), as a
palette PNG to stay small.
"""

from __future__ import annotations

import argparse
import io
import socket
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from PIL import Image

from probes.net.browser import launch_options
from probes.review.app import create_app

TOKEN = "screenshot-token-0123456789"


@contextmanager
def served(app) -> Iterator[str]:
    """The app on a free loopback port, in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="results/demo/govprobe.db")
    parser.add_argument("--out", default="docs/review.png")
    args = parser.parse_args()
    source = Path(args.db).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "govprobe.db"
        with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        probe_id = (
            sqlite3.connect(copy)
            .execute(
                "SELECT p.id FROM probes p JOIN rounds r ON r.id = p.round_id"
                " WHERE r.kind = 'guides' AND p.outcome = 'ok' AND p.channel = 'pc'"
                " ORDER BY abs((SELECT count(*) FROM steps s WHERE s.probe_id = p.id"
                " AND s.screenshot_sha256 IS NOT NULL) - 4), p.id LIMIT 1"
            )
            .fetchone()[0]
        )
        app = create_app(copy, tokens={"评估人甲": TOKEN}, evidence_root=source.parent / "evidence")
        from playwright.sync_api import sync_playwright

        with served(app) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(**launch_options())
            page = browser.new_page(viewport={"width": 1280, "height": 2200})
            page.goto(f"{base}/login?token={TOKEN}")
            page.goto(f"{base}/probes/{probe_id}")
            for img in page.locator("img").all():
                img.scroll_into_view_if_needed()
            page.wait_for_function("[...document.images].every(i => i.complete)")
            page.evaluate("window.scrollTo(0, 0)")
            shot = page.screenshot(clip={"x": 0, "y": 0, "width": 1280, "height": 2200})
            browser.close()
    image = Image.open(io.BytesIO(shot)).convert("RGB").quantize(colors=128)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, optimize=True)
    print(f"probe {probe_id}: {out} ({out.stat().st_size // 1024} kB)")


if __name__ == "__main__":
    main()
