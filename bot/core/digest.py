"""Composing a digest: what came into the ledger in a window, as one transport-neutral Reply.

Sections, in the order a reader wants them: new coverage (one line per *story*, so a wire
story carried by five outlets is one line "also reported by 4 outlets"), new positions by
topic and actor with their verbatim words, stance changes (an actor's newest position on
a topic beside its previous one), divergences (the two sides' latest positions on a topic
that moved), and notable figures — sums of money and casualty counts — with the sentence
they came from, because a number without its sentence is a rumour.

Everything is read through storage.digests inside the caller's session; nothing here
knows about schedules, claims or platforms. A quiet window yields a one-line reply and
`empty=True`, so the caller decides whether quiet days are posted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.core.format import SIDES, date_text, plural, quote, shorten, source_label
from bot.core.reply import Block, Context, Divider, Header, Reply, Section, Span
from bot.topics import Taxonomy
from storage import digests
from storage.queries import PositionRow

MAX_STORIES = 25
MAX_TOPICS = 12
MAX_QUOTES_PER_ACTOR = 4
MAX_CHANGES = 10
MAX_FIGURES = 10

# Money: "$300 million", "US$ 1.2bn", "USD 120 billion", "Rs 5 billion", "33 billion dollars".
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:\s?(?:thousand|million|billion|trillion|bn|mn|m|b)\b)?"
MONEY = re.compile(
    rf"(?:(?:US\s?\$|\$|USD\s?|PKR\s?|Rs\.?\s?)(?:{_NUM}){_SCALE}"
    rf"|\b(?:{_NUM})\s?(?:thousand|million|billion|trillion)?\s?(?:US\s)?(?:dollars|rupees)\b)",
    re.IGNORECASE,
)
# Casualties: "killed 12", "killing at least 30", "12 soldiers were killed", "7 dead".
_VICTIMS = r"(?:\s+[a-z-]+){0,3}"
CASUALTIES = re.compile(
    rf"\b(?:kill(?:ed|ing)|wound(?:ed|ing)|injur(?:ed|ing))\s+(?:at\s+least\s+|some\s+|about\s+)?"
    rf"(?:{_NUM})\b"
    rf"|\b(?:{_NUM}){_VICTIMS}\s+(?:were|was|have\s+been|had\s+been|are)\s+"
    rf"(?:killed|wounded|injured|dead)\b"
    rf"|\b(?:{_NUM})\s+(?:people\s+)?(?:dead|deaths|fatalities|casualties)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?…”\"])\s+(?=[A-Z“\"‘(])")


@dataclass(frozen=True)
class Figure:
    kind: str  # "money" | "casualties"
    figure: str  # the matched words: "$300 million"
    sentence: str
    where: str  # source label


@dataclass(frozen=True)
class Digest:
    reply: Reply
    empty: bool
    articles: int
    positions: int


def local_text(when: dt.datetime, zone: ZoneInfo | None) -> str:
    """ "Mon 9 Mar 08:00 PKT": the reader's wall clock, with the zone's abbreviation."""
    aware = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when
    local = aware.astimezone(zone or dt.UTC)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname()}"


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if s.strip()]


def figures_in(text: str, where: str) -> list[Figure]:
    """Money amounts and casualty counts in a text, each with its sentence."""
    out: list[Figure] = []
    for sentence in sentences(text):
        for kind, pattern in (("money", MONEY), ("casualties", CASUALTIES)):
            for m in pattern.finditer(sentence):
                out.append(Figure(kind, " ".join(m.group(0).split()), sentence, where))
    return out


def compose(
    session: Session,
    *,
    start: dt.datetime,
    end: dt.datetime,
    topics: Sequence[str] = (),
    taxonomy: Taxonomy | None = None,
    zone: ZoneInfo | None = None,
    title: str = "Digest: US–Pakistan relations",
) -> Digest:
    """The digest of [start, end) (naive or aware UTC), narrowed to `topics` if any."""
    articles = digests.new_articles(session, start, end, topics=topics)
    positions = digests.new_positions(session, start, end, topics=topics)
    since = local_text(start, zone)
    narrowed = f" · topics: {', '.join(topics)}" if topics else ""
    if not articles and not positions:
        text = f"Nothing new since {since}{narrowed}."
        reply = Reply((Section.plain(text),), ephemeral=False, summary=text)
        return Digest(reply, empty=True, articles=0, positions=0)

    def label(topic: str) -> str:
        t = taxonomy.get(topic) if taxonomy else None
        return t.label if t else topic

    blocks: list[Block] = [Header(shorten(title, 140))]
    blocks.append(
        Context(
            f"Since {since} · {plural(len(articles), 'story', 'stories')} · "
            f"{plural(len(positions), 'new position')}{narrowed}"
        )
    )
    blocks += _articles_section(articles)
    blocks += _positions_section(positions, label)
    blocks += _changes_section(session, positions, label)
    blocks += _divergences_section(session, positions, label, end)
    blocks += _figures_section(articles, positions)
    while blocks and isinstance(blocks[-1], Divider):
        blocks.pop()
    summary = (
        f"{title}: {plural(len(articles), 'story', 'stories')}, "
        f"{plural(len(positions), 'new position')} since {since}"
    )
    return Digest(
        Reply(tuple(blocks), ephemeral=False, summary=summary),
        empty=False,
        articles=len(articles),
        positions=len(positions),
    )


def _articles_section(articles: list[digests.NewArticle]) -> list[Block]:
    if not articles:
        return []
    blocks: list[Block] = [Section((Span("New coverage", bold=True),))]
    for item in articles[:MAX_STORIES]:
        src = item.article.source
        spans = [Span(shorten(src.title, 150), bold=True, url=src.url)]
        tail = [src.outlet] if src.outlet else []
        tail.append(date_text(src.published, src.date_precision))
        spans.append(Span(f" — {' · '.join(tail)}"))
        if item.other_outlets:
            spans.append(Span(f" · also reported by {plural(item.other_outlets, 'outlet')}"))
        spans.append(Span("\n" + shorten(item.article.gist, 400)))
        blocks.append(Section(tuple(spans)))
        if not src.url and src.source_path:
            blocks.append(Context(f"file: {src.source_path}"))
    if len(articles) > MAX_STORIES:
        blocks.append(Context(f"…and {plural(len(articles) - MAX_STORIES, 'more story')}"))
    blocks.append(Divider())
    return blocks


def _by_topic(positions: list[PositionRow]) -> dict[str, dict[str, list[PositionRow]]]:
    grouped: dict[str, dict[str, list[PositionRow]]] = {}
    for p in positions:
        grouped.setdefault(p.topic, {}).setdefault(p.actor, []).append(p)
    return dict(sorted(grouped.items(), key=lambda kv: -sum(len(v) for v in kv[1].values())))


def _positions_section(positions: list[PositionRow], label: Callable[[str], str]) -> list[Block]:
    if not positions:
        return []
    blocks: list[Block] = [Section((Span("New positions", bold=True),))]
    grouped = _by_topic(positions)
    for topic, actors in list(grouped.items())[:MAX_TOPICS]:
        blocks.append(Section((Span(shorten(label(topic), 200), bold=True),)))
        for actor, rows in actors.items():
            blocks.append(Context(f"{actor} · {plural(len(rows), 'position')}"))
            for p in rows[-MAX_QUOTES_PER_ACTOR:]:
                blocks.append(quote(p))
            if len(rows) > MAX_QUOTES_PER_ACTOR:
                blocks.append(Context(f"…and {len(rows) - MAX_QUOTES_PER_ACTOR} earlier"))
    if len(grouped) > MAX_TOPICS:
        blocks.append(Context(f"…and {plural(len(grouped) - MAX_TOPICS, 'more topic')}"))
    blocks.append(Divider())
    return blocks


def _newest(rows: list[PositionRow]) -> PositionRow:
    return max(rows, key=lambda p: (p.stated_date, p.id))


def _changes_section(
    session: Session, positions: list[PositionRow], label: Callable[[str], str]
) -> list[Block]:
    blocks: list[Block] = []
    for topic, actors in _by_topic(positions).items():
        for actor, rows in actors.items():
            newest = _newest(rows)
            before = digests.previous_position(session, newest)
            if before is None or before.claim.strip() == newest.claim.strip():
                continue
            if len(blocks) >= MAX_CHANGES * 5:
                break
            heading = f"{actor} on {label(topic)}"
            blocks.append(Section((Span(shorten(heading, 200), bold=True),)))
            blocks.append(Context(f"Before ({before.stated_text}):"))
            blocks.append(quote(before))
            blocks.append(Context(f"Now ({newest.stated_text}):"))
            blocks.append(quote(newest))
    if not blocks:
        return []
    return [Section((Span("Stance changes", bold=True),)), *blocks, Divider()]


def _divergences_section(
    session: Session, positions: list[PositionRow], label: Callable[[str], str], end: dt.datetime
) -> list[Block]:
    blocks: list[Block] = []
    new_ids = {p.id for p in positions}
    for topic in _by_topic(positions):
        sides = digests.latest_positions(session, topic, SIDES, until=end)
        if len(sides) < 2 or not any(p.id in new_ids for p in sides.values()):
            continue
        blocks.append(Section((Span(shorten(label(topic), 200), bold=True),)))
        for side in SIDES:
            blocks.append(quote(sides[side]))
    if not blocks:
        return []
    return [Section((Span("Where the two sides stand", bold=True),)), *blocks, Divider()]


def _figures_section(
    articles: list[digests.NewArticle], positions: list[PositionRow]
) -> list[Block]:
    found: list[Figure] = []
    for p in positions:
        found += figures_in(p.evidence, source_label(p.source))
    for item in articles:
        found += figures_in(item.summary, source_label(item.article.source))
    seen: set[str] = set()
    blocks: list[Block] = []
    for f in found:
        key = " ".join(f.sentence.split()).casefold()
        if key in seen:
            continue
        seen.add(key)
        blocks.append(
            Section(
                (
                    Span(f.figure, bold=True),
                    Span(f" ({f.kind}) — {shorten(f.sentence, 500)}"),
                )
            )
        )
        blocks.append(Context(shorten(f.where, 200)))
        if len(seen) >= MAX_FIGURES:
            break
    if not blocks:
        return []
    return [Section((Span("Notable figures", bold=True),)), *blocks]


PART_BLOCKS = 20


def split_reply(reply: Reply, max_blocks: int = PART_BLOCKS) -> list[Reply]:
    """A long digest as several replies, posted one message each and recorded one by one
    (so a resumed run knows exactly which were sent). Cuts fall at a section's divider when
    one is near, else at `max_blocks` — well inside any platform's per-message limit, so a
    part is never split again by the transport."""
    parts: list[list[Block]] = [[]]
    for block in reply.blocks:
        current = parts[-1]
        if isinstance(block, Divider) and len(current) >= max_blocks * 0.6:
            parts.append([])
            continue
        if len(current) >= max_blocks:
            parts.append([])
        parts[-1].append(block)
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return [reply]
    n = len(parts)
    return [
        Reply(
            tuple(blocks),
            ephemeral=reply.ephemeral,
            summary=reply.summary if i == 0 else f"{shorten(reply.summary, 150)} ({i + 1}/{n})",
            tags=reply.tags,
        )
        for i, blocks in enumerate(parts)
    ]
