"""Composing a digest: what came into the ledger in a window, as a main message that fits
one screen and a thread that holds the rest — transport-neutral Replies.

The main message is what an analyst reads at 8 am, so it is bounded by words (≤
MAIN_WORDS), not by what happened to arrive:

* **What changed** (at most MAX_CHANGES lines, one line each with who, what and a link):
  a side's current stance on a topic that differs from its stance at the last digest (the
  stance of its latest *stated* words, not of the latest article: a 2018 quote indexed
  today changes nothing), a divergence between the sides that was not there before, and
  official acts (positions of kind "action": aid, sanctions, designations, visits, deals).
* **Stories**, one line each (title as a link, outlets, how many statements), the ones
  that carry the weightiest changes first; arrival order only breaks ties.

The thread holds everything else: the statements grouped by story and side, each
statement once however many topics or outlets carry it; the changes that did not fit;
the stories that did not fit; figures (money, casualties) with the whole sentence they
came from. The weekly chart is attached to the thread by the scheduler on Mondays.

A statement's stance is what the stance classifier recorded (critical | neutral |
conciliatory); a row without one reads as neutral, so a side is never said to have
changed course on a guess.

`Digest.reply` is the main message, a `ThreadBreak`, then the thread: `split_reply` cuts
it into the messages to post (the first one the main message, the rest in its thread), so
every caller — the scheduler, `python -m bot digest --print`, `/digest preview` — shows
the same digest. Everything is read through storage.digest_reads inside the caller's session.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.core.format import SIDES, attribution, plural, said_date, shorten
from bot.core.reply import Block, Context, Divider, Header, Quote, Reply, Section, Span
from bot.topics import Taxonomy
from storage import digest_reads
from storage.queries import ArticleRow, PositionRow, SourceRef

MAIN_WORDS = 350  # one screen
MAX_CHANGES = 5  # "what changed" lines in the main message
MAX_MAIN_STORIES = 10
MAX_STATEMENTS_PER_SIDE = 4  # per story, in the thread
MAX_FIGURES = 8
MAX_CLAIM_CHARS = 110  # a claim inside a one-line change
NEUTRAL = "neutral"
ACTION = "action"
# What a change weighs when ordering stories: a new divergence involves both sides.
WEIGHT = {"divergence": 4, "stance": 3, "act": 2}

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
# A full stop after these is not the end of a sentence ("a sum which Mr. Qadir called …").
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Brig|Sen|Rep|Gov|Prof|St|Jr|Sr|No|Inc|Co|"
    r"Corp|Ltd|vs|etc|Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec)|\b[A-Z]|\b(?:[A-Z]\.)+[A-Z])\.$"
)


class ThreadBreak(Divider):
    """Where the main message ends and the thread begins (a divider to any renderer that
    does not know it; `split_reply` always cuts there)."""


@dataclass(frozen=True)
class Figure:
    kind: str  # "money" | "casualties"
    figure: str  # the matched words: "$300 million"
    sentence: str
    where: str  # source label


@dataclass(frozen=True)
class Change:
    """One line of "what changed"."""

    kind: str  # "divergence" | "stance" | "act"
    spans: tuple[Span, ...]
    said: dt.date  # newest stated date involved, for ordering within a kind
    article_ids: frozenset[int]  # the articles it cites: the stories it lifts

    @property
    def weight(self) -> int:
        return WEIGHT[self.kind]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass
class _Story:
    item: digest_reads.NewArticle
    order: int  # arrival
    statements: list[_Statement] = field(default_factory=list)
    weight: int = 0


@dataclass
class _Statement:
    """One statement however many topics it was filed under (`topics`)."""

    row: PositionRow
    topics: list[str]


@dataclass(frozen=True)
class Digest:
    reply: Reply  # main message, ThreadBreak, thread: what split_reply cuts into posts
    empty: bool
    articles: int
    positions: int  # statements, each counted once
    main: Reply | None = None
    thread: Reply | None = None
    changes: tuple[Change, ...] = ()

    def parts(self) -> list[tuple[str, Reply]]:
        """("main" | "thread", reply) for each message, in posting order."""
        return [
            ("main" if i == 0 else "thread", part) for i, part in enumerate(split_reply(self.reply))
        ]


def word_count(reply: Reply) -> int:
    """Words a reader sees (links count by their titles)."""
    return len(reply.text.split())


def local_text(when: dt.datetime, zone: ZoneInfo | None) -> str:
    """ "Mon 9 Mar 08:00 PKT": the reader's wall clock, with the zone's abbreviation."""
    aware = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when
    local = aware.astimezone(zone or dt.UTC)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname()}"


def sentences(text: str) -> list[str]:
    """Sentences, not split after a title or an initial ("Mr. Qadir", "U.S. officials")."""
    out: list[str] = []
    for piece in _SENTENCE.split(" ".join(text.split())):
        piece = piece.strip()
        if not piece:
            continue
        if out and _ABBREVIATION.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def figures_in(text: str, where: str) -> list[Figure]:
    """Money amounts and casualty counts in a text, each with its whole sentence."""
    out: list[Figure] = []
    for sentence in sentences(text):
        for kind, pattern in (("money", MONEY), ("casualties", CASUALTIES)):
            for m in pattern.finditer(sentence):
                out.append(Figure(kind, " ".join(m.group(0).split()), sentence, where))
    return out


def stance_of(p: PositionRow) -> str:
    """The recorded stance; a row the classifier has not read counts as neutral."""
    return p.stance or NEUTRAL


def opposed(first: str, second: str) -> bool:
    """Whether two sides' stances diverge: one of them critical (both critical is a clash
    too). The stance half of bot.core.divergence.diverge on the statements-claims branch;
    its denial/assertion half needs that branch's lexicon."""
    return "critical" in (first, second)


