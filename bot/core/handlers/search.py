"""/search: full-text search over articles and the positions taken from them."""

from __future__ import annotations

from bot.core.commands import REGISTRY, Argument, Ctx, usage_reply
from bot.core.format import plural, shorten
from bot.core.handlers.common import finish, hit_blocks
from bot.core.handlers.correct import correct_actions
from bot.core.invocation import Invocation
from bot.core.reply import Block, Context, Divider, Header, Reply, Section, Span
from storage import queries

LIMIT = 6


@REGISTRY.command(
    "search",
    summary="Full-text search over articles and positions, best matches first.",
    usage="/search <words>",
    example="/search trust deficit",
    aliases=("find",),
    argument=Argument("words", "Words to look for, e.g. trust deficit", required=True),
    short="Full-text search over articles and positions",
    rank=2,
    reads_only=True,
)
def search(ctx: Ctx, inv: Invocation) -> Reply:
    command = REGISTRY.get("search")
    assert command is not None
    words = inv.text.strip()
    if not queries.search_terms(words):
        return usage_reply(command, "What should I search for?", *inv.problems)
    with ctx.services.db.session() as session:
        articles, positions = queries.search(session, words, limit=LIMIT)
    asked = shorten(words, 80)
    blocks: list[Block] = [Header(shorten(f"Search: {words}", 140))]
    if not articles and not positions:
        blocks.append(Section.plain(f"Nothing in the ledger matches “{asked}”."))
        blocks.append(Context("Try fewer or different words, or /topics for the taxonomy."))
        return finish(blocks, inv, summary=f"No matches for “{asked}”")
    if positions:
        blocks.append(Section((Span(f"Statements ({len(positions)})", bold=True),)))
        for hit in positions:
            blocks.extend(hit_blocks(hit))
    if articles:
        blocks.append(Divider())
        blocks.append(Section((Span(f"Articles ({len(articles)})", bold=True),)))
        for hit in articles:
            blocks.extend(hit_blocks(hit))
    summary = (
        f"{plural(len(positions), 'statement')} and {plural(len(articles), 'article')} "
        f"match “{asked}”"
    )
    ids = [h.statement_id for h in positions if h.statement_id is not None]
    return finish(blocks, inv, summary=summary, after=correct_actions(ids))
