"""The interactions endpoint: waitress (bot.httpserve) at /interactions, with /health for
load balancers.

Each request is verified before anything is parsed (and a body over the limit is refused
by waitress from its headers). The answer is written first and the deferred work is handed
to the work queues (bot.core.workqueue) only when the server closes the response
(waitress calls `close()` after the last byte is flushed), so Discord always has the
deferral before the follow-up that edits it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bot.core.services import Services
from bot.discord.interactions import Interactions, Work
from bot.discord.rest import DiscordRest
from bot.discord.verify import Verifier
from bot.httpserve import Limits, WSGIEndpoint
from bot.settings import Settings

log = logging.getLogger(__name__)
INTERACTIONS_PATH = "/interactions"
MAX_BODY_BYTES = 1_000_000  # a second line behind waitress's own limit (bot.httpserve)

StartResponse = Callable[..., Any]


class _ThenRun:
    """A WSGI body that starts `after` once the server has finished sending it."""

    def __init__(self, body: bytes, after: Callable[[], None] | None) -> None:
        self._body = body
        self._after = after

    def __iter__(self) -> Iterator[bytes]:
        yield self._body

    def close(self) -> None:
        after, self._after = self._after, None
        if after is not None:
            after()


def _respond(
    start_response: StartResponse, status: str, body: bytes, ctype: str = "text/plain"
) -> list[bytes]:
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))])
    return [body]


def wsgi_app(
    interactions: Interactions, verifier: Verifier, run: Callable[[Work], None]
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/health":
            return _respond(start_response, "200 OK", b"ok")
        if path != INTERACTIONS_PATH:
            return _respond(start_response, "404 Not Found", b"not found")
        if method != "POST":
            return _respond(start_response, "405 Method Not Allowed", b"POST only")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length > MAX_BODY_BYTES:
            return _respond(start_response, "413 Content Too Large", b"too large")
        if length <= 0:
            return _respond(start_response, "400 Bad Request", b"no body")
        body = environ["wsgi.input"].read(length)
        signature = environ.get("HTTP_X_SIGNATURE_ED25519")
        timestamp = environ.get("HTTP_X_SIGNATURE_TIMESTAMP")
        if not verifier.verify(signature, timestamp, body):
            log.info("discord: refused a request with a bad or stale signature")
            return _respond(start_response, "401 Unauthorized", b"invalid request signature")
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError("not an object")
        except ValueError:
            return _respond(start_response, "400 Bad Request", b"not a JSON object")
        answer = interactions.handle(payload)
        data = json.dumps(answer.body).encode("utf-8")
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        )
        after = answer.after
        return _ThenRun(data, (lambda: run(after)) if after else None)

    return application


class DiscordServer(WSGIEndpoint):
    """The endpoint on host:port; `port=0` picks a free one (tests)."""

    path = INTERACTIONS_PATH

    def __init__(
        self,
        interactions: Interactions,
        verifier: Verifier,
        *,
        host: str = "0.0.0.0",
        port: int = 3001,
        limits: Limits | None = None,
    ) -> None:
        super().__init__(
            wsgi_app(interactions, verifier, _queue),
            host=host,
            port=port,
            name="discord-http",
            limits=limits,
        )


def _queue(work: Work) -> None:
    """An answer's `after` only queues its job on the work queues: quick, so it can run
    on the request thread as the response closes."""
    work()


def build_rest(settings: Settings) -> DiscordRest:
    token = settings.discord_bot_token
    return DiscordRest(settings.discord_api_url, token.get_secret_value() if token else None)


def build_server(
    settings: Settings,
    services: Services,
    *,
    rest: DiscordRest | None = None,
    host: str = "0.0.0.0",
    port: int | None = None,
) -> DiscordServer:
    """The endpoint for these settings; needs DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID."""
    if not settings.discord_public_key or not settings.discord_application_id:
        raise ValueError("DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID must be set")
    interactions = Interactions(
        services, rest or build_rest(settings), settings.discord_application_id
    )
    return DiscordServer(
        interactions,
        Verifier(settings.discord_public_key),
        host=host,
        port=settings.discord_port if port is None else port,
        limits=Limits.from_settings(settings),
    )


def serve(settings: Settings, services: Services) -> None:
    """Block serving Discord until interrupted."""
    server = build_server(settings, services)
    log.info(
        "Discord: HTTP interactions (waitress) on port %s, path %s", server.port, INTERACTIONS_PATH
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
