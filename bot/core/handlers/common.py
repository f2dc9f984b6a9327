"""Pieces several handlers share: the action row, date options, search fallbacks."""

from __future__ import annotations

import datetime as dt

from bot.core.format import date_text, shorten, source_label, source_location, strip_marks
from bot.core.invocation import Invocation, parse_date
from bot.core.reply import Action, Block, Buttons, Context, Reply, Section, Span
from storage.queries import HIT_END, HIT_START, SearchHit


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


def date_options(
    invocation: Invocation, today: dt.date
) -> tuple[dt.date | None, dt.date | None, list[str]]:
    problems: list[str] = []
    since = until = None
    if "since" in invocation.options:
        since = parse_date(invocation.options["since"], today=today)
        if since is None:
            problems.append(f"since:{invocation.options['since']} is not a date")
    if "until" in invocation.options:
        until = parse_date(invocation.options["until"], end=True, today=today)
        if until is None:
            problems.append(f"until:{invocation.options['until']} is not a date")
    if since and until and since > until:
        problems.append("since: is after until:")
    return since, until, problems


def page_option(invocation: Invocation) -> tuple[int, list[str]]:
    raw = invocation.options.get("page", "1")
    if raw.isdigit() and 1 <= int(raw) <= 1000:
        return int(raw), []
    return 1, [f"page:{raw} is not a page number"]


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
