"""What the core needs from a platform to speak unprompted: digests, charts and alerts.

Commands answer through their request; scheduled work has no request to answer, so it
posts through a Poster. Slack and Discord each implement it; the digest and alert code
only ever sees this protocol. Every method raises `PostFailed` (with a reason fit for
`/digest status`) when the platform refuses or keeps failing after its retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.reply import Reply


class PostFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class PartKey:
    """Which digest part a post is: its run and its index in the run. A platform that can
    label messages (Slack's message metadata) stores it, so that after a post whose answer
    was lost — a timeout, a 5xx — the poster can look in the channel before posting again
    instead of guessing. `verify` asks it to look before the first try too: the run is
    being resumed, and this part may have been posted just before the previous try died."""

    run: int
    part: int
    verify: bool = False


class Poster(Protocol):
    platform: str  # "slack" | "discord": the value stored in subscriptions.platform

    def post(
        self, channel: str, reply: Reply, *, thread: str | None = None, key: PartKey | None = None
    ) -> list[str]:
        """Post a reply (split into as many messages as the platform's limits need);
        return the message ids in order. With `thread`, post inside that thread; with
        `key`, never post a message of this digest part twice (see PartKey)."""
        ...

    def upload_png(self, channel: str, png: bytes, *, title: str, thread: str | None = None) -> str:
        """Attach an image (the weekly chart); return its message or file id."""
        ...

    def direct_message(self, user: str, reply: Reply) -> list[str]:
        """Send a reply to one user privately (topic alerts)."""
        ...
