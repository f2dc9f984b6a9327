"""/ingest and forwarded articles: what to ingest, and the confirmation that follows.

Forwarding (a DM, a shortcut, a mention) and `/ingest` share `ingest_reply`, so the user
sees one kind of confirmation whichever way an article came in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.commands import REGISTRY, Argument, Ctx, usage_reply
from bot.core.format import plural, shorten
from bot.core.invocation import Invocation, Plain, links_in
from bot.core.reply import Block, Context, Header, Quote, Reply, Section, Span, message

if TYPE_CHECKING:
    from bot.indexer.pipeline import IngestResult

SHOWN_POSITIONS = 8

HINT = (
    "Send me a link to an article, or paste the article's text, and I'll add it to the "
    "briefing. /help lists everything I can do."
)


@dataclass(frozen=True)
class ArticleInput:
    url: str | None = None
    text: str | None = None


def find_article(
    texts: Sequence[Plain],
    *,
    min_words: int,
    chat_link: Callable[[str], bool] = lambda url: False,
) -> ArticleInput | None:
    """The article carried by a message: its first outside link, else its longest text
    when long enough to be an article. None for "thanks!" — that gets a hint, not an ingest.
    A link the adapter says points into the chat itself (`chat_link`) is never an article.
    """
    candidates: list[str] = []
    for text in texts:
        for url in links_in(text):
            if not chat_link(url):
                return ArticleInput(url=url)
        candidates.append(text.text.strip())
    longest = max(candidates, key=lambda t: len(t.split()), default="")
    if len(longest.split()) >= min_words:
        return ArticleInput(text=longest)
    return None


def run_ingest(ctx: Ctx, article: ArticleInput) -> Reply:
    services = ctx.services
    if not services.may_ingest(ctx.user, ctx.platform):
        return message("Sorry — you are not on the list of people who may add articles.")
    indexer = services.indexer
    from bot.indexer.pipeline import AuditAs  # the indexer's module only when ingesting

    # the audit row is written in the article's own transaction
    by = AuditAs(ctx.user, ctx.platform)
    if article.url:
        result = indexer.ingest_url(article.url, ingested_by=ctx.user, audit_as=by)
    else:
        result = indexer.ingest_text(
            article.text or "", origin="chat", ingested_by=ctx.user, audit_as=by
        )
    return ingest_reply(result)


@REGISTRY.command(
    "ingest",
    summary="Add an article now, from a link or pasted text; replies with what was found.",
    usage="/ingest <link or pasted article text>",
    example="/ingest https://example.com/2018/01/05/us-suspends-aid",
    argument=Argument("text", "A link to an article, or the article's text", required=True),
    short="Add an article from a link or pasted text",
    hint="<link or article text>",
    rank=3,
)
def ingest(ctx: Ctx, inv: Invocation) -> Reply:
    command = REGISTRY.get("ingest")
    assert command is not None
    if not inv.text.strip():
        return usage_reply(command, "Give me a link or paste the article's text.")
    article = find_article(
        [Plain(inv.text, inv.urls)],
        min_words=ctx.services.settings.min_article_words,
        chat_link=ctx.chat_link,
    )
    if article is None:
        return usage_reply(
            command,
            "That is neither a link nor long enough to be an article "
            f"(at least {ctx.services.settings.min_article_words} words).",
        )
    return run_ingest(ctx, article)


def ingest_reply(result: IngestResult) -> Reply:
    name = shorten(result.title or result.name, 140)
    if result.status == "refused":
        return message(f"Couldn't add {shorten(result.name, 120)}: {result.reason or 'refused'}")
    if result.status == "duplicate":
        when = (
            f"already indexed on {result.indexed_on.isoformat()}"
            if result.indexed_on
            else (result.reason or "already indexed")
        )
        return Reply(
            (Section((Span(name, bold=True), Span(f" — {when}."))),),
            summary=f"{name}: {when}",
            tags=frozenset({"duplicate"}),
        )
    blocks: list[Block] = [Header(f"Added: {name}")]
    if result.gist:
        blocks.append(Section.plain(shorten(result.gist, 900)))
    if result.status == "near-duplicate":
        blocks.append(
            Context(
                f"Same story as article #{result.duplicate_of}: stored alongside it, "
                "positions taken from the first report."
            )
        )
    shown = result.positions[:SHOWN_POSITIONS]
    blocks.append(
        Context(
            f"{plural(len(result.positions), 'position')} found"
            + (f" (first {len(shown)} shown)" if len(shown) < len(result.positions) else "")
            + (f" · article #{result.article_id}" if result.article_id else "")
        )
    )
    for p in shown:
        who = p.speaker or f"unnamed {p.actor} official"
        if p.speaker and p.speaker_office:
            who += f", {p.speaker_office}"
        blocks.append(
            Quote(
                text=shorten(p.evidence, 500),
                attribution=f"{who} ({p.actor})",
                date=None,
                source_label=p.topic,
            )
        )
    return Reply(tuple(blocks), summary=f"Added: {name}", tags=frozenset({result.status}))
