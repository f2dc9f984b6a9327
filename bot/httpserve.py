"""The threaded WSGI server both chat endpoints (Slack events, Discord interactions) run on.

The standard library's server, with a thread per request so a slow answer never holds up
the next acknowledgement, and a listen backlog sized for bursts: socketserver's default of
5 dropped SYNs under 20 concurrent clients, and a dropped SYN is retried after 1 s — a
third of the 3 s both platforms allow for an acknowledgement.
"""

from __future__ import annotations

import logging
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

log = logging.getLogger(__name__)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    """Access lines go to the debug log, not stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)
