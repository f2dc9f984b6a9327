"""/brief: the state of the relationship in one screen.

Three questions, in the order an analyst asks them: what is the latest coverage, where
does each side stand on what is being argued about most, and what is new this week.
"""

from __future__ import annotations

import datetime as dt

from bot.core.commands import REGISTRY, Argument, Ctx, usage_reply
from bot.core.format import (
    SIDES,
    date_text,
    plural,
    quote,
    reported_by,
    shorten,
    source_location,
)
from bot.core.handlers.common import finish
from bot.core.handlers.correct import correct_actions
from bot.core.handlers.position import unknown_topic
from bot.core.invocation import Invocation
from bot.core.reply import Block, Context, Divider, Header, Reply, Section, Span
from bot.topics import Topic
from storage import queries

TOPICS = 4
ARTICLES = 4
ACTIVE_WINDOW = dt.timedelta(days=365)
CHANGE_WINDOW = dt.timedelta(days=7)


@REGISTRY.command(
    "brief",
    summary="The state of the relationship: latest coverage, each side's latest stance on "
    "the most active topics, and what changed in the last 7 days.",
    usage="/brief [topic]",
    example="/brief safe havens",
    argument=Argument("topic", "Only this topic: alias or id, e.g. safe havens"),
    short="The state of the relationship, and what changed this week",
    rank=1,
    reads_only=True,
)
def brief(ctx: Ctx, inv: Invocation) -> Reply:
    command = REGISTRY.get("brief")
    assert command is not None
    if inv.problems:
        return usage_reply(command, *inv.problems)
    services = ctx.services
    topic: Topic | None = None
    if inv.args:
        resolution = services.taxonomy.resolve(inv.argument)
        if resolution.topic is None:
            return unknown_topic(ctx, inv, resolution.suggestions)
        topic = resolution.topic
    now = services.clock()
    with services.db.session() as session:
        newest = queries.newest_position_date(session)
        if topic is not None:
            topics = [(topic.id, 0)]
            articles: list[queries.ArticleRow] = []
        else:
            window_start = (newest - ACTIVE_WINDOW) if newest else None
            topics = queries.most_active_topics(session, since=window_start, limit=TOPICS)
            articles = queries.latest_articles(session, limit=ARTICLES)
        stances = queries.latest_positions(session, [t for t, _n in topics], SIDES)
        changes = queries.changes_since(session, now - CHANGE_WINDOW)
    title = f"Brief: {topic.label}" if topic else "Brief: US–Pakistan relations"
    blocks: list[Block] = [Header(shorten(title, 140))]
    if newest is None:
        blocks.append(Section.plain("The ledger is empty: nothing has been indexed yet."))
        blocks.append(Context("Add articles with /ingest <link> or by sending me a link."))
        return finish(blocks, inv, summary="The ledger is empty")
    blocks.append(Context(f"Latest statement on record: {newest.isoformat()}"))
    if articles:
        blocks.append(Section((Span("Latest coverage", bold=True),)))
        for art in articles:
            src = art.source
            blocks.append(
                Section(
                    (
                        Span(shorten(src.title, 150), bold=True, url=src.url),
                        Span(f" ({date_text(src.published, src.date_precision)})\n"),
                        Span(shorten(art.gist, 400)),
                    )
                )
            )
            if not src.url and (where := source_location(src)):
                blocks.append(Context(where))
    blocks.append(Divider())
    blocks.append(Section((Span("Where each side stands", bold=True),)))
    shown: list[int] = []
    for topic_id, n in topics:
        label = services.taxonomy.get(topic_id)
        name = label.label if label else topic_id
        heading = f"{name}" + (f" — {plural(n, 'statement')} in the last year" if n else "")
        blocks.append(Section((Span(shorten(heading, 200), bold=True),)))
        sides = stances.get(topic_id, {})
        if not sides:
            blocks.append(Context("Neither side is on record."))
        for side in SIDES:
            if side in sides:
                shown.append(sides[side].statement)
                blocks.append(quote(sides[side]))
                if sides[side].also_reported:
                    blocks.append(reported_by(sides[side].also_reported))
            else:
                blocks.append(Context(f"{side}: no recorded position."))
    blocks.append(Divider())
    blocks.append(Section((Span("Last 7 days", bold=True),)))
    if changes.article_count == 0 and changes.position_count == 0:
        blocks.append(Context("Nothing new was indexed in the last 7 days."))
    else:
        busiest = ", ".join(f"{t} ({n})" for t, n in changes.positions_by_topic[:4])
        line = (
            f"{plural(changes.article_count, 'article')} and "
            f"{plural(changes.position_count, 'position')} indexed"
            + (f"; most on {busiest}" if busiest else "")
        )
        blocks.append(Section.plain(line))
        for art in changes.articles:
            blocks.append(Context(f"+ {shorten(art.source.title, 140)} ({art.source.published})"))
    return finish(blocks, inv, summary=title, after=correct_actions(shown))
