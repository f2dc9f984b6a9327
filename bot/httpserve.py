"""The threaded WSGI server both chat endpoints (Slack events, Discord interactions) run on.

The standard library's server, with a thread per request so a slow answer never holds up
the next acknowledgement, and a listen backlog sized for bursts: socketserver's default of
5 dropped SYNs under 20 concurrent clients, and a dropped SYN is retried after 1 s — a
third of the 3 s both platforms allow for an acknowledgement.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any, Self
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

log = logging.getLogger(__name__)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    """Access lines go to the debug log, not stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)


class WSGIEndpoint:
    """A WSGI app served on host:port (`port=0` picks a free one, for tests), either
    blocking (`serve_forever`) or on a daemon thread (`start`/`stop`)."""

    path = "/"

    def __init__(self, app: Callable[..., Any], *, host: str, port: int, name: str) -> None:
        self.server = make_server(
            host, port, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler
        )
        self._name = name
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.server.server_address[0]}:{self.port}{self.path}"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self.server.serve_forever, name=self._name, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
