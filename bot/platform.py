"""What a chat platform is to the composition root: how it serves, how it posts.

Each platform package (bot/slack, bot/discord) has a `platform` module whose
`configured(settings)` returns its `Platform` when the settings configure it; bot/bootstrap
lists those modules by name, so adding a platform is one package and one entry there.
Kept free of any chat SDK: importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.core.poster import Poster
    from bot.core.services import Services


class BootError(Exception):
    """A configuration problem the command reports as one sentence (exit status 2)."""


class Server(Protocol):
    """A platform's way of answering users, prepared (and checked) but not yet serving."""

    background: bool  # can serve on a daemon thread beside another platform

    def start(self) -> None:
        """Serve on a daemon thread (only when `background`)."""
        ...

    def run(self) -> None:
        """Serve in this thread until interrupted."""
        ...


@dataclass(frozen=True)
class Platform:
    """A chat platform this process is configured for."""

    name: str
    serves: bool  # has what it needs to answer users
    posts: bool  # has a token to post unprompted: digests, alerts
    make_poster: Callable[[Settings], Poster]
    make_server: Callable[[Settings, Callable[[], Services]], Server]
    # set when the platform is configured but not enough to serve, and `serve` must say so
    serve_error: str | None = None
    # the setting it posts with, for "nothing to post with" errors
    post_token: str = ""

    def poster(self, settings: Settings) -> Poster:
        return self.make_poster(settings)

    def server(self, settings: Settings, services: Callable[[], Services]) -> Server:
        """The platform's server, its settings checked first (BootError says what is
        wrong) and only then `services()` built."""
        return self.make_server(settings, services)
