"""/feeds: the RSS and Atom feeds the bot polls by itself — add, list (with how each is
doing), remove.

Adding a feed only stores it (after the same address check a forwarded link gets, so a
private address is refused here, not at the first poll); the scheduler's job for it
(bot.feed_jobs) polls it within a minute and then every interval. Who may manage feeds
is who may add articles (Services.may_ingest: admins, or users allowed to ingest), since
a feed adds articles without anyone forwarding them. Each change is written with its
audit entry in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.core.commands import REGISTRY, Argument, Ctx, usage_reply
from bot.core.format import plural, shorten
from bot.core.invocation import Invocation
from bot.core.reply import Block, Context, Header, Reply, Section, Span, message
from bot.settings import Settings
from storage import audit
from storage import feeds as store

NOT_ALLOWED = "Sorry — only admins and people who may add articles can manage feeds."
FEED_ADD, FEED_REMOVE = "feed-add", "feed-remove"
# "every:45", "every:45m", "every:2h": a feed's own polling interval
_EVERY = re.compile(r"^every:(\d{1,5})\s*(m|min|h)?$", re.I)
_FEED_ID = re.compile(r"^#?(\d{1,9})$")
SHOWN_FEEDS = 20  # two blocks each, within Block Kit's 50


def _usage(*problems: str) -> Reply:
    command = REGISTRY.get("feeds")
    assert command is not None
    return usage_reply(command, *problems)


def may_manage(ctx: Ctx) -> bool:
    return ctx.platform == "cli" or ctx.services.may_ingest(ctx.user, ctx.platform)


@REGISTRY.command(
    "feeds",
    summary="RSS and Atom feeds I read by myself: add one (optionally only entries on some "
    "topics), list them with how each is doing, or remove one.",
    usage="/feeds add <feed url> [topic…] [every:<minutes>] | list | remove <id>",
    example="/feeds add https://example.org/world/rss.xml haqqani",
    argument=Argument("action", "add <feed url> [topic…] [every:<minutes>], list, or remove <id>"),
    short="Feeds read by the bot itself: add, list, remove",
)
def feeds(ctx: Ctx, inv: Invocation) -> Reply:
    if not may_manage(ctx):
        return message(NOT_ALLOWED, tags=frozenset({"refused"}))
    if inv.problems:
        return _usage(*inv.problems)
    if not inv.args:
        return _list(ctx)
    sub, rest = inv.args[0].lower(), list(inv.args[1:])
    if sub == "add":
        return _add(ctx, inv, rest)
    if sub == "list":
        return _list(ctx)
    if sub in ("remove", "rm", "delete"):
        return _remove(ctx, rest)
    return _usage(f"I don't know “{shorten(sub, 40)}”: use add, list or remove.")


# ---------------------------------------------------------------------------- add


def _add(ctx: Ctx, inv: Invocation, rest: list[str]) -> Reply:
    settings = ctx.services.settings
    url = inv.urls[0] if inv.urls else None
    if url is None:
        return _usage("Give the feed's address (an http or https link).")
    interval = settings.feed_default_interval_minutes
    words: list[str] = []
    for word in rest:
        if word == url or word.rstrip(".,;") == url:
            continue
        every = _EVERY.match(word)
        if every:
            interval = int(every.group(1)) * (60 if (every.group(2) or "").lower() == "h" else 1)
            continue
        words.append(word)
    if not settings.feed_min_interval_minutes <= interval <= 7 * 24 * 60:
        return _usage(
            f"every: must be between {settings.feed_min_interval_minutes} minutes and a week."
        )
    topics = _topics(ctx, words)
    if isinstance(topics, Reply):
        return topics
    problem = address_problem(url, settings)
    if problem:
        return message(f"Couldn't add that feed: {problem}.", tags=frozenset({"refused"}))
    with ctx.services.db.session() as session:
        row = store.add_feed(
            session,
            url=url,
            interval_minutes=interval,
            topics=topics,
            user=ctx.user,
            platform=ctx.platform,
            now=ctx.services.clock(),
        )
        if row is not None:
            audit.record(
                session,
                action=FEED_ADD,
                subject=f"feed #{row.id}: {url}"[:500],
                user=ctx.user,
                platform=ctx.platform,
                detail=f"every {interval} min; topics {','.join(topics) or '-'}",
            )
        else:
            existing = store.feed_by_url(session, url)
    if row is None:
        number = f" as #{existing.id}" if existing else ""
        return message(f"I already read that feed{number}. /feeds list shows how it is doing.")
    on = f" Only entries on {', '.join(topics)}." if topics else ""
    return message(
        f"Added feed #{row.id}: {shorten(url, 200)} — read every {_minutes(interval)}, the "
        f"first time within a minute or two.{on} /feeds list shows how it is doing.",
    )


def _topics(ctx: Ctx, words: list[str]) -> list[str] | Reply:
    """Topic ids from the words after the URL: the whole phrase when it names one topic
    ("security aid"), else each word (or quoted phrase) on its own."""
    if not words:
        return []
    taxonomy = ctx.services.taxonomy
    if len(words) > 1:
        whole = taxonomy.resolve(" ".join(words))
        if whole.topic is not None and whole.exact:
            return [whole.topic.id]
    ids: list[str] = []
    for word in words:
        found = taxonomy.resolve(word)
        if found.topic is None:
            near = ", ".join(t.id for t in found.suggestions)
            return _usage(
                f"No topic “{shorten(word, 60)}”." + (f" Nearest: {near}." if near else "")
            )
        ids.append(found.topic.id)
    return list(dict.fromkeys(ids))


def address_problem(url: str, settings: Settings) -> str | None:
    """Why the fetcher would refuse this address outright (scheme, host, private
    address), in its own words; None when it may be polled."""
    from bot.indexer.fetch import vet_url  # the SSRF guard itself, loaded only when adding
    from bot.indexer.types import IngestRefused

    try:
        vet_url(url, settings)
    except IngestRefused as exc:
        return exc.reason.split(": ", 1)[-1]
    return None


# ---------------------------------------------------------------------------- list


def _when(stamp: dt.datetime | None) -> str:
    return f"{stamp:%Y-%m-%d %H:%M} UTC" if stamp else "never"


def _minutes(n: int) -> str:
    if n % 60 == 0 and n >= 60:
        return plural(n // 60, "hour")
    return f"{n} min"


def feed_lines(feed: store.FeedRow) -> tuple[str, str]:
    """The feed's name line and its state line, shared by chat and the command line."""
    name = f"#{feed.id} {shorten(feed.title, 120) + ' — ' if feed.title else ''}{feed.url}"
    state = [
        f"every {_minutes(feed.interval_minutes)}",
        f"{plural(feed.items_ingested, 'article')} added",
        f"last success {_when(feed.last_success_at)}",
    ]
    if feed.topics:
        state.insert(1, "topics " + ", ".join(feed.topics))
    if feed.last_error:
        errors = (
            f" ({plural(feed.consecutive_errors, 'failure')} in a row)"
            if (feed.consecutive_errors)
            else ""
        )
        state.append(f"last error {_when(feed.last_error_at)}{errors}: {feed.last_error}")
    state.append(f"next poll {_when(feed.next_due_at)}")
    return name, " · ".join(state)


