"""What a chat platform hands the core: neutral inbound events (as opsdroid's connectors do).

An adapter's first job is to turn its payload into one of these — a command, a button
press, a forwarded message — with its markup already translated (`Plain`) and the facts
only it can know decided: who and where, whether this is a direct message, whether the
message is a reply deep in a thread, which links point back into the chat. From here on
the core (bot.core.inbound) decides everything, for every platform the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.invocation import Plain

# How a message reached the bot: a direct message, an @mention, or the message menu's
# "Add to briefing" (which always means: ingest this).
DIRECT, MENTION, SHORTCUT = "dm", "mention", "shortcut"
# The kinds the gate tells apart.
COMMAND, BUTTON = "command", "button"


def _no_chat_links(url: str) -> bool:
    return False


@dataclass(frozen=True)
class Origin:
    """Who asked, where, on which platform."""

    platform: str
    user: str | None
    channel: str | None
    direct: bool = False  # a direct message: nobody else sees it, so always answered
    user_name: str | None = None  # shown in "Shared by @name"
    delivery: str | None = None  # the platform's id of this request: a replay carries it again
    # A link into the chat itself (a message permalink): never an article.
    chat_link: Callable[[str], bool] = field(default=_no_chat_links, compare=False)


@dataclass(frozen=True)
class CommandEvent:
    """A slash command (or the console's typed line): the command and its text."""

    origin: Origin
    command: str
    text: Plain

    kind = COMMAND


@dataclass(frozen=True)
class ButtonPress:
    """A press on one of the reply's actions ("more", "share"): the command line it re-runs."""

    origin: Origin
    action: str
    line: Plain

    kind = BUTTON


@dataclass(frozen=True)
class MessageEvent:
    """A message for the bot — a DM, a mention, a message shared with "Add to briefing" —
    with every text it carries (its own, a forwarded message's, its links' previews)."""

    origin: Origin
    how: str  # DIRECT, MENTION or SHORTCUT
    texts: tuple[Plain, ...]
    thread_reply: bool = False  # a reply inside someone's thread ("thanks!"): no hint

    @property
    def kind(self) -> str:
        return self.how


Event = CommandEvent | ButtonPress | MessageEvent
