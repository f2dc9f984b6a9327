"""The HTTP server both chat endpoints (Slack events, Discord interactions) run on: waitress.

The standard library's development server read any body before the app could look at it
(eight unsigned 200 MB bodies held 3.5 GB), kept a thread per connection with no timeout
(8,000 half-open connections held 8,000 threads) and had no cap on either. waitress is a
production server in pure Python that fixes all three where they must be fixed, before
the app runs:

* a request whose Content-Length exceeds `max_body_bytes` is answered 413 from its headers
  — the body is never read;
* a connection with no complete request for `channel_timeout` seconds is closed (a client
  that sends half a request and waits holds nothing for long);
* at most `connection_limit` connections are open. Reaching it, the connections that have
  been idle longest — no request being served — are closed to make room, so a flood of
  idle or half-sent connections cannot lock everyone else out until its timeouts run
  (waitress alone stops accepting at the cap: 2,000 half-open connections made /health
  wait 19 s);
* requests run on a fixed pool of `threads`: acknowledgements are quick (the slow work is
  queued after the ack, see bot.core.workqueue), so a handful of threads keeps up.

waitress flushes a response from the request's thread before it calls the body's
`close()` (its `send_bytes` is 1), which the Discord endpoint relies on to start work only
once its deferral has been sent.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from waitress.server import create_server

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """What one endpoint will hold at once; defaults suit a small team's bot."""

    threads: int = 8
    max_body_bytes: int = 1_000_000  # an event or interaction is a few KB; a paste 40K chars
    channel_timeout: float = 10.0
    connection_limit: int = 1000
    cleanup_interval: float = 5.0  # how often idle connections are looked for

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            threads=settings.http_threads,
            max_body_bytes=settings.http_max_body_bytes,
            channel_timeout=settings.http_channel_timeout_seconds,
            connection_limit=settings.http_connection_limit,
            cleanup_interval=min(5.0, max(0.2, settings.http_channel_timeout_seconds / 4)),
        )


class WSGIEndpoint:
    """A WSGI app served by waitress on host:port (`port=0` picks a free one, for tests),
    either blocking (`serve_forever`) or on a daemon thread (`start`/`stop`)."""

    path = "/"

    def __init__(
        self,
        app: Callable[..., Any],
        *,
        host: str,
        port: int,
        name: str,
        limits: Limits | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.server = create_server(
            app,
            host=host,
            port=port,
            threads=self.limits.threads,
            max_request_body_size=self.limits.max_body_bytes,
            channel_timeout=int(max(1, round(self.limits.channel_timeout))),
            cleanup_interval=max(1, round(self.limits.cleanup_interval)),
            connection_limit=self.limits.connection_limit,
            ident=None,  # no Server header: nothing to fingerprint
            clear_untrusted_proxy_headers=True,
            asyncore_use_poll=True,  # select() fails past 1,024 descriptors
            backlog=1024,
        )
        self._name = name
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()
        _evict_idle_at_the_cap(self.server, self.limits.connection_limit)

    @property
    def host(self) -> str:
        return str(self.server.effective_host)

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    @property
    def open_connections(self) -> int:
        """Client connections the server holds now (its map minus listener and trigger)."""
        return sum(
            1
            for d in list(self.server._map.values())
            if d is not self.server and d is not self.server.trigger
        )

    def start(self) -> Self:
        self._thread = threading.Thread(target=self.serve_forever, name=self._name, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self.server.run()
        finally:
            self._closed.set()

    def stop(self) -> None:
        """Close the listener and every connection from the loop's own thread (waitress's
        loop is not thread-safe), which ends the loop; then stop the request threads, and
        only then close the trigger they wake the loop with (a pull on a closed pipe would
        write into whatever file reused its descriptor)."""
        trigger = self.server.trigger
        if self._thread is not None and self._thread.is_alive():
            try:
                trigger.pull_trigger(self._close_all)
            except OSError:
                # the loop ended on its own between the check and the pull, closing its
                # trigger on the way out: nothing is left to wake, only to close
                self._close_all()
            self._closed.wait(timeout=5)
            self._thread.join(timeout=5)
        else:
            self._close_all()
        self.server.task_dispatcher.shutdown(timeout=5)
        with contextlib.suppress(OSError):
            trigger.close()

    def _close_all(self) -> None:
        trigger = self.server.trigger
        for fd, dispatcher in list(self.server._map.items()):
            if dispatcher is trigger:
                self.server._map.pop(fd, None)  # out of the loop, still open for pulls
                continue
            with contextlib.suppress(OSError):
                dispatcher.close()


def _evict_idle_at_the_cap(server: Any, limit: int) -> None:
    """Wrap the server's `readable` (asked by its loop, on the loop's thread, every turn)
    so that at the cap the longest-idle connections are marked to close — waitress's own
    way of closing one (`will_close`, as its idle-timeout sweep does) — before it decides
    whether to accept. A connection serving a request is never chosen."""
    base = server.readable
    room = max(1, limit // 10)

    def readable() -> bool:
        if server.accepting and len(server._map) >= limit:
            idle = sorted(
                (c for c in server.active_channels.values() if not c.requests and not c.will_close),
                key=lambda c: c.last_activity,
            )
            for channel in idle[:room]:
                channel.will_close = True
            if idle:
                log.info("http: at %d connections; closed %d idle", limit, min(room, len(idle)))
        return bool(base())

    server.readable = readable
