"""Discord as the composition root sees it: configured by which settings, served and
posted how. Imports nothing of the Discord adapter at load time."""

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

POST_TOKEN = "DISCORD_BOT_TOKEN"


def configured(settings: Settings) -> Platform | None:
    """Discord, when its interaction keys (to serve) or its bot token (to post) are set."""
    posts = settings.discord_bot_token is not None
    if not (settings.has_discord_credentials or posts):
        return None
    serves = settings.has_discord_credentials
    return Platform("discord", serves, posts, _poster, DiscordServer, None, POST_TOKEN)


def _poster(settings: Settings) -> Poster:
    from bot.discord.poster import DiscordPoster

    return DiscordPoster.from_settings(settings)


class DiscordServer:
    """HTTP interactions on $DISCORD_PORT at /interactions, alone or beside Slack."""

    background = True

    def __init__(self, settings: Settings, services: Callable[[], Services]) -> None:
        if not settings.discord_public_key or not settings.discord_application_id:
            raise BootError("set DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID (developer portal)")
        try:
            bytes.fromhex(settings.discord_public_key)
        except ValueError:
            raise BootError("DISCORD_PUBLIC_KEY must be the hex key shown in the portal") from None
        if settings.discord_bot_token is None:
            log.warning("DISCORD_BOT_TOKEN is not set: commands work, scheduled posts will not")
        self.settings, self.services = settings, services()

    def start(self) -> None:
        from bot.discord.server import INTERACTIONS_PATH, build_server

        server = build_server(self.settings, self.services).start()
        log.info("Discord: HTTP interactions on port %s, path %s", server.port, INTERACTIONS_PATH)

    def run(self) -> None:
        from bot.discord.server import serve

        serve(self.settings, self.services)
