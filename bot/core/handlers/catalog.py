"""/topics and /help: what the bot knows about and what it can do, read from the
taxonomy and the command registry so neither can drift from the truth."""

from __future__ import annotations

from bot.core.commands import REGISTRY, Ctx
from bot.core.format import plural, shorten
from bot.core.handlers.common import finish
from bot.core.invocation import Invocation
from bot.core.reply import Block, Context, Header, Reply, Section, Span
from storage import queries


@REGISTRY.command(
    "topics",
    summary="The topic taxonomy, with how many positions and articles each has.",
    usage="/topics",
    example="/topics",
    short="The topic taxonomy with counts",
    rank=4,
    reads_only=True,
)
def topics(ctx: Ctx, inv: Invocation) -> Reply:
    taxonomy = ctx.services.taxonomy
    with ctx.services.db.session() as session:
        counts = queries.topic_counts(session)
    blocks: list[Block] = [Header("Topics")]
    total = sum(c.positions for c in counts.values())
    blocks.append(
        Context(f"{plural(total, 'position')} across {plural(len(taxonomy.topics), 'topic')}")
    )
    for topic in taxonomy:
        c = counts.get(topic.id)
        n = (
            f"{plural(c.positions, 'position')} in {plural(c.articles, 'article')}"
            if c
            else "none yet"
        )
        aliases = ", ".join(topic.aliases[:5])
        blocks.append(
            Section(
                (
                    Span(topic.id, bold=True),
                    Span(f" — {shorten(topic.label, 120)} · {n}"),
                    Span(f"\nalso: {aliases}" if aliases else ""),
                )
            )
        )
    return finish(blocks, inv, summary=f"{len(taxonomy.topics)} topics")


@REGISTRY.command(
    "help",
    summary="Every command with an example.",
    usage="/help",
    example="/help",
    short="Every command with an example",
    reads_only=True,
)
def help_(ctx: Ctx, inv: Invocation) -> Reply:
    blocks: list[Block] = [Header("US–Pakistan briefing bot")]
    for command in REGISTRY.listed():
        blocks.append(
            Section(
                (
                    Span(command.usage, bold=True),
                    Span(f"\n{command.summary}\ne.g. {command.example}"),
                )
            )
        )
    blocks.append(
        Context(
            "To add an article, send me a link or its text in a direct message, mention me "
            "with a link, or use “Add to briefing” on any message. Answers are visible only to "
            "you until you press “Share to channel”."
        )
    )
    return Reply(tuple(blocks), summary="Commands", source_line=inv.line())
