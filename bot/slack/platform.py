"""Slack as the composition root sees it: configured by which settings, served and posted how.

Imports nothing of Slack at load time; the Bolt app and the Web API client are built only
when the process serves or posts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.platform import BootError, Platform
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.core.poster import Poster
    from bot.core.services import Services

log = logging.getLogger(__name__)

SERVE_ERROR = "set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN"
POST_TOKEN = "SLACK_BOT_TOKEN"


def configured(settings: Settings) -> Platform | None:
    """Slack, when a bot token is set; it serves only with a signing secret or app token."""
    if settings.slack_bot_token is None:
        return None
    serves = settings.has_slack_credentials
    error = None if serves else SERVE_ERROR  # a bot token alone can post, not answer
    return Platform("slack", serves, True, _poster, SlackServer, error, POST_TOKEN)


def _poster(settings: Settings) -> Poster:
    from bot.slack.poster import SlackPoster

    return SlackPoster.from_settings(settings)


class SlackServer:
    """Socket Mode with SLACK_APP_TOKEN, else HTTP on $PORT at /slack/events. Serves in
    the foreground only: it is the platform `serve` blocks on."""

    background = False

    def __init__(self, settings: Settings, services: Callable[[], Services]) -> None:
        from bot.slack.app import SlackTokenRejected, build_app

        if settings.slack_app_token is None and settings.slack_signing_secret is None:
            raise BootError(SERVE_ERROR)
        self.settings = settings
        try:
            self.app = build_app(settings, services(), verify_token=True)
        except SlackTokenRejected as exc:  # auth.test refused the token
            raise BootError(f"Slack did not accept SLACK_BOT_TOKEN: {exc}") from None

    def start(self) -> None:
        raise NotImplementedError("Slack is served in the foreground")

    def run(self) -> None:
        from bot.slack.server import serve

        serve(self.settings, self.app)
