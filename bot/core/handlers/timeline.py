"""/timeline: how a topic moved — each side's statements by month, and where a side turned.

Answers "how has this topic moved over time?" in one screen: the most recent months
first on page 1 (listed oldest to newest, as a timeline reads), a few statements per side
per month with every stance change flagged, and a chart of the same months. The chart
goes with the reply as an `Image` where the platform shows pictures; the console has
none, so there it is written to a file and the reply says where (as /digest chart does).
"""

from __future__ import annotations

import tempfile
from dataclasses import replace

from bot.core import timeline as tl
from bot.core.commands import REGISTRY, Argument, Ctx
from bot.core.format import plural, shorten
from bot.core.handlers.common import BY, PAGE, SINCE, UNTIL, finish, topic_ask
from bot.core.handlers.position import unknown_topic
from bot.core.invocation import Invocation
from bot.core.reply import (
    Action,
    Block,
    Buttons,
    Context,
    Divider,
    Header,
    Image,
    Reply,
    Section,
    Span,
)
from bot.topics import Topic
from storage import timeline as store
from storage.queries import PositionRow

MONTHS_PER_PAGE = 12
PER_SIDE = 2  # statements listed per side per month (changes first); counts cover all
CLAIM_CHARS = 160


@REGISTRY.command(
    "timeline",
    summary="How a topic moved: each side's statements by month, marking where a stance changed.",
    usage="/timeline <topic> [by:<actor>] [since:<date>] [until:<date>]",
    example="/timeline security aid since:2017",
    aliases=("history",),
    argument=Argument("topic", "Topic, alias or id, e.g. security aid", required=True),
    options=(BY, SINCE, UNTIL, PAGE),
    short="How a topic moved, month by month, with stance changes",
    rank=1,
    reads_only=True,
)
def timeline(ctx: Ctx, inv: Invocation) -> Reply:
    ask = topic_ask("timeline", inv)
    if isinstance(ask, Reply):
        return ask
    services = ctx.services
    since, until, page, actor = ask.since, ask.until, ask.page, ask.actor
    resolution = services.taxonomy.resolve(inv.argument)
    if resolution.topic is None:
        return _unknown(ctx, inv, resolution.suggestions)
    topic = resolution.topic
    options = {k: v for k, v in inv.options.items() if k != "page"}
    canonical = Invocation("timeline", (topic.id,), options, inv.user, inv.channel)
    with services.db.session() as session:
        marks, cut = store.marks_on(session, topic.id, actor=actor, since=since, until=until)
        months = tl.by_month(marks, actor)
        changes = tl.stance_changes(marks)
        page_months, earlier = tl.page_of(months, page, MONTHS_PER_PAGE)
        listed = [m for month in page_months for m in tl.shown(month, changes, per_side=PER_SIDE)]
        rows = store.rows_by_id(session, [m.id for m in listed])
    scope = _scope(since, until, actor)
    blocks: list[Block] = [Header(shorten(f"Timeline: {topic.label}", 140))]
    if not resolution.exact:
        blocks.append(Context(f"Closest topic to “{shorten(inv.argument, 60)}”: {topic.id}"))
    if not marks:
        blocks.append(Section.plain(f"No statements on {topic.label} recorded{scope} yet."))
        return finish(blocks, canonical, summary=f"No statements on {topic.label}{scope}")
    if not page_months:
        blocks.append(Section.plain(f"No page {page}: the timeline has fewer months."))
        return finish(blocks, canonical, summary=f"{topic.label}: no page {page}")
    sides = tl.sides_for(actor)
    totals = tl.side_totals(marks, actor)
    tally = " · ".join(f"{side} {totals.get(side, 0)}" for side in sides)
    first, last = page_months[0].period, page_months[-1].period
    blocks.append(
        Context(
            f"{plural(len(marks), 'statement')}{scope} in {plural(len(months), 'month')} — "
            f"{tally}; {plural(len(changes), 'stance change')}. "
            f"Showing {first} to {last}, each statement once however many outlets ran it."
        )
    )
    if cut:
        blocks.append(Context(f"Only the latest {store.MAX_SWEEP:,} statements are counted."))
    if page > 1:
        blocks.insert(1, Context(f"Page {page}"))
    for month in page_months:
        blocks.append(Divider())
        blocks.append(_month_block(month, sides, changes, rows))
        hidden = len(month.marks) - sum(1 for m in listed if m.period == month.period)
        if hidden > 0:
            blocks.append(
                Context(
                    f"{plural(hidden, 'more statement')} in {month.period}: "
                    f"/position {topic.id}{_by(actor)} since:{month.period} until:{month.period}"
                )
            )
    continuation = canonical.line(page=str(page + 1)) if earlier else None
    shown_inv = replace(canonical, options={**options, **({"page": str(page)} if page > 1 else {})})
    title = f"{topic.id}: statements per month{scope}"
    png = _chart(page_months, sides, changes, title)
    if ctx.platform == "console":
        with tempfile.NamedTemporaryFile(prefix="timeline-", suffix=".png", delete=False) as f:
            f.write(png)
        blocks.append(Context(f"Chart written to {f.name}"))
    reply = finish(
        blocks,
        shown_inv,
        summary=f"{topic.label}: {plural(len(marks), 'statement')}{scope}, by month",
        continuation=continuation,
    )
    if ctx.platform == "console":
        return reply
    return replace(reply, images=(Image(png, title, f"timeline-{topic.id}.png"),))


