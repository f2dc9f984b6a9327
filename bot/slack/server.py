"""Running the Slack app: Socket Mode when an app-level token is set, else HTTP.

HTTP mode is waitress (bot.httpserve) in front of Bolt's WSGI adapter: oversized bodies
are refused from their headers, idle connections closed, connections capped, and the
listeners only ack and queue (bot.core.workqueue), so a few request threads keep every
acknowledgement inside Slack's 3 seconds. `/health` answers 200 for load balancers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.httpserve import Limits, WSGIEndpoint
from bot.settings import Settings

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


def wsgi_app(app: App, path: str = EVENTS_PATH) -> Callable[..., Iterable[bytes]]:
    bolt = SlackRequestHandler(app, path=path)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == "/health":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        try:
            return bolt(environ, start_response)
        except Exception as exc:
            # Bolt parses the body before it checks the signature, so a body that is not
            # JSON (or a payload of the wrong shape) raises here: the sender's fault, 400.
            log.warning("http: malformed request refused (%s)", type(exc).__name__)
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"bad request"]

    return application


class HttpServer(WSGIEndpoint):
    """Bolt over HTTP on host:port; `port=0` picks a free one (tests)."""

    path = EVENTS_PATH

    def __init__(
        self,
        app: App,
        *,
        host: str = "0.0.0.0",
        port: int = 3000,
        limits: Limits | None = None,
    ) -> None:
        super().__init__(wsgi_app(app), host=host, port=port, name="slack-http", limits=limits)


def build_server(
    settings: Settings, app: App, *, host: str = "0.0.0.0", port: int | None = None
) -> HttpServer:
    """The endpoint for these settings (port, and the HTTP_* limits)."""
    return HttpServer(
        app,
        host=host,
        port=settings.port if port is None else port,
        limits=Limits.from_settings(settings),
    )


def serve(settings: Settings, app: App) -> None:
    """Block serving Slack until interrupted."""
    if settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("Slack: Socket Mode")
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        return
    server = build_server(settings, app)
    log.info("Slack: HTTP mode (waitress) on port %s, path %s", server.port, EVENTS_PATH)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
