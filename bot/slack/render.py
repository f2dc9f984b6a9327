"""Reply → Block Kit: the only place Block Kit is written.

Owns the two things Slack punishes: markup injection (every piece of text is escaped for
&, <, > and sent `verbatim`, so an article cannot ping @channel or forge a link) and the
size limits (50 blocks a message, 3,000 characters a section, 150 a header, 75 a button
label) — an answer that would break them is split into several messages, never truncated
silently and never rejected by Slack.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.core.reply import (
    Action,
    Buttons,
    Context,
    Divider,
    Header,
    Quote,
    Reply,
    Section,
    Span,
    quoted,
)
from bot.core.textfit import join_to_fit, split_to_fit

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_CONTEXT = 3000
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK = 3000
ACTION_PREFIX = "briefing_"

_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$", re.IGNORECASE)

Message = dict[str, Any]


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def link(url: str, label: str) -> str:
    """A link Slack will render, or just the escaped label when the URL is not plain http(s)."""
    if not _SAFE_URL.match(url):
        return escape(label)
    label = label.replace("|", "¦")
    return f"<{escape(url)}|{escape(label)}>"


def _span(span: Span) -> str:
    if span.url:
        return link(span.url, span.text)
    text = escape(span.text)
    if span.bold and text.strip():
        core = text.strip().replace("*", "")
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        return f"{lead}*{core}*{trail}" if core else text
    return text


def _pieces(text: str, limit: int) -> list[str]:
    """Split plain text so that each piece, once escaped, fits `limit`; at spaces where
    possible, never inside an entity."""
    return split_to_fit(text, limit, lambda t: len(escape(t)))


def _mrkdwn_chunks(parts: list[str], limit: int = MAX_SECTION) -> list[str]:
    """Join rendered pieces into texts of at most `limit` characters each."""
    return join_to_fit(parts, limit, len)


def _section_parts(spans: tuple[Span, ...]) -> list[str]:
    parts: list[str] = []
    for span in spans:
        rendered = _span(span)
        if len(rendered) <= MAX_SECTION // 2:
            parts.append(rendered)
            continue
        for piece in _pieces(span.text, MAX_SECTION // 2):
            parts.append(_span(Span(piece, bold=span.bold, url=None)))
    return parts


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _quote_text(q: Quote) -> list[str]:
    body = "\n".join("&gt;" + line for line in escape(quoted(q.text)).split("\n"))
    tail = [f"— *{escape(q.attribution).replace('*', '')}*"]
    if q.date:
        tail.append(escape(q.date))
    if q.link:
        tail.append(link(q.link, q.source_label or "source"))
    elif q.source_label:
        tail.append(escape(q.source_label))
    return [body, "\n" + " · ".join(tail)]


def _button(action: Action, index: int) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": f"{ACTION_PREFIX}{action.id}_{index}",
        "text": {"type": "plain_text", "text": _cut(action.label, MAX_BUTTON_LABEL)},
        "value": action.value[:MAX_BUTTON_VALUE],
    }
    if action.primary:
        button["style"] = "primary"
    return button


def render_blocks(reply: Reply) -> list[dict[str, Any]]:
    """Every block, each within its own limits (the message limit is `to_messages`' job)."""
    blocks: list[dict[str, Any]] = []
    for block in reply.blocks:
        if isinstance(block, Header):
            text = " ".join(block.text.split()) or "…"
            # plain_text: Slack shows it literally, so it needs no escaping
            blocks.append(
                {
                    "type": "header",
                    "text": {"type": "plain_text", "text": _cut(text, MAX_HEADER)},
                }
            )
        elif isinstance(block, Section):
            blocks.extend(_section(t) for t in _mrkdwn_chunks(_section_parts(block.spans)))
        elif isinstance(block, Quote):
            parts = _quote_text(block)
            if len(parts[0]) > MAX_SECTION - 400:
                pieces = _pieces(quoted(block.text), MAX_SECTION - 800)
                parts = ["&gt;" + escape(p) + "\n" for p in pieces] + parts[1:]
            blocks.extend(_section(t) for t in _mrkdwn_chunks(parts))
        elif isinstance(block, Context):
            for piece in _pieces(block.text, MAX_CONTEXT):
                blocks.append(
                    {
                        "type": "context",
                        "elements": [{"type": "mrkdwn", "text": escape(piece), "verbatim": True}],
                    }
                )
        elif isinstance(block, Divider):
            blocks.append({"type": "divider"})
        elif isinstance(block, Buttons) and block.actions:
            for start in range(0, len(block.actions), 25):  # 25 elements per actions block
                chunk = block.actions[start : start + 25]
                blocks.append(
                    {
                        "type": "actions",
                        "elements": [_button(a, start + i) for i, a in enumerate(chunk)],
                    }
                )
    return blocks


def to_messages(reply: Reply) -> list[Message]:
    """The reply as one or more messages of at most 50 blocks each.

    Action rows travel with the last message, where a reader who scrolled will be.
    """
    blocks = render_blocks(reply)
    fallback = _cut(reply.summary or reply.text, MAX_FALLBACK)
    actions = [b for b in blocks if b["type"] == "actions"]
    body = [b for b in blocks if b["type"] != "actions"]
    while body and body[-1]["type"] == "divider":
        body.pop()
    pages: list[list[dict[str, Any]]] = []
    room = MAX_BLOCKS
    for start in range(0, max(len(body), 1), room):
        pages.append(body[start : start + room])
    if len(pages[-1]) + len(actions) > MAX_BLOCKS:
        pages.append([])
    pages[-1].extend(actions)
    messages = []
    for i, page in enumerate(pages):
        text = fallback if i == 0 else f"{_cut(fallback, 200)} (continued {i + 1}/{len(pages)})"
        messages.append({"text": escape(text), "blocks": page})
    return messages


def to_message(reply: Reply) -> Message | list[Message]:
    """One message when the reply fits one (the usual case), else the list of them."""
    messages = to_messages(reply)
    return messages[0] if len(messages) == 1 else messages


def to_json(reply: Reply) -> str:
    """The Block Kit a Slack user would receive, as JSON text (`python -m bot ask --json`)."""
    return json.dumps(to_message(reply), ensure_ascii=False, indent=2)