def where(src: SourceRef) -> str:
    """Outlet, else title: never the path of the file it was read from."""
    return src.outlet or shorten(src.title, 80)


def short_label(label: str) -> str:
    """ "US security and military aid, Coalition Support Fund" → its head, for one line."""
    head = re.split(r"[,(:]", label, maxsplit=1)[0].strip()
    return head or label


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
    articles = digest_reads.new_articles(session, start, end, topics=topics)
    positions = digest_reads.new_positions(session, start, end, topics=topics)
    since = local_text(start, zone)
    narrowed = f" · topics: {', '.join(topics)}" if topics else ""
    if not articles and not positions:
        text = f"Nothing new since {since}{narrowed}."
        reply = Reply((Section.plain(text),), ephemeral=False, summary=text)
        return Digest(reply, empty=True, articles=0, positions=0, main=reply)

    def label(topic: str) -> str:
        t = taxonomy.get(topic) if taxonomy else None
        return short_label(t.label) if t else topic.replace("-", " ")

    said = _said_once(positions)
    changes = _changes(session, positions, label, start, end)
    stories = _stories(session, articles, said, changes)
    head: list[Block] = [
        Header(shorten(title, 140)),
        Context(
            f"Since {since} · {plural(len(stories), 'story', 'stories')} · "
            f"{plural(len(said), 'new statement')}{narrowed}"
        ),
    ]
    main, shown_changes, shown_stories = _main(head, changes, stories)
    thread = _thread(changes[shown_changes:], stories, shown_stories, said, label)
    summary = (
        changes[0].text
        if changes
        else f"{title}: {plural(len(stories), 'story', 'stories')} since {since}"
    )
    main_reply = Reply(tuple(main), ephemeral=False, summary=shorten(summary, 300))
    thread_reply = Reply(tuple(thread), ephemeral=False, summary=shorten(summary, 150))
    blocks = (*main, ThreadBreak(), *thread) if thread else tuple(main)
    return Digest(
        Reply(tuple(blocks), ephemeral=False, summary=main_reply.summary),
        empty=False,
        articles=len(stories),
        positions=len(said),
        main=main_reply,
        thread=thread_reply if thread else None,
        changes=tuple(changes),
    )


# ---------------------------------------------------------------------------- statements


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text).split()).casefold()


