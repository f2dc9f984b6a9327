"""Pieces several handlers share: the action row, date options, search fallbacks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.commands import ACTOR, DATE, INT, REGISTRY, Option, usage_reply
from bot.core.format import date_text, shorten, source_label, source_location, strip_marks
from bot.core.invocation import Invocation
from bot.core.reply import Action, Block, Buttons, Context, Reply, Section, Span
from storage.queries import HIT_END, HIT_START, SearchHit

# The options several commands take, declared once here and named in each command's
# declaration (bot.core.commands checks them before the handler runs).
BY = Option("by", "Only this actor: United States, Pakistan, China…", kind=ACTOR)
SINCE = Option("since", "From: 2018, 2018-01, 2018-01-05, or 30d / 6m ago", kind=DATE)
UNTIL = Option(
    "until", "Up to: 2018, 2018-01 or 2018-01-05", kind=DATE, end=True, not_before="since"
)
PAGE = Option("page", "Which page of the answer", kind=INT, low=1, high=1000, offered=False)


@dataclass(frozen=True)
class TopicAsk:
    """A topic question's checked filters (/position, /timeline): the topic words are in
    the invocation; these are what bot.core.commands made of by:, since:, until:, page:."""

    since: dt.date | None
    until: dt.date | None
    page: int
    actor: str | None


def topic_ask(name: str, inv: Invocation) -> TopicAsk | Reply:
    """The filters of a command that takes a topic and BY/SINCE/UNTIL/PAGE, or its usage
    reply naming what is wrong (no topic, a bad option)."""
    command = REGISTRY.get(name)
    assert command is not None
    problems = list(inv.problems)
    if not inv.args:
        problems.insert(0, "Which topic? Try /topics for the list.")
    if problems:
        return usage_reply(command, *problems)
    return TopicAsk(
        since=date_value(inv.values.get("since")),
        until=date_value(inv.values.get("until")),
        page=int(str(inv.values.get("page", 1))),
        actor=str(inv.values["by"]) if "by" in inv.values else None,
    )


def date_value(value: object) -> dt.date | None:
    """A date option's checked value (bot.core.commands converts it), or None."""
    return value if isinstance(value, dt.date) else None


def finish(
    blocks: list[Block],
    invocation: Invocation,
    *,
    summary: str,
    continuation: str | None = None,
    extra: tuple[Action, ...] = (),
    after: tuple[Action, ...] = (),
) -> Reply:
    """Close a reply with its buttons: more (when there is more), share, any extras before
    them and any per-statement actions (Correct) after them."""
    actions = list(extra)
    if continuation:
        actions.append(Action("more", "Show more", continuation, primary=True))
    line = invocation.line()
    actions.append(Action("share", "Share to channel", line))
    actions.extend(after)
    blocks.append(Buttons(tuple(actions)))
    return Reply(
        tuple(blocks),
        ephemeral=True,
        source_line=line,
        continuation=continuation,
        summary=summary,
    )


def marked_spans(snippet: str) -> list[Span]:
    """Snippet text with the query's words bold (the marks come from the search query)."""
    spans: list[Span] = []
    bold = False
    for piece in snippet.replace(HIT_END, HIT_START).split(HIT_START):
        if piece:
            spans.append(Span(piece, bold=bold))
        bold = not bold
    return spans


def hit_blocks(hit: SearchHit) -> list[Block]:
    date = date_text(hit.source.published, hit.source.date_precision)
    where = source_location(hit.source)
    if hit.kind == "position":
        who = f"{hit.speaker} ({hit.actor})" if hit.speaker else f"{hit.actor}"
        spans = [Span(who, bold=True), Span(f" on {hit.topic}: ")]
        spans += marked_spans(shorten_marked(hit.snippet))
    else:
        title = Span(shorten(hit.source.title, 150), bold=True, url=hit.source.url)
        spans = [title, Span("\n"), *marked_spans(shorten_marked(hit.snippet))]
    small = f"{date} · {source_label(hit.source)}"
    if where and not hit.source.url:
        small += f" · {where}"
    if hit.kind == "position" and hit.statement_id is not None:
        small += f" · #{hit.statement_id}"  # the id /correct takes
    context = Context(small)
    if hit.kind == "position" and hit.source.url:
        return [Section((*spans, Span(" "), Span("source", url=hit.source.url))), context]
    return [Section(tuple(spans)), context]


def shorten_marked(snippet: str, limit: int = 400) -> str:
    if len(strip_marks(snippet)) <= limit:
        return " ".join(snippet.split())
    return shorten(snippet, limit)
