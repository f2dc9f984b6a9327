"""The read side: every question the chat commands ask of the ledger, named by intent.

Returns small frozen records, never ORM rows, so a handler cannot lazy-load in a loop and
nothing above storage needs a session after the query. Each query is shaped to run off one
of the indexes declared in `storage.models` (noted beside it), because the bot answers in
chat and the budget for a whole command is tens of milliseconds.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar

from sqlalchemy import Select, bindparam, case, false, func, select, text, union_all
from sqlalchemy.orm import Session, aliased

from storage.cached import Incremental, Span, incremental
from storage.models import Article, Position

# Marks around matched words in search snippets; control characters that cleaned article
# text never contains, so a renderer can turn them into emphasis after escaping.
HIT_START = "\x02"
HIT_END = "\x03"


@dataclass(frozen=True)
class SourceRef:
    """Where a statement or article can be read: a link when there is one, else a file."""

    article_id: int
    title: str
    outlet: str | None
    url: str | None
    source_path: str | None
    published: dt.date
    date_precision: str


@dataclass(frozen=True)
class PositionRow:
    id: int
    actor: str
    speaker: str | None
    speaker_office: str | None
    topic: str
    claim: str
    evidence: str
    kind: str
    published: dt.date  # the article's date
    source: SourceRef
    # When it was said ("2018-01-05" | "2018-01" | "2018") and why; what ordering uses.
    stated_on: str | None = None
    stated_basis: str | None = None
    statement_id: int | None = None
    stance: str | None = None
    stance_cue: str | None = None
    # Other articles reporting the same statement (filled by `statements_on`).
    also_reported: tuple[SourceRef, ...] = ()

    @property
    def stated_date(self) -> dt.date:
        """The first day of the stated period (the article's date for a row without one)."""
        if not self.stated_on:
            return self.published
        parts = [int(x) for x in self.stated_on.split("-")] + [1, 1]
        return dt.date(parts[0], parts[1], parts[2])

    @property
    def stated_text(self) -> str:
        """When it was said, at its own precision ("2018", "2021-07", "2022-03-08")."""
        if self.stated_on:
            return self.stated_on
        precision = self.source.date_precision
        if precision == "year":
            return f"{self.published:%Y}"
        return f"{self.published:%Y-%m}" if precision == "month" else self.published.isoformat()

    @property
    def statement(self) -> int:
        """The statement this row reports (a row written before statements existed is
        one of its own)."""
        return self.statement_id if self.statement_id is not None else self.id


@dataclass(frozen=True)
class ArticleRow:
    id: int
    story_id: int
    gist: str
    ingested_at: dt.datetime
    source: SourceRef


@dataclass(frozen=True)
class SearchHit:
    kind: Literal["article", "position"]
    id: int
    rank: float  # lower is better (bm25 convention), comparable within one kind only
    snippet: str  # with HIT_START/HIT_END around matched words
    source: SourceRef
    actor: str | None = None
    speaker: str | None = None
    topic: str | None = None
    statement_id: int | None = None  # position hits: the statement (what /correct takes)


@dataclass(frozen=True)
class TopicCount:
    topic: str
    positions: int
    articles: int


@dataclass(frozen=True)
class Changes:
    since: dt.datetime
    articles: tuple[ArticleRow, ...]
    article_count: int
    positions_by_topic: tuple[tuple[str, int], ...]  # most first
    position_count: int


K = TypeVar("K")

_POSITION_COLS = (
    Position.id,
    Position.actor,
    Position.speaker,
    Position.speaker_office,
    Position.topic,
    Position.claim,
    Position.evidence,
    Position.kind,
    Position.published,
)
_SOURCE_COLS = (
    Article.id,
    Article.title,
    Article.source,
    Article.url,
    Article.source_path,
    Article.published,
    Article.date_precision,
)


def _source(row: Sequence[object], start: int) -> SourceRef:
    return SourceRef(*row[start : start + 7])  # type: ignore[arg-type]


_STATED_COLS = (
    Position.stated_on,
    Position.stated_basis,
    Position.statement_id,
    Position.stance,
    Position.stance_cue,
)


def position_row(row: Sequence[Any]) -> PositionRow:
    """A row of `positions_stmt()`, which other storage modules compose their own queries
    from (storage.digest_reads, storage.follows, storage.timeline): one definition of a
    position row's columns and shape."""
    return PositionRow(
        id=row[0],
        actor=row[1],
        speaker=row[2],
        speaker_office=row[3],
        topic=row[4],
        claim=row[5],
        evidence=row[6],
        kind=row[7],
        published=row[8],
        source=_source(row, 9),
        stated_on=row[16],
        stated_basis=row[17],
        statement_id=row[18],
        stance=row[19],
        stance_cue=row[20],
    )


def positions_stmt() -> Select[Any]:
    return select(*_POSITION_COLS, *_SOURCE_COLS, *_STATED_COLS).join(
        Article, Position.article_id == Article.id
    )


# ------------------------------------------------------------------------ positions


def positions_on(
    session: Session,
    topic: str,
    *,
    actor: str | None = None,
    exclude_actors: Iterable[str] = (),
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 10,
    offset: int = 0,
) -> list[PositionRow]:
    """Statements on a topic, newest first by when they were said (ties: latest recorded
    first); since:/until: compare the stated date too. One row per statement: its first
    report (later reports by other outlets are `is_repeat`).

    Served by ix_positions_topic_repeat_actor_stated with an actor, else by
    ix_positions_topic_repeat_stated; both deliver rows already in order (the id is the
    last column), so a page costs `offset + limit` index steps, not a sort of the topic.
    """
    stmt = positions_stmt().where(Position.topic == topic, Position.is_repeat == false())
    if actor is not None:
        stmt = stmt.where(Position.actor == actor)
    excluded = list(exclude_actors)
    if excluded:
        stmt = stmt.where(Position.actor.not_in(excluded))
    if since is not None:
        stmt = stmt.where(Position.stated_date >= since)
    if until is not None:
        stmt = stmt.where(Position.stated_date <= until)
    stmt = stmt.order_by(Position.stated_date.desc(), Position.id.desc())
    rows = session.execute(stmt.limit(limit).offset(offset)).all()
    return [position_row(r) for r in rows]


def statements_on(
    session: Session,
    topic: str,
    *,
    actor: str | None = None,
    exclude_actors: Iterable[str] = (),
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 10,
    offset: int = 0,
) -> list[PositionRow]:
    """`positions_on`, each statement with the other articles that reported it."""
    rows = positions_on(
        session,
        topic,
        actor=actor,
        exclude_actors=exclude_actors,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return _with_reports(session, rows)


def with_other_reports(
    session: Session, groups: dict[str, list[PositionRow]]
) -> dict[str, list[PositionRow]]:
    """`_with_reports` for several lists of statements in one look-up (a reply's groups)."""
    done = {p.id: p for p in _with_reports(session, [p for g in groups.values() for p in g])}
    return {label: [done[p.id] for p in rows] for label, rows in groups.items()}


def _with_reports(session: Session, rows: list[PositionRow]) -> list[PositionRow]:
    """Each statement with every other article reporting it (one ix_positions_statement_id
    probe for the page)."""
    ids = [r.statement_id for r in rows if r.statement_id is not None]
    if not ids:
        return rows
    stmt = (
        select(Position.statement_id, *_SOURCE_COLS)
        .join(Article, Position.article_id == Article.id)
        .where(Position.statement_id.in_(ids))
        .order_by(Position.id)
    )
    sources: dict[int, dict[int, SourceRef]] = {}
    for raw in session.execute(stmt).all():
        source = _source(raw, 1)
        sources.setdefault(raw[0], {}).setdefault(source.article_id, source)
    out = []
    for row in rows:
        others = sources.get(row.statement, {})
        also = tuple(s for a, s in others.items() if a != row.source.article_id)
        out.append(replace(row, also_reported=also) if also else row)
    return out


def actor_counts_on(
    session: Session,
    topic: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> dict[str, int]:
    """How many statements each actor has on a topic: one carried by three outlets is one
    (a covering scan of ix_positions_topic_repeat_actor_stated once per ledger version,
    then only the positions inserted since)."""

    def count(*, new: bool) -> Callable[[Session, Span], dict[str, int]]:
        def run(session: Session, span: Span) -> dict[str, int]:
            cols, where = _counted(span, new=new)
            stmt = select(cols.actor, func.count()).where(
                *where, cols.topic == topic, cols.is_repeat == false()
            )
            if since is not None:
                stmt = stmt.where(cols.stated_date >= since)
            if until is not None:
                stmt = stmt.where(cols.stated_date <= until)
            return {actor: n for actor, n in session.execute(stmt.group_by(cols.actor)).all()}

        return run

    aggregate: Incremental[dict[str, int], dict[str, int]]
    aggregate = Incremental(full=count(new=False), delta=count(new=True), merge=_add)
    counts = incremental(session, ("actor_counts_on", topic, since, until), aggregate)
    return dict(counts)


# the columns the counts filter and group by (what a delta reads of each new position)
_COUNTED = (
    Position.article_id,
    Position.topic,
    Position.actor,
    Position.is_repeat,
    Position.stated_date,
)


def _counted(span: Span, *, new: bool) -> tuple[Any, list[Any]]:
    """The positions a count reads: the whole table up to the span's newest id (a full
    count, by whatever index serves its filters), or just the span's new rows (a delta)."""
    if new:
        return span.new_positions(*_COUNTED).c, []
    return Position.__table__.c, [span.positions()]


def _add(old: dict[K, int], delta: dict[K, int]) -> dict[K, int]:
    """Counts merged with the counts of rows inserted since: a new dict (a cached figure
    is shared and never changed in place)."""
    out = dict(old)
    for k, n in delta.items():
        out[k] = out.get(k, 0) + n
    return out


def latest_position_by_actor(
    session: Session, topic: str, actors: Iterable[str]
) -> dict[str, PositionRow]:
    """Each actor's newest statement on a topic, with the other outlets that reported it."""
    return latest_positions(session, [topic], actors).get(topic, {})


def latest_positions(
    session: Session, topics: Sequence[str], actors: Iterable[str]
) -> dict[str, dict[str, PositionRow]]:
    """Each actor's newest statement on each topic, with the other outlets that reported
    it: {topic: {actor: row}}, an actor with nothing on a topic left out.

    One statement for every (topic, actor) pair: a UNION ALL of LIMIT 1 probes, each
    served by ix_positions_topic_repeat_actor_stated in order (each subquery stays an
    index probe, however large the ledger), then one look-up of the other outlets for
    them all. /brief asked this per topic and per side: eight round trips and their
    statement compilation on every brief, most of its time on a small ledger.
    """
    pairs = [(t, a) for t in dict.fromkeys(topics) for a in dict.fromkeys(actors)]
    if not pairs:
        return {}
    probes = [
        positions_stmt()
        .where(Position.topic == t, Position.is_repeat == false(), Position.actor == a)
        .order_by(Position.stated_date.desc(), Position.id.desc())
        .limit(1)
        .subquery()
        for t, a in pairs
    ]
    rows = session.execute(union_all(*(select(p) for p in probes))).all()
    found = _with_reports(session, [position_row(r) for r in rows])
    out: dict[str, dict[str, PositionRow]] = {}
    for row in found:
        out.setdefault(row.topic, {})[row.actor] = row
    # in the order asked for, as the one-at-a-time probes gave them
    return {
        t: {a: out[t][a] for a in dict.fromkeys(actors) if a in out[t]}
        for t in dict.fromkeys(topics)
        if t in out
    }


def most_active_topics(
    session: Session, *, since: dt.date | None = None, limit: int = 5
) -> list[tuple[str, int]]:
    """Topics with the most positions stated since a date, most first.

    Counts over ix_positions_topic_repeat_stated alone (topic and date are both in it),
    so this never reads the table; once per ledger version, then only the positions
    inserted since. Every topic's count is kept, not just the first `limit`: a topic
    below them can overtake one of them with the next insert. Ties go by topic id.
    """

    def count(*, new: bool) -> Callable[[Session, Span], dict[str, int]]:
        def run(session: Session, span: Span) -> dict[str, int]:
            cols, where = _counted(span, new=new)
            stmt = select(cols.topic, func.count()).where(*where, cols.is_repeat == false())
            if since is not None:
                stmt = stmt.where(cols.stated_date >= since)
            return {t: n for t, n in session.execute(stmt.group_by(cols.topic)).all()}

        return run

    aggregate: Incremental[dict[str, int], dict[str, int]]
    aggregate = Incremental(full=count(new=False), delta=count(new=True), merge=_add)
    by_topic = incremental(session, ("topics_active_since", since), aggregate)
    return sorted(by_topic.items(), key=lambda x: (-x[1], x[0]))[:limit]


def newest_position_date(session: Session) -> dt.date | None:
    """The newest publication date on record (the article index answers this without a
    scan; no statement is dated after the article reporting it)."""
    return session.scalar(select(func.max(Article.published)))


def topic_counts(session: Session) -> dict[str, TopicCount]:
    """Positions and distinct articles per topic, for `/topics` (once per ledger version,
    then only the positions inserted since).

    Ingest writes an article's positions with it, but a row can be written back into an
    old article (undoing a correction) and the merge does not lean on that: a new
    position adds to its topic's articles only if no earlier position of that topic has
    its article (one primary-key probe of ix_positions_article_id per new row)."""

    def full(session: Session, span: Span) -> dict[str, TopicCount]:
        stmt = (
            select(Position.topic, func.count(), func.count(func.distinct(Position.article_id)))
            .where(span.positions())
            .group_by(Position.topic)
        )
        return {t: TopicCount(t, n, a) for t, n, a in session.execute(stmt).all()}

    def delta(session: Session, span: Span) -> dict[str, TopicCount]:
        new = span.new_positions(*_COUNTED)
        earlier = aliased(Position)
        first_of_article = ~(
            select(earlier.id)
            .where(
                earlier.article_id == new.c.article_id,
                earlier.topic == new.c.topic,
                earlier.id <= span.after_position,
            )
            .exists()
        )
        stmt = select(
            new.c.topic,
            func.count(),
            func.count(func.distinct(case((first_of_article, new.c.article_id)))),
        ).group_by(new.c.topic)
        return {t: TopicCount(t, n, a) for t, n, a in session.execute(stmt).all()}

    def merge(old: dict[str, TopicCount], new: dict[str, TopicCount]) -> dict[str, TopicCount]:
        out = dict(old)
        for t, c in new.items():
            was = out.get(t, TopicCount(t, 0, 0))
            out[t] = TopicCount(t, was.positions + c.positions, was.articles + c.articles)
        return out

    aggregate: Incremental[dict[str, TopicCount], dict[str, TopicCount]]
    aggregate = Incremental(full, delta, merge)
    counts = incremental(session, ("topic_counts",), aggregate)
    return dict(counts)


# ------------------------------------------------------------------------ articles


def article_row(row: Sequence[object]) -> ArticleRow:
    return ArticleRow(
        id=row[0],  # type: ignore[arg-type]
        story_id=row[7],  # type: ignore[arg-type]
        gist=row[8],  # type: ignore[arg-type]
        ingested_at=row[9],  # type: ignore[arg-type]
        source=_source(row, 0),
    )


def articles_stmt() -> Select[Any]:
    return select(*_SOURCE_COLS, Article.story_id, Article.gist, Article.ingested_at)


def latest_articles(session: Session, *, limit: int = 5) -> list[ArticleRow]:
    """The newest articles by publication date, one per story (ix on articles.published)."""
    stmt = articles_stmt().order_by(Article.published.desc(), Article.id.desc())
    out: list[ArticleRow] = []
    seen: set[int] = set()
    # a few extra rows so that several outlets carrying one story don't crowd the list
    for row in session.execute(stmt.limit(limit * 3)).all():
        article = article_row(row)
        if article.story_id in seen:
            continue
        seen.add(article.story_id)
        out.append(article)
        if len(out) == limit:
            break
    return out


def changes_since(session: Session, since: dt.datetime, *, limit: int = 5) -> Changes:
    """What entered the ledger after `since` (by ingest time, not publication date: a 2017
    article indexed today is news to the reader of the brief)."""
    newest = session.execute(
        articles_stmt()
        .where(Article.ingested_at >= since)  # ix_articles_ingested_at
        .order_by(Article.ingested_at.desc())
        .limit(limit)
    ).all()
    # The counts since the start of `since`'s hour are cached per ledger version; the few
    # rows ingested between that and `since` are subtracted with a bounded range query, so
    # a brief asked every second counts a week of ingest once, not every time.
    hour = since.replace(minute=0, second=0, microsecond=0)
    base_articles, base_topics = incremental(
        session, ("ingested_since", hour), _ingested_since(hour)
    )
    gap_articles, gap_topics = _ingested_counts(session, hour, since) if since > hour else (0, {})
    counts = {t: n - gap_topics.get(t, 0) for t, n in base_topics.items()}
    by_topic = sorted(((t, n) for t, n in counts.items() if n > 0), key=lambda x: (-x[1], x[0]))
    return Changes(
        since=since,
        articles=tuple(article_row(r) for r in newest),
        article_count=base_articles - gap_articles,
        positions_by_topic=tuple(by_topic),
        position_count=sum(n for _t, n in by_topic),
    )


def _ingested_counts(
    session: Session, start: dt.datetime, end: dt.datetime | None
) -> tuple[int, dict[str, int]]:
    """Articles ingested in [start, end), and their positions per topic."""
    art_filter = Article.ingested_at >= start  # ix_articles_ingested_at
    if end is not None:
        art_filter = art_filter & (Article.ingested_at < end)
    articles = session.scalar(select(func.count()).where(art_filter)) or 0
    # Positions are written with their article, so "positions of articles ingested since"
    # is "positions created since" — reached through ix_articles_ingested_at and
    # ix_positions_article_id. (Filtering positions.created_at directly lets SQLite prefer
    # the topic index for the GROUP BY and scan every position.)
    by_topic = session.execute(
        select(Position.topic, func.count())
        .select_from(Article)
        .join(Position, Position.article_id == Article.id)
        .where(art_filter)
        .group_by(Position.topic)
    ).all()
    return articles, {t: n for t, n in by_topic}


def _ingested_since(hour: dt.datetime) -> Incremental[tuple[int, dict[str, int]], Any]:
    """Articles ingested since `hour` and their positions per topic, as an aggregate that
    takes in new rows: a new article counts if ingested since; a new position counts if
    its article was (whether that article is new or not)."""

    def full(session: Session, span: Span) -> tuple[int, dict[str, int]]:
        art_filter = Article.ingested_at >= hour  # ix_articles_ingested_at
        articles = session.scalar(select(func.count()).where(art_filter, span.articles())) or 0
        by_topic = session.execute(
            select(Position.topic, func.count())
            .select_from(Article)
            .join(Position, Position.article_id == Article.id)
            .where(art_filter, span.positions())
            .group_by(Position.topic)
        ).all()
        return articles, {t: n for t, n in by_topic}

    def delta(session: Session, span: Span) -> tuple[int, dict[str, int]]:
        art_filter = Article.ingested_at >= hour
        articles = session.scalar(select(func.count()).where(art_filter, span.articles())) or 0
        new = span.new_positions(*_COUNTED)
        by_topic = session.execute(
            select(new.c.topic, func.count())
            .select_from(new)
            .join(Article, Article.id == new.c.article_id)
            .where(art_filter)
            .group_by(new.c.topic)
        ).all()
        return articles, {t: n for t, n in by_topic}

    def merge(
        old: tuple[int, dict[str, int]], new: tuple[int, dict[str, int]]
    ) -> tuple[int, dict[str, int]]:
        return old[0] + new[0], _add(old[1], new[1])

    return Incremental(full, delta, merge)


def article_count(session: Session) -> int:
    def count(session: Session, span: Span) -> int:
        return session.scalar(select(func.count()).where(span.articles())) or 0

    return incremental(session, ("article_count",), Incremental(count, count, operator.add))


# ------------------------------------------------------------------------ full-text search

_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(query: str, *, max_terms: int = 12) -> list[str]:
    """The words of a user's query, with every FTS operator and quote stripped away."""
    return [w.lower() for w in _WORD.findall(query)][:max_terms]


def _fts5_query(terms: list[str], *, any_term: bool) -> str:
    # Each word quoted: user text can never be read as FTS5 syntax (NEAR, column:, -, *).
    quoted = ['"' + t.replace('"', "") + '"' for t in terms]
    return (" OR " if any_term else " ").join(quoted)


def search(
    session: Session, query: str, *, limit: int = 10
) -> tuple[list[SearchHit], list[SearchHit]]:
    """Articles and positions matching every word (or, failing that, any word), best first.

    SQLite ranks with FTS5's bm25 and cuts snippets with snippet(); PostgreSQL ranks with
    ts_rank over the generated `search` column and cuts with ts_headline.
    """
    terms = search_terms(query)
    if not terms:
        return [], []
    dialect = session.get_bind().dialect.name
    run = _search_sqlite if dialect == "sqlite" else _search_postgres
    articles, positions = run(session, terms, limit, any_term=False)
    if not articles and not positions and len(terms) > 1:
        articles, positions = run(session, terms, limit, any_term=True)
    return articles, positions


# Search is bounded by a window, not by the number of matches: only the newest matches (by
# id, i.e. ingest order) are ranked — for a news ledger the recent ones are the ones wanted,
# and a word found in 100,000 statements does not discriminate anyway. Rare words are
# ranked over all their matches. Snippets are cut only for the rows returned.
# The windows are small because ranking reads each windowed row's text (FTS5 re-tokenises
# it for highlight(); ts_rank reads the tsvector, TOASTed for an article).
RANK_WINDOW = {"articles": 100, "positions": 400}
# Position hits are fetched this many times over, then folded to one per statement.
STATEMENT_SPREAD = 3

# SQLite: FTS5 walks its index newest first (ORDER BY rowid DESC LIMIT) and stops at the
# window. FTS5's bm25() is not used: it counts every match of each word in the whole table
# for its IDF weights (~15 ms per common word at a million positions) before ranking a
# single row. Within the window the ranking is BM25's term-frequency and length part
# (Okapi k1 and b, the columns weighted as before), from highlight()'s marks; every row
# holds every word (or, for the any-word fallback, the words count alike).
_FTS_COLUMNS = {
    "articles_fts": (4.0, 1.0),  # title, text
    "positions_fts": (2.0, 1.0, 3.0, 1.0, 1.0),  # evidence, claim, speaker, actor, topic
}
_SNIPPET = {
    "articles_fts": "snippet(articles_fts, -1, :hs, :he, '…', 16)",
    "positions_fts": "snippet(positions_fts, 0, :hs, :he, '…', 24)",
}
_K1, _B = 1.2, 0.75


def _sqlite_ranked(
    session: Session, fts: str, params: dict[str, object]
) -> list[tuple[int, float, str]]:
    weights = _FTS_COLUMNS[fts]
    marked = ", ".join(f"highlight({fts}, {c}, :hs, :he)" for c in range(len(weights)))
    window = RANK_WINDOW[fts.removesuffix("_fts")]
    rows = session.execute(
        text(
            f"SELECT rowid, {marked} FROM {fts} WHERE {fts} MATCH :q "
            f"ORDER BY rowid DESC LIMIT {window}"
        ),
        params,
    ).all()
    if not rows:
        return []
    # per column: hits (marks) and length in words, then BM25's saturation of each
    hits = [[(col or "").count(HIT_START) for col in row[1:]] for row in rows]
    lengths = [[(col or "").count(" ") + 1 for col in row[1:]] for row in rows]
    average = [sum(lg[c] for lg in lengths) / len(rows) or 1.0 for c in range(len(weights))]
    scored = []
    for row, tf, lg in zip(rows, hits, lengths, strict=True):
        score = sum(
            w * tf[c] * (_K1 + 1) / (tf[c] + _K1 * (1 - _B + _B * lg[c] / average[c]))
            for c, w in enumerate(weights)
            if tf[c]
        )
        scored.append((row[0], -score))  # negated: lower is better, as bm25()
    best = sorted(scored, key=lambda r: (r[1], -r[0]))[: int(str(params["limit"]))]
    snippet = text(
        f"SELECT rowid, {_SNIPPET[fts]} FROM {fts} WHERE {fts} MATCH :q AND rowid IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    found = session.execute(snippet, {**params, "ids": [i for i, _r in best]}).all()
    snippets: dict[int, str] = {int(r[0]): r[1] or "" for r in found}
    return [(i, rank, snippets.get(i, "")) for i, rank in best]


def _search_sqlite(
    session: Session, terms: list[str], limit: int, *, any_term: bool
) -> tuple[list[SearchHit], list[SearchHit]]:
    params: dict[str, object] = {
        "q": _fts5_query(terms, any_term=any_term),
        "hs": HIT_START,
        "he": HIT_END,
        "limit": limit,
    }
    wider = {**params, "limit": limit * STATEMENT_SPREAD}
    return (
        _article_hits(session, _sqlite_ranked(session, "articles_fts", params)),
        _position_hits(session, _sqlite_ranked(session, "positions_fts", wider), limit),
    )


# PostgreSQL: the newest window of matches is read newest first along the primary key
# within a range of the newest ids, widened only when the range holds too few matches, so
# a common word stops after the window and a rare one is found through the GIN index (the
# planner picks per step, with the range in view). ts_rank runs for the window alone (an
# article's tsvector is large and TOASTed) and ts_headline for the rows returned.
PG_SPANS = (16, 256, None)  # id ranges tried, in windows: newest 16 windows' worth of ids, …
_PG_WINDOW = (
    "SELECT id FROM {table} WHERE search @@ to_tsquery('english', :tsq) AND id > :floor "
    "ORDER BY id DESC LIMIT {window}"
)
_PG_RANKED = (
    "WITH q AS (SELECT to_tsquery('english', :tsq) AS q), "
    "best AS (SELECT t.id, -ts_rank(t.search, q.q) AS rank "  # negated: lower is better
    "FROM {table} t, q WHERE t.id = ANY(:ids) ORDER BY rank, t.id DESC LIMIT :limit) "
    "SELECT best.id, best.rank, ts_headline('english', t.{doc}, q.q, :opts) "
    "FROM best JOIN {table} t ON t.id = best.id, q ORDER BY best.rank, best.id DESC"
)


def _pg_window(session: Session, table: str, tsquery: str) -> list[int]:
    window = RANK_WINDOW[table]
    newest = session.scalar(text(f"SELECT max(id) FROM {table}")) or 0
    sql = text(_PG_WINDOW.format(table=table, window=window))
    ids: list[int] = []
    for span in PG_SPANS:
        floor = newest - span * window if span is not None else 0
        ids = list(session.scalars(sql, {"tsq": tsquery, "floor": max(floor, 0)}))
        if len(ids) >= window or floor <= 0:
            break
    return ids


def _search_postgres(
    session: Session, terms: list[str], limit: int, *, any_term: bool
) -> tuple[list[SearchHit], list[SearchHit]]:
    # Terms are \w+ words (search_terms), so they cannot carry tsquery operators.
    tsquery = (" | " if any_term else " & ").join(terms)
    opts = f"StartSel={HIT_START}, StopSel={HIT_END}, MaxFragments=1, MaxWords=30, MinWords=8"
    found: list[list[tuple[int, float, str]]] = []
    for table, doc in (("articles", "text"), ("positions", "evidence")):
        ids = _pg_window(session, table, tsquery)
        if not ids:
            found.append([])
            continue
        sql = _PG_RANKED.format(table=table, doc=doc)
        n = limit * STATEMENT_SPREAD if table == "positions" else limit
        params = {"tsq": tsquery, "opts": opts, "limit": n, "ids": ids}
        rows = session.execute(text(sql), params).all()
        found.append([(r[0], float(r[1]), r[2]) for r in rows])
    return _article_hits(session, found[0]), _position_hits(session, found[1], limit)


def _article_hits(session: Session, hits: list[tuple[int, float, str]]) -> list[SearchHit]:
    if not hits:
        return []
    rows = session.execute(articles_stmt().where(Article.id.in_([h[0] for h in hits]))).all()
    by_id = {r[0]: article_row(r) for r in rows}
    return [
        SearchHit("article", i, rank, snippet, by_id[i].source)
        for i, rank, snippet in hits
        if i in by_id
    ]


def _position_hits(
    session: Session, hits: list[tuple[int, float, str]], limit: int
) -> list[SearchHit]:
    """One hit per statement, at its best rank, naming every topic it was filed under
    (one sentence tagged with three topics, or quoted by three outlets, is one hit)."""
    if not hits:
        return []
    rows = session.execute(positions_stmt().where(Position.id.in_([h[0] for h in hits]))).all()
    by_id = {r[0]: position_row(r) for r in rows}
    best: dict[int, tuple[int, float, str, PositionRow]] = {}
    for i, rank, snippet in hits:
        if i in by_id:
            best.setdefault(by_id[i].statement, (i, rank, snippet, by_id[i]))
    chosen = list(best.values())[:limit]
    ids = [p.statement_id for *_x, p in chosen if p.statement_id is not None]
    topics: dict[int, list[str]] = {}
    if ids:
        for statement, topic in session.execute(
            select(Position.statement_id, Position.topic)
            .where(Position.statement_id.in_(ids))
            .order_by(Position.id)
        ).all():
            if topic not in topics.setdefault(statement, []):
                topics[statement].append(topic)
    out = []
    for i, rank, snippet, p in chosen:
        topic = ", ".join(topics.get(p.statement, [p.topic]))
        out.append(
            SearchHit(
                "position", i, rank, snippet, p.source, p.actor, p.speaker, topic, p.statement
            )
        )
    return out