def _said_once(positions: list[PositionRow]) -> list[_Statement]:
    """One entry per statement: rows of one statement (or of the same words, for rows
    without a statement id) filed under several topics become one, with every topic."""
    out: list[_Statement] = []
    by_id: dict[tuple[str, int], _Statement] = {}
    by_words: dict[str, _Statement] = {}
    for p in positions:
        words = _key(p.evidence)
        # statement ids and row ids are different sequences: keep them apart
        ident = ("statement", p.statement_id) if p.statement_id is not None else ("row", p.id)
        found = by_id.get(ident) or by_words.get(words)
        if found is None:
            found = _Statement(p, [])
            out.append(found)
        if p.topic not in found.topics:
            found.topics.append(p.topic)
        by_id[ident] = found
        by_words[words] = found
    return out


# ---------------------------------------------------------------------------- what changed


def _claim(p: PositionRow) -> str:
    return shorten(p.claim or p.evidence, MAX_CLAIM_CHARS)


def _who(p: PositionRow) -> str:
    return f"{p.speaker} ({p.actor})" if p.speaker else p.actor


def _source_spans(rows: Sequence[PositionRow]) -> list[Span]:
    spans: list[Span] = [Span(" — ")]
    seen: set[int] = set()
    for p in rows:
        if p.source.article_id in seen:
            continue
        if seen:
            spans.append(Span(" · "))
        seen.add(p.source.article_id)
        spans.append(Span(where(p.source), url=p.source.url))
    return spans


def _changes(
    session: Session,
    positions: list[PositionRow],
    label: Callable[[str], str],
    start: dt.datetime,
    end: dt.datetime,
) -> list[Change]:
    """Stance changes, new divergences and acts, weightiest first, newest first within."""
    new_ids = {p.id for p in positions}
    stance_topics = sorted({p.topic for p in positions if p.kind != ACTION})
    out: list[Change] = []
    for topic in stance_topics:
        now = digest_reads.latest_positions(
            session, topic, SIDES, until=end, except_kinds=(ACTION,)
        )
        before = digest_reads.latest_positions(
            session, topic, SIDES, until=start, except_kinds=(ACTION,)
        )
        for side in SIDES:
            cur, prev = now.get(side), before.get(side)
            if cur is None or prev is None or cur.id not in new_ids:
                continue  # a first word on a topic, or nothing newer said: no change
            if stance_of(cur) == stance_of(prev):
                continue
            spans = [
                Span(_who(cur), bold=True),
                Span(
                    f" turned {stance_of(cur)} on {label(topic)} (was {stance_of(prev)}, "
                    f"{prev.stated_text}): “{_claim(cur)}”"
                ),
                *_source_spans([cur]),
            ]
            out.append(
                Change("stance", tuple(spans), cur.stated_date, frozenset({cur.source.article_id}))
            )
        if len(now) == len(SIDES) and not any(now[s].id in new_ids for s in SIDES):
            continue
        if len(now) < len(SIDES) or not opposed(*(stance_of(now[s]) for s in SIDES)):
            continue
        if len(before) == len(SIDES) and opposed(*(stance_of(before[s]) for s in SIDES)):
            continue  # they already diverged at the last digest
        rows = [now[s] for s in SIDES]
        if len({stance_of(now[s]) for s in SIDES}) == 1:
            stances = f"both {stance_of(now[SIDES[0]])}"
        else:
            stances = ", ".join(f"{s} {stance_of(now[s])}" for s in SIDES)
        fresh = [p for p in rows if p.id in new_ids]
        spans = [
            Span(" and ".join(SIDES), bold=True),
            Span(f" now diverge on {label(topic)}: {stances}"),
            *_source_spans(fresh),
        ]
        out.append(
            Change(
                "divergence",
                tuple(spans),
                max(p.stated_date for p in rows),
                frozenset(p.source.article_id for p in fresh),
            )
        )
    for p in positions:
        if p.kind == ACTION:
            spans = [Span(_who(p), bold=True), Span(f" {_claim(p)}"), *_source_spans([p])]
            out.append(Change("act", tuple(spans), p.stated_date, frozenset({p.source.article_id})))
    # weightiest first; within a kind the newest said first (sort is stable: topic order)
    out.sort(key=lambda c: (-c.weight, -c.said.toordinal()))
    return out


# ---------------------------------------------------------------------------- stories


