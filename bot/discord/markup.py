"""Discord's message markup → the core's neutral `Plain` text, and which links are Discord's.

Discord writes a mention as `<@123>` (or `<@!123>`), a channel as `<#123>`, a link whose
preview was suppressed as `<https://…>`; nothing is entity-escaped.
"""

from __future__ import annotations

import re

from bot.core.invocation import Plain, clean_text

_MARKUP = re.compile(r"<(@!?|@&|#)?([^<>|\s]*)>")
# Links back into Discord (a message link) are never articles.
_OWN_HOSTS = re.compile(r"^https?://([^/]+\.)?discord(app)?\.com(/|$)", re.I)


def resolve_markup(text: str) -> tuple[str, list[str]]:
    urls: list[str] = []

    def replace(m: re.Match[str]) -> str:
        sigil, target = m.group(1) or "", m.group(2)
        if sigil in ("@", "@!"):
            return "@" + target
        if sigil:  # a role or a channel
            return sigil + target
        if re.match(r"https?://", target, re.IGNORECASE):
            urls.append(target)
        return target

    return _MARKUP.sub(replace, text), urls


def plain(raw: object) -> Plain:
    """Any Discord text (an option's value, a message, a button's line) as the core reads it."""
    text, truncated = clean_text(raw)
    resolved, links = resolve_markup(text)
    return Plain(resolved, tuple(links), truncated)


def is_chat_link(url: str) -> bool:
    return bool(_OWN_HOSTS.match(url))
