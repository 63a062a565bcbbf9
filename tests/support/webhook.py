"""A real webhook receiver on 127.0.0.1 (port 0), in a thread: every POSTed JSON body is kept
in ``received``, as an alert destination (apprise's ``json://127.0.0.1:PORT/hook``) sends it."""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.local_server import in_a_thread


class _Hook(BaseHTTPRequestHandler):
    server: Receiver

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.received.append({"path": self.path, **json.loads(body or b"{}")})
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Hook)

    @property
    def alert_url(self) -> str:
        """Where apprise sends: ``json://127.0.0.1:PORT/hook``."""
        return f"json://127.0.0.1:{self.server_address[1]}/hook"


def receiving() -> contextlib.AbstractContextManager[Receiver]:
    return in_a_thread(Receiver())
