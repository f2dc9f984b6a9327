"""Reply → Discord message JSON (embeds, components): the only place it is written.

Owns the two things Discord punishes. Markup: every piece of text is escaped for Discord
markdown, `@everyone`/`@here` are broken with a zero-width space and `<@…>` mentions are
escaped — and every message also carries `allowed_mentions: {"parse": []}`, so an article
cannot ping anyone even if an escape were missed. Limits: 4,096 characters a description,
256 a title, 10 embeds and 6,000 characters a message, 5 rows of 5 buttons — an answer
that would break them is split into several messages, never silently cut and never
rejected by Discord. Lengths are counted in UTF-16 units, as Discord's clients count them,
which is never less than the code points either way of counting would see.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
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

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_TOTAL = 6000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_VALUE = 1024
MAX_ROWS = 5
MAX_PER_ROW = 5
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
NO_MENTIONS: dict[str, list[str]] = {"parse": []}
COLOR = 0x1F6FB2
ERROR_COLOR = 0xC0392B
EPHEMERAL = 64  # message flag: seen only by the user who invoked the interaction

Message = dict[str, Any]

_INLINE = re.compile(r"([\\*_~`|\[\]<])")
# Markdown that only counts at the start of a line: headings, quotes, lists, subtext.
_LINE_START = re.compile(r"^([ \t]*)([#>\-+]|\d+\.)", re.MULTILINE)
_BROADCAST = re.compile(r"@(everyone|here)", re.IGNORECASE)
_SAFE_URL = re.compile(r"^https?://[^\s<>\[\]]+$", re.IGNORECASE)


def size(text: str) -> int:
    """Length as Discord counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Plain text that Discord shows literally: no markdown, no mention, no masked link."""
    text = _INLINE.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)
    return _BROADCAST.sub("@\u200b\\1", text)


def cut(text: str, limit: int) -> str:
    """Text of at most `limit` units, ending in "…" when shortened (never mid-escape)."""
    if size(text) <= limit:
        return text
    out = text[: max(limit - 1, 0)]
    while out and size(out) > limit - 1:
        out = out[:-1]
    if out.endswith("\\") and not out.endswith("\\\\"):
        out = out[:-1]
    return out + "…"


def link(url: str, label: str) -> str:
    """A masked link, or just the escaped label when the URL is not plain http(s)."""
    if not _SAFE_URL.match(url):
        return escape(label)
    target = url.replace("(", "%28").replace(")", "%29")
    return f"[{escape(label) or escape(url)}]({target})"


def _span(span: Span) -> str:
    if span.url:
        return link(span.url, span.text)
    text = escape(span.text)
    if span.bold and text.strip():
        core = text.strip()
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        return f"{lead}**{core}**{trail}"
    return text


def _split_plain(text: str, limit: int) -> list[str]:
    """Plain text in pieces that each fit `limit` once escaped: at spaces where possible."""
    return split_to_fit(text, limit, lambda t: size(escape(t)))


def _join(parts: list[str], limit: int) -> list[str]:
    """Rendered parts joined into texts of at most `limit` units each."""
    return join_to_fit(parts, limit, size) or [""]


def _section(spans: tuple[Span, ...], limit: int = MAX_DESCRIPTION) -> list[str]:
    parts: list[str] = []
    for span in spans:
        rendered = _span(span)
        if size(rendered) <= limit // 2:
            parts.append(rendered)
            continue
        # too long for one piece: as bold or plain text in pieces (a link's label alone)
        for piece in _split_plain(span.text, limit // 2 - 4):
            parts.append(_span(Span(piece, bold=span.bold)))
    return _join(parts, limit)


def _quote(q: Quote) -> list[str]:
    lines = quoted(q.text).split("\n")
    body: list[str] = []
    for line in lines:
        for piece in _split_plain(line, MAX_DESCRIPTION // 2):
            body.append("> " + escape(piece))
    tail = [f"— **{escape(q.attribution)}**"]
    if q.date:
        tail.append(escape(q.date))
    if q.link:
        tail.append(link(q.link, q.source_label or "source"))
    elif q.source_label:
        tail.append(escape(q.source_label))
    pieces = [line + "\n" for line in body] + [cut(" · ".join(tail), MAX_DESCRIPTION)]
    return [p.rstrip("\n") for p in _join(pieces, MAX_DESCRIPTION)]


def _context(text: str) -> list[str]:
    out = []
    for piece in _split_plain(text, MAX_DESCRIPTION - 2):
        piece = escape(piece).strip()
        if piece:
            out.append(f"*{piece}*")
    return out


# ---------------------------------------------------------------------- buttons


class ActionValues:
    """Command lines too long for a 100-character custom_id, kept by digest (bounded).

    Most buttons carry their command line in the custom_id itself and survive restarts;
    only the rare long one ("/search" with many words) depends on this memory, and after a
    restart its button answers that it has expired instead of running something else.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._values: OrderedDict[str, str] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def put(self, value: str) -> str:
        key = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self._limit:
                self._values.popitem(last=False)
        return key

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._values.get(key)


