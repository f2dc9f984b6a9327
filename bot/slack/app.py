"""Building the Bolt app: one WebClient (with 429 retries) and every listener attached.

`client` may be given so tests can point a real WebClient at a local fake Web API; the
base URL otherwise comes from settings.slack_api_url.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

from bot.core.services import Services
from bot.settings import Settings
from bot.slack.listeners import register

log = logging.getLogger(__name__)


def retry_handlers() -> list[RetryHandler]:
    """429s wait out Retry-After; dropped connections are retried once."""
    return [RateLimitErrorRetryHandler(max_retry_count=3), ConnectionErrorRetryHandler()]


def build_client(settings: Settings) -> WebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(token=token, base_url=settings.slack_api_url, retry_handlers=retry_handlers())


class SlackTokenRejected(RuntimeError):
    """Slack refused the bot token at start-up (auth.test); the message is safe to print."""


def build_app(
    settings: Settings,
    services: Services,
    client: WebClient | None = None,
    *,
    verify_token: bool = False,
) -> App:
    """The Bolt app. Token verification (auth.test at start-up) is off by default so the
    app can be built offline; the first request still looks the bot up lazily."""
    client = client or build_client(settings)
    if not client.retry_handlers or not any(
        isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers
    ):
        client.retry_handlers = [*(client.retry_handlers or []), *retry_handlers()]
    secret = settings.slack_signing_secret
    try:
        app = App(
            client=client,
            signing_secret=secret.get_secret_value() if secret else "",
            request_verification_enabled=secret is not None,
            token_verification_enabled=verify_token,
            # Every listener only reserves a slot, acks and hands its work to the core's
            # queues (bot.core.workqueue), so it runs on the request's own thread: no hop to
            # Bolt's executor and no 10 ms polling for the ack, which under load was most
            # of the ack time left.
            process_before_response=True,
            raise_error_for_unhandled_request=False,
            logger=logging.getLogger("bot.slack.bolt"),
        )
    except BoltError as exc:
        raise SlackTokenRejected(str(exc)) from None
    register(app, services)
    return app