def _stories(
    session: Session,
    articles: list[digest_reads.NewArticle],
    said: list[_Statement],
    changes: list[Change],
) -> list[_Story]:
    """One per story, with its statements, ordered by the weight of the changes it carries,
    then by how much was said in it, then by arrival."""
    stories = {a.article.story_id: _Story(a, i) for i, a in enumerate(articles)}
    ids = {s.row.source.article_id for s in said} | {i for c in changes for i in c.article_ids}
    story_of = digest_reads.stories_of(session, ids)
    for s in said:
        story_id = story_of.get(s.row.source.article_id, -s.row.source.article_id)
        if story_id not in stories:
            # its article is past new_articles' limit (a digest over years): a story of its
            # own, after the others, rather than a statement dropped
            src = s.row.source
            row = ArticleRow(src.article_id, story_id, "", dt.datetime.min, src)
            outlets = (src.outlet,) if src.outlet else ()
            item = digest_reads.NewArticle(row, "", 0, outlets)
            stories[story_id] = _Story(item, len(stories))
        stories[story_id].statements.append(s)
    for c in changes:
        for story_id in {story_of[i] for i in c.article_ids if i in story_of}:
            if story_id in stories:
                stories[story_id].weight += c.weight
    return sorted(stories.values(), key=lambda s: (-s.weight, -len(s.statements), s.order))


def _story_spans(story: _Story, *, with_count: bool) -> list[Span]:
    src = story.item.article.source
    spans = [Span(shorten(src.title, 150), bold=not src.url, url=src.url)]
    outlets = list(story.item.outlets) or ([src.outlet] if src.outlet else [])
    tail = [", ".join(outlets)] if outlets else []
    if story.item.other_outlets > max(len(outlets) - 1, 0):
        tail.append(f"+{plural(story.item.other_outlets - len(outlets) + 1, 'source')}")
    if with_count:
        tail.append(plural(len(story.statements), "statement"))
    if tail:
        spans.append(Span(" — " + " · ".join(tail)))
    return spans


# ---------------------------------------------------------------------------- main message


def _main(
    head: list[Block], changes: list[Change], stories: list[_Story]
) -> tuple[list[Block], int, int]:
    """The one-screen message; returns it and how many changes and stories it shows."""
    blocks = list(head)
    shown_changes = min(len(changes), MAX_CHANGES)
    if changes:
        blocks.append(Section((Span("What changed", bold=True),)))
        blocks += [Section(changes[i].spans) for i in range(shown_changes)]
        if len(changes) > shown_changes:
            more = len(changes) - shown_changes
            blocks.append(Context(f"…and {plural(more, 'more change')} in the thread"))
    if not stories:
        return blocks, shown_changes, 0
    blocks.append(Section((Span("Stories", bold=True),)))
    shown = 0
    for story in stories[:MAX_MAIN_STORIES]:
        line = Section(tuple(_story_spans(story, with_count=True)))
        rest = len(stories) - shown - 1
        tail = [Context(f"…and {plural(rest, 'more story', 'more stories')} in the thread")]
        if word_count(Reply((*blocks, line, *(tail if rest else [])))) > MAIN_WORDS:
            break
        blocks.append(line)
        shown += 1
    if shown < len(stories):
        rest = len(stories) - shown
        blocks.append(Context(f"…and {plural(rest, 'more story', 'more stories')} in the thread"))
    return blocks, shown_changes, shown


# ---------------------------------------------------------------------------- thread


CORRECT_HINT = "A statement wrong? /correct <#number after it> — e.g. /correct 12 not-stance"


def _quote(s: _Statement, label: Callable[[str], str]) -> Quote:
    p = s.row
    on = ", ".join(label(t) for t in s.topics)
    return Quote(
        text=p.evidence,
        attribution=attribution(p),
        date=said_date(p),
        source_label=f"{where(p.source)} · on {on} · #{p.statement}",
        link=p.source.url,
    )