ACTION_VALUES = ActionValues()
_PLAIN_ID = "bb:"
_STORED_ID = "bb#"


def custom_id(action: Action, index: int) -> str:
    """`bb:<index>:<action>:<command line>`; the index keeps ids unique in one message."""
    plain = f"{_PLAIN_ID}{index}:{action.id}:{action.value}"
    if size(plain) <= MAX_CUSTOM_ID:
        return plain
    return f"{_STORED_ID}{index}:{action.id}:{ACTION_VALUES.put(action.value)}"


def decode_custom_id(value: str) -> tuple[str, str | None] | None:
    """(action id, command line) for one of our buttons; the line is None once expired.
    None when the custom_id is not ours."""
    if not value.startswith((_PLAIN_ID, _STORED_ID)):
        return None
    _index, _, rest = value[3:].partition(":")
    action, _, payload = rest.partition(":")
    if not action:
        return None
    if value.startswith(_PLAIN_ID):
        return action, payload
    return action, ACTION_VALUES.get(payload)


def components(actions: tuple[Action, ...]) -> list[dict[str, Any]]:
    """Action rows of buttons: at most 5 rows of 5 (more than 25 actions never occur;
    the extra would be dropped rather than have Discord refuse the whole message)."""
    buttons = [
        {
            "type": 2,
            "style": 1 if a.primary else 2,
            "label": cut(" ".join(a.label.split()) or "…", MAX_LABEL),
            "custom_id": custom_id(a, i),
        }
        for i, a in enumerate(actions[: MAX_ROWS * MAX_PER_ROW])
    ]
    return [
        {"type": 1, "components": buttons[i : i + MAX_PER_ROW]}
        for i in range(0, len(buttons), MAX_PER_ROW)
    ]


# ---------------------------------------------------------------------- embeds and messages


def _embed_size(embed: dict[str, Any]) -> int:
    return size(embed.get("title", "")) + size(embed.get("description", ""))


def render_embeds(reply: Reply) -> list[dict[str, Any]]:
    """Every block as embed text, in order; a Header starts a new titled embed, and a full
    description continues in an untitled one. (Fields are not used: they always render
    after the description, which would reorder a reply's sections and quotes.)"""
    color = ERROR_COLOR if "error" in reply.tags else COLOR
    embeds: list[dict[str, Any]] = []
    pieces: list[str] = []

    def close() -> None:
        while pieces and not pieces[-1].strip():
            pieces.pop()
        if pieces and embeds and "description" not in embeds[-1]:
            embeds[-1]["description"] = "\n".join(pieces)
        elif pieces:
            embeds.append({"color": color, "description": "\n".join(pieces)})
        pieces.clear()

    def add(piece: str) -> None:
        if not pieces and not piece.strip():
            return  # no blank line at the top of an embed
        used = size("\n".join(pieces))
        if pieces and used + 1 + size(piece) > MAX_DESCRIPTION:
            close()
            if not piece.strip():
                return
        pieces.append(piece)

    for block in reply.blocks:
        if isinstance(block, Header):
            close()
            title = " ".join(block.text.split()) or "…"
            embeds.append({"color": color, "title": cut(escape(title), MAX_TITLE)})
        elif isinstance(block, Section):
            for piece in _section(block.spans):
                add(piece)
        elif isinstance(block, Quote):
            for piece in _quote(block):
                add(piece)
        elif isinstance(block, Context):
            for piece in _context(block.text):
                add(piece)
        elif isinstance(block, Divider):
            add("")
    close()
    return embeds


def to_messages(reply: Reply) -> list[Message]:
    """The reply as one or more messages within every per-message limit; buttons travel
    with the last message, where a reader who scrolled will be."""
    embeds = render_embeds(reply)
    actions = tuple(a for b in reply.blocks if isinstance(b, Buttons) for a in b.actions)
    pages: list[list[dict[str, Any]]] = [[]]
    used = 0
    for embed in embeds:
        cost = _embed_size(embed)
        if pages[-1] and (len(pages[-1]) >= MAX_EMBEDS or used + cost > MAX_TOTAL):
            pages.append([])
            used = 0
        pages[-1].append(embed)
        used += cost
    messages: list[Message] = []
    for page in pages:
        msg: Message = {"allowed_mentions": dict(NO_MENTIONS), "embeds": page}
        if not page:  # a reply with nothing but buttons still needs something to show
            msg["content"] = cut(escape(reply.summary or "…"), MAX_CONTENT)
        messages.append(msg)
    if actions:
        messages[-1]["components"] = components(actions)
    return messages


def plain_message(text: str) -> Message:
    """One sentence as message content (errors, hints): no embed needed."""
    return {"content": cut(escape(text), MAX_CONTENT), "allowed_mentions": dict(NO_MENTIONS)}
