"""A small real HTTP server on 127.0.0.1 (port 0), plain or TLS, with endpoints named by
behaviour, in a thread: ``with serving() as server:`` ... ``server.url``. Pages a test wants
served are put in ``server.pages`` and answer at ``/page/<name>``."""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar

BIG = b"x" * 1_000_000


S = TypeVar("S", bound=ThreadingHTTPServer)


class Behaviour(BaseHTTPRequestHandler):
    """``/ok``, ``/big`` (1 MB), ``/missing`` (404), ``/slow`` (3 s), ``/to-private``,
    ``/to-ftp``, ``/loop`` (redirects), ``/to/<url>`` (a redirect there), ``/page/<name>``
    (a page the test registered on the server)."""

    server: LocalServer

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for key, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path.startswith("/to/"):
            return self._send(302, headers={"Location": path[len("/to/") :]})
        if path.startswith("/page/"):
            body = self.server.pages.get(path[len("/page/") :])
            if body is None:
                return self._send(404, b"not here")
            return self._send(200, body, {"Content-Type": "text/html; charset=utf-8"})
        routes: dict[str, Callable[[], None]] = {
            "/ok": lambda: self._send(200, b"%PDF-1.4 form"),
            "/big": lambda: self._send(200, BIG),
            "/missing": lambda: self._send(404, b"not found"),
            "/to-private": lambda: self._send(302, headers={"Location": "http://10.1.2.3/a.doc"}),
            "/to-ftp": lambda: self._send(302, headers={"Location": "ftp://example.org/a.doc"}),
            "/loop": lambda: self._send(302, headers={"Location": "/loop"}),
        }
        if path == "/slow":
            time.sleep(3)
            return self._send(200, b"late")
        routes.get(path, lambda: self._send(404, b"no route"))()


class LocalServer(ThreadingHTTPServer):
    """A real server on 127.0.0.1, port 0; TLS when given a server ``ssl.SSLContext``."""

    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.pages: dict[str, bytes] = {}
        super().__init__(("127.0.0.1", 0), Behaviour)

    def get_request(self):
        sock, address = self.socket.accept()
        if self.tls is None:
            return sock, address
        # the handshake happens in the handler's thread; a client that refuses the certificate
        # only ends that thread
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request, client_address) -> None:
        pass  # refused handshakes and clients that gave up are what these tests are about

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"


@contextlib.contextmanager
def in_a_thread(server: S) -> Iterator[S]:
    """``server`` (an http.server) serving on a thread of its own until the block ends."""
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def serving(tls: ssl.SSLContext | None = None) -> contextlib.AbstractContextManager[LocalServer]:
    return in_a_thread(LocalServer(tls))