def _list(ctx: Ctx) -> Reply:
    with ctx.services.db.session() as session:
        rows = store.all_feeds(session)
    if not rows:
        return message(
            "I read no feeds yet. Add one with /feeds add <feed url> [topic…].",
        )
    blocks: list[Block] = [Header(f"Feeds ({len(rows)})")]
    for feed in rows[:SHOWN_FEEDS]:
        name, state = feed_lines(feed)
        blocks.append(Section((Span(shorten(name, 300), bold=True),)))
        blocks.append(Context(shorten(state, 1500)))
    if len(rows) > SHOWN_FEEDS:
        blocks.append(Context(f"… and {len(rows) - SHOWN_FEEDS} more (python -m bot feeds list)."))
    return Reply(tuple(blocks), summary=f"{plural(len(rows), 'feed')}")


# ---------------------------------------------------------------------------- remove


def _remove(ctx: Ctx, rest: list[str]) -> Reply:
    match = _FEED_ID.match(rest[0]) if len(rest) == 1 else None
    if match is None:
        return _usage("Give one feed id, as /feeds list shows it (e.g. 3).")
    feed_id = int(match.group(1))
    with ctx.services.db.session() as session:
        row = store.remove_feed(session, feed_id)
        if row is not None:
            audit.record(
                session,
                action=FEED_REMOVE,
                subject=f"feed #{row.id}: {row.url}"[:500],
                user=ctx.user,
                platform=ctx.platform,
                detail=f"{row.items_ingested} articles added while it was read",
            )
    if row is None:
        return message(f"There is no feed #{feed_id}. /feeds list shows them.")
    return message(
        f"Removed feed #{row.id} ({shorten(row.url, 200)}); what it brought in "
        f"({plural(row.items_ingested, 'article')}) stays in the briefing.",
    )