def _unknown(ctx: Ctx, inv: Invocation, suggestions: tuple[Topic, ...]) -> Reply:
    """/position's answer to an unknown topic (nearest topics, full-text matches), its
    buttons re-pointed at /timeline."""
    reply = unknown_topic(ctx, inv, suggestions)
    blocks = tuple(
        Buttons(
            tuple(Action("run", f"/timeline {t.id}", f"/timeline {t.id}") for t in suggestions[:3])
        )
        if isinstance(b, Buttons)
        else b
        for b in reply.blocks
    )
    return replace(reply, blocks=blocks)


def _chart(
    months: list[tl.Month], sides: tuple[str, ...], changes: dict[int, tl.Change], title: str
) -> bytes:
    from bot.timeline_chart import render_png  # matplotlib: only when a chart is drawn

    return render_png(months, sides, changes, title=title)


def _month_block(
    month: tl.Month,
    sides: tuple[str, ...],
    changes: dict[int, tl.Change],
    rows: dict[int, PositionRow],
) -> Section:
    counts = " · ".join(f"{side} {month.counts[side]}" for side in sides if month.counts.get(side))
    label = month.period if len(month.period) > 4 else f"{month.period} (month not known)"
    spans: list[Span] = [Span(label, bold=True), Span(f"  {counts}")]
    for mark in month.marks:
        row = rows.get(mark.id)
        if row is None:
            continue
        who = f"{row.speaker}, {row.actor}" if row.speaker else row.actor
        stance = f" [{mark.stance}]" if mark.stance else ""
        claim = shorten(row.claim, CLAIM_CHARS)
        spans.append(Span(f"\n• {mark.stated_on} {who}: “{claim}”{stance}"))
        url = row.source.url
        if url:
            spans += [Span(" "), Span("source", url=url)]
        change = changes.get(mark.id)
        if change is not None:
            spans.append(
                Span(
                    f"\n   ⚑ {_possessive(change.actor)} stance changed: "
                    f"{change.before} → {change.after}",
                    bold=True,
                )
            )
    return Section(tuple(spans))


def _by(actor: str | None) -> str:
    return f' by:"{actor}"' if actor and " " in actor else (f" by:{actor}" if actor else "")


def _scope(since: object, until: object, actor: str | None) -> str:
    parts = []
    if actor:
        parts.append(f" by {actor}")
    if since:
        parts.append(f" since {since}")
    if until:
        parts.append(f" until {until}")
    return "".join(parts)


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"