def _thread(
    more_changes: list[Change],
    stories: list[_Story],
    shown_stories: int,
    said: list[_Statement],
    label: Callable[[str], str],
) -> list[Block]:
    blocks: list[Block] = []
    if more_changes:
        blocks.append(Section((Span("More changes", bold=True),)))
        blocks += [Section(c.spans) for c in more_changes]
        blocks.append(Divider())
    quiet = [s for s in stories[shown_stories:] if not s.statements]
    if quiet:
        blocks.append(Section((Span("More stories", bold=True),)))
        blocks += [Section(tuple(_story_spans(s, with_count=False))) for s in quiet]
        blocks.append(Divider())
    for story in stories:
        if not story.statements:
            continue
        blocks.append(Section(tuple(_story_spans(story, with_count=False))))
        sides: dict[str, list[_Statement]] = {}
        for s in story.statements:
            sides.setdefault(s.row.actor, []).append(s)
        order = [a for a in SIDES if a in sides] + sorted(a for a in sides if a not in SIDES)
        for actor in order:
            rows = sorted(sides[actor], key=lambda s: (s.row.stated_date, s.row.id), reverse=True)
            blocks.append(Context(f"{actor} · {plural(len(rows), 'statement')}"))
            blocks += [_quote(s, label) for s in rows[:MAX_STATEMENTS_PER_SIDE]]
            if len(rows) > MAX_STATEMENTS_PER_SIDE:
                # a story quoted at length: the rest are one command away, by topic
                left = rows[MAX_STATEMENTS_PER_SIDE:]
                topics = sorted({t for s in left for t in s.topics})
                who = "us" if actor == SIDES[0] else actor.lower().replace(" ", "-")
                where_next = " · ".join(f"/position {t} by:{who}" for t in topics[:3])
                blocks.append(
                    Context(f"…and {plural(len(left), 'earlier statement')}: {where_next}")
                )
        blocks.append(Divider())
    blocks += _figures(stories, said)
    while blocks and isinstance(blocks[-1], Divider):
        blocks.pop()
    if any(isinstance(b, Quote) for b in blocks):
        # a digest is posted to a channel: its statements are corrected by id, not button
        blocks.append(Context(CORRECT_HINT))
    return blocks


def _figures(stories: list[_Story], said: list[_Statement]) -> list[Block]:
    """Money and casualty figures: from a statement, a pointer to it (its sentence is
    quoted above, and a sentence is shown once); from an article's summary, its whole
    sentence."""
    quoted = {_key(t) for s in said for t in sentences(s.row.evidence)}
    lines: list[Block] = []
    seen: set[str] = set()
    for s in said:
        for f in figures_in(s.row.evidence, where(s.row.source)):
            if f.figure.casefold() in seen:
                continue
            seen.add(f.figure.casefold())
            lines.append(
                Section(
                    (
                        Span(f.figure, bold=True),
                        Span(f" ({f.kind}) — in the statement of {_who(s.row)}, {f.where}"),
                    )
                )
            )
    for story in stories:
        src = story.item.article.source
        for f in figures_in(story.item.summary, where(src)):
            if _key(f.sentence) in quoted or f.figure.casefold() in seen:
                continue
            seen.add(f.figure.casefold())
            quoted.add(_key(f.sentence))
            lines.append(
                Section(
                    (
                        Span(f.figure, bold=True),
                        Span(f" ({f.kind}) — {f.sentence} "),
                        Span(where(src), url=src.url),
                    )
                )
            )
    if not lines:
        return []
    return [Section((Span("Figures", bold=True),)), *lines[:MAX_FIGURES]]


PART_BLOCKS = 20


def split_reply(reply: Reply, max_blocks: int = PART_BLOCKS) -> list[Reply]:
    """A digest as the messages to post, each recorded one by one (so a resumed run knows
    exactly which were sent). Everything before a `ThreadBreak` is one message, the main
    one, whatever its length (composition bounds it); after it, cuts fall at a section's
    divider when one is near, else at `max_blocks` — well inside any platform's
    per-message limit, so a part is never split again by the transport."""
    parts: list[list[Block]] = [[]]
    whole = any(isinstance(b, ThreadBreak) for b in reply.blocks)
    for block in reply.blocks:
        current = parts[-1]
        if isinstance(block, ThreadBreak):
            parts.append([])
            whole = False
            continue
        if whole:
            current.append(block)
            continue
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
