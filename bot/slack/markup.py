"""Slack's message markup → the core's neutral `Plain` text, and which links are Slack's own.

Runs before anything reaches the core: commands, button values, forwarded messages and
mentions all pass through `plain`, so the core never sees `<@U1>` or `&amp;`.
"""

from __future__ import annotations

import re

from bot.core.invocation import Plain, clean_text

# <@U123>, <@U123|name>, <#C1|general>, <!here>, <!subteam^S1|@team>, <http://x|label>
_MARKUP = re.compile(r"<([@#!]?)([^<>|\s]*)(?:\|([^<>]*))?>")
# Links back into a Slack workspace (a message permalink) are never articles.
_OWN_HOSTS = re.compile(r"^https?://([^/]+\.)?slack\.com(/|$)", re.I)
MENTION = re.compile(r"<@[UW][A-Z0-9]+(\|[^>]*)?>")


def resolve_markup(text: str) -> tuple[str, list[str]]:
    """Slack's message markup to plain text, collecting the links it carried.

    Mentions become "@name" (never a live ping), channel links "#name", broadcast marks
    (<!channel>) vanish, and a link keeps its URL (its label is only decoration).
    """
    urls: list[str] = []

    def replace(m: re.Match[str]) -> str:
        sigil, target, label = m.group(1), _unescape(m.group(2)), m.group(3)
        label = _unescape(label) if label else label
        if sigil == "@":
            return "@" + (label or target)
        if sigil == "#":
            return "#" + (label or target)
        if sigil == "!":
            return ""
        if re.match(r"https?://", target, re.IGNORECASE):
            urls.append(target)
            return target
        if target.lower().startswith("mailto:"):
            return label or target[7:]
        return label or target

    resolved = _unescape(_MARKUP.sub(replace, text))
    return resolved, urls


def _unescape(text: str) -> str:
    """Undo the three entities Slack escapes in message text (and nothing else)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain(raw: object) -> Plain:
    """Any Slack text (a command's text, a message, a button value) as the core reads it."""
    text, truncated = clean_text(raw)
    resolved, links = resolve_markup(text)
    return Plain(resolved, tuple(links), truncated)


def without_mentions(text: str) -> str:
    """A mention's text without the @bot it starts with, so "@briefing /brief" is a command."""
    return MENTION.sub(" ", text)


def is_chat_link(url: str) -> bool:
    return bool(_OWN_HOSTS.match(url))
