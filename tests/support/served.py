"""An ASGI app served by uvicorn on a free loopback port in a thread, for the tests that need a
real HTTP server (a browser cannot reach an in-process transport)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


class Served:
    """``with Served(app) as url:`` the app is listening at ``url`` (``path`` appended) until
    the block ends."""

    def __init__(self, app, *, path: str = "") -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.path = path
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}{self.path}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
