"""/position: what each side has said on a topic, newest first, with its source.

Grouped United States, Pakistan, then everyone else, because the question users bring is
"where do the two sides stand" — the others are context. Each group pages on its own
offset so "show more" never repeats a statement.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from bot.core.commands import REGISTRY, Argument, Ctx
from bot.core.divergence import Statement, diverge
from bot.core.format import PK, SIDES, US, plural, quote, reported_by, shorten
from bot.core.handlers.common import BY, PAGE, SINCE, UNTIL, finish, hit_blocks, topic_ask
from bot.core.handlers.correct import correct_actions
from bot.core.invocation import Invocation
from bot.core.reply import Action, Block, Buttons, Context, Divider, Header, Reply, Section, Span
from bot.topics import Topic
from storage import queries

PER_GROUP = 3  # per side when showing every side: three sides fit one screen
PER_ACTOR = 8  # when one actor was asked for with by:


@REGISTRY.command(
    "position",
    summary="What each side has said on a topic, who said it, when, and the source.",
    usage="/position <topic> [by:<actor>] [since:<date>] [until:<date>]",
    example="/position haqqani by:pakistan since:2017-10",
    aliases=("positions", "pos"),
    argument=Argument("topic", "Topic, alias or id, e.g. haqqani", required=True),
    options=(BY, SINCE, UNTIL, PAGE),
    short="What each side has said on a topic, with sources",
    rank=0,
    reads_only=True,
)
def position(ctx: Ctx, inv: Invocation) -> Reply:
    ask = topic_ask("position", inv)
    if isinstance(ask, Reply):
        return ask
    services = ctx.services
    since, until, page, actor = ask.since, ask.until, ask.page, ask.actor
    resolution = services.taxonomy.resolve(inv.argument)
    if resolution.topic is None:
        return unknown_topic(ctx, inv, resolution.suggestions)
    topic = resolution.topic
    canonical = Invocation(
        "position",
        (topic.id,),
        inv.options,
        inv.user,
        inv.channel,
    )
    groups: list[tuple[str, str | None, tuple[str, ...]]]
    if actor:
        groups, per = [(actor, actor, ())], PER_ACTOR
    else:
        groups, per = [(US, US, ()), (PK, PK, ()), ("Others", None, SIDES)], PER_GROUP
    offset = (page - 1) * per
    with services.db.session() as session:
        counts = queries.actor_counts_on(session, topic.id, since=since, until=until)
        found = {
            label: queries.positions_on(
                session,
                topic.id,
                actor=who,
                exclude_actors=excluded,
                since=since,
                until=until,
                limit=per + 1,
                offset=offset,
            )
            for label, who, excluded in groups
        }
        found = queries.with_other_reports(session, found)
    total = sum(counts.values()) if not actor else counts.get(actor, 0)
    blocks: list[Block] = [Header(shorten(f"{topic.label}", 140))]
    scope = _scope_text(since, until, actor)
    if not resolution.exact:
        blocks.append(Context(f"Closest topic to “{shorten(inv.argument, 60)}”: {topic.id}"))
    if total == 0:
        blocks.append(Section.plain(f"No positions on {topic.label} recorded{scope} yet."))
        blocks.append(Context(f"Try /search {topic.aliases[0] if topic.aliases else topic.id}"))
        return finish(blocks, canonical, summary=f"No positions on {topic.label}{scope}")
    others = sum(n for a, n in counts.items() if a not in SIDES)
    tally = " · ".join(
        f"{side} {counts.get(side, 0)}" for side in ([actor] if actor else SIDES)
    ) + ("" if actor else f" · others {others}")
    blocks.append(Context(f"{plural(total, 'position')}{scope}, newest first — {tally}"))
    if page == 1 and not actor:
        diverge = _divergence(found.get(US, []), found.get(PK, []))
        if diverge:
            blocks.append(diverge)
    more = False
    shown: list[int] = []
    for label, _who, _ex in groups:
        rows = found[label]
        more = more or len(rows) > per
        rows = rows[:per]
        if not rows:
            if page == 1:
                blocks.append(Divider())
                blocks.append(Context(f"{label}: no recorded position{scope}."))
            continue
        blocks.append(Divider())
        n = counts.get(label, 0) if label != "Others" else others
        blocks.append(Section((Span(label, bold=True), Span(f"  ({n})"))))
        for p in rows:
            shown.append(p.statement)
            blocks.append(quote(p))
            if p.also_reported:
                blocks.append(reported_by(p.also_reported))
    continuation = canonical.line(page=str(page + 1)) if more else None
    if page > 1:
        blocks.insert(1, Context(f"Page {page}"))
    return finish(
        blocks,
        replace(canonical, options=MappingProxyType(_with_page(inv, page))),
        summary=f"{topic.label}: {plural(total, 'position')}{scope}",
        continuation=continuation,
        after=correct_actions(shown),
    )


def _with_page(inv: Invocation, page: int) -> dict[str, str]:
    options = dict(inv.options)
    options.pop("page", None)
    if page > 1:
        options["page"] = str(page)
    return options


def _scope_text(since: object, until: object, actor: str | None) -> str:
    parts = []
    if actor:
        parts.append(f" by {actor}")
    if since:
        parts.append(f" since {since}")
    if until:
        parts.append(f" until {until}")
    return "".join(parts)


def _divergence(us: list[queries.PositionRow], pk: list[queries.PositionRow]) -> Block | None:
    """Where the sides part: each side's latest claim, with speaker and date — only when
    the two oppose each other (`bot.core.divergence`); nothing when they agree."""
    if not us and not pk:
        return None
    if not us or not pk:
        only = US if us else PK
        silent = PK if us else US
        return Context(f"Only {only} is on record here; no stated {silent} position.")
    a, b = us[0], pk[0]
    found = diverge(_statement(a), _statement(b))
    if found is None:
        return None
    return Section(
        (
            Span("Where they diverge: ", bold=True),
            Span(f"{_who(a)} ({a.stated_text}): "),
            Span(f"“{shorten(a.claim, 220)}”"),
            Span(" — versus — "),
            Span(f"{_who(b)} ({b.stated_text}): "),
            Span(f"“{shorten(b.claim, 220)}”"),
            Span(f" ({found.reason})"),
        )
    )


def _statement(p: queries.PositionRow) -> Statement:
    return Statement(
        p.actor, p.speaker, p.claim, p.evidence, p.published, getattr(p, "stance", None)
    )


def _who(p: queries.PositionRow) -> str:
    return f"{p.speaker}, {p.actor}" if p.speaker else p.actor


def unknown_topic(ctx: Ctx, inv: Invocation, suggestions: tuple[Topic, ...]) -> Reply:
    """Never an empty answer: the nearest topics, and what full-text search finds."""
    asked = shorten(inv.argument, 80)
    blocks: list[Block] = [Section.plain(f"No topic “{asked}”.")]
    if suggestions:
        names = ", ".join(f"{t.label} ({t.id})" for t in suggestions)
        blocks.append(Section.plain(f"Nearest topics: {names}"))
    else:
        blocks.append(Context("See /topics for every topic."))
    with ctx.services.db.session() as session:
        articles, positions = queries.search(session, inv.argument, limit=3)
    hits = positions[:3] + articles[:2]
    if hits:
        blocks.append(Divider())
        blocks.append(Section((Span(f"Full-text matches for “{asked}”", bold=True),)))
        for hit in hits:
            blocks.extend(hit_blocks(hit))
    else:
        blocks.append(Context(f"Full-text search finds nothing for “{asked}” either."))
    actions = tuple(
        Action("run", shorten(f"/position {t.id}", 70), f"/position {t.id}")
        for t in suggestions[:3]
    )
    if actions:
        blocks.append(Buttons(actions))
    return Reply(
        tuple(blocks),
        ephemeral=True,
        source_line=inv.line(),
        summary=f"No topic “{asked}”",
        tags=frozenset({"unknown-topic"}),
    )
