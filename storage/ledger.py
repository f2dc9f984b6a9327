"""The write side of the ledger, and the look-ups ingest needs to stay idempotent.

Takes plain values, not indexer objects, so storage depends on nothing above it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import false, func, or_, select, true
from sqlalchemy.orm import Session

from storage import corrections
from storage.models import Article, Position, Statement, Story


class FingerprintLike(Protocol):
    hash: str
    simhash: int
    bands: tuple[int, int, int, int]


class PositionLike(Protocol):
    actor: str
    speaker: str | None
    speaker_office: str | None
    topic: str
    claim: str
    evidence: str
    kind: str
    stated_on: str | None
    stated_basis: str | None
    stance: str | None
    stance_cue: str | None


@dataclass(frozen=True)
class StatementReport:
    """An earlier report of a statement, as the "said once" comparison needs it."""

    position_id: int
    statement_id: int
    article_id: int
    actor: str
    speaker: str | None
    topic: str
    claim: str
    evidence: str
    stated_on: str
    stated_date: dt.date
    stated_basis: str


# (new position, an earlier report) -> the same statement?
SameStatement = Callable[[PositionLike, StatementReport], bool]


class ArticleLike(Protocol):
    title: str
    text: str
    source: str | None
    url: str | None
    source_path: str | None
    origin: str
    published: dt.date
    date_precision: str
    date_basis: str
    ingested_by: str | None


@dataclass(frozen=True)
class ArticleRef:
    id: int
    story_id: int
    title: str
    gist: str
    ingested_at: dt.datetime


def _ref(row: Article) -> ArticleRef:
    return ArticleRef(row.id, row.story_id, row.title, row.gist, row.ingested_at)


def article_by_url(session: Session, url: str) -> ArticleRef | None:
    row = session.scalar(select(Article).where(Article.url == url))
    return _ref(row) if row else None


def find_duplicate(session: Session, *, url: str | None, content_hash: str) -> ArticleRef | None:
    """An article with the same URL or the same normalised text."""
    cond = Article.content_hash == content_hash
    if url:
        cond = or_(cond, Article.url == url)
    row = session.scalars(select(Article).where(cond).order_by(Article.id).limit(1)).first()
    return _ref(row) if row else None


def near_duplicate(
    session: Session,
    text: str,
    fingerprint: FingerprintLike,
    threshold: float,
    similarity: Callable[[str, str], float],
    *,
    max_candidates: int = 50,
) -> ArticleRef | None:
    """The earliest article telling the same story: shares a SimHash band, then confirmed
    by shingle similarity (so a band collision alone never merges two stories)."""
    b = fingerprint.bands
    rows = session.scalars(
        select(Article)
        .where(
            or_(
                Article.band0 == b[0],
                Article.band1 == b[1],
                Article.band2 == b[2],
                Article.band3 == b[3],
            )
        )
        .order_by(Article.id)
        .limit(max_candidates)
    ).all()
    for row in rows:
        if similarity(text, row.text) >= threshold:
            return _ref(row)
    return None


def add_article(
    session: Session,
    article: ArticleLike,
    *,
    fingerprint: FingerprintLike,
    summary: str,
    gist: str,
    positions: Iterable[PositionLike],
    story_id: int | None = None,
    same_statement: SameStatement | None = None,
    window_days: int = 14,
) -> Article:
    """Write an article and its positions; each position joins the statement it reports
    (see `_statement_for`) when `same_statement` recognises an earlier report of it."""
    if story_id is None:
        story = Story()
        session.add(story)
        session.flush()
        story_id = story.id
    b = fingerprint.bands
    row = Article(
        story_id=story_id,
        title=article.title[:500],
        source=article.source,
        url=article.url,
        source_path=article.source_path,
        origin=article.origin,
        published=article.published,
        date_precision=article.date_precision,
        date_basis=article.date_basis[:500],
        text=article.text,
        summary=summary,
        gist=gist[:400],
        word_count=len(article.text.split()),
        content_hash=fingerprint.hash,
        simhash=fingerprint.simhash,
        band0=b[0],
        band1=b[1],
        band2=b[2],
        band3=b[3],
        ingested_by=article.ingested_by,
    )
    session.add(row)
    session.flush()
    # this article's sentences already given a statement, and the (statement, topic)
    # pairs already written: one sentence filed under several topics asks the database once
    sentences: dict[tuple[str, str], tuple[int, str, str]] = {}
    written: set[tuple[int, str]] = set()
    fresh: set[int] = set()  # statements first seen in this article: no earlier reports
    for p in positions:
        stated_on = p.stated_on or _iso(article.published, article.date_precision)
        stated_basis = p.stated_basis or "article date"
        key = (p.actor, p.evidence)
        if key in sentences:
            statement_id, stated_on, stated_basis = sentences[key]
        else:
            statement_id, stated_on, stated_basis, created = _statement_for(
                session, p, row.id, stated_on, stated_basis, same_statement, window_days
            )
            if created:
                fresh.add(statement_id)
            sentences[key] = (statement_id, stated_on, stated_basis)
        repeat = (statement_id, p.topic) in written or (
            statement_id not in fresh
            and session.scalar(
                select(Position.id)
                .where(Position.statement_id == statement_id, Position.topic == p.topic)
                .limit(1)
            )
            is not None
        )
        written.add((statement_id, p.topic))
        session.add(
            Position(
                article_id=row.id,
                actor=p.actor,
                speaker=p.speaker,
                speaker_office=p.speaker_office,
                topic=p.topic,
                claim=p.claim[:500],
                evidence=p.evidence,
                kind=p.kind,
                published=article.published,
                stated_on=stated_on,
                stated_date=period_start(stated_on),
                stated_basis=stated_basis[:300],
                statement_id=statement_id,
                is_repeat=repeat,
                stance=p.stance,
                stance_cue=p.stance_cue[:300] if p.stance_cue else None,
            )
        )
        session.flush()
    # analysts' corrections of this text's statements survive its re-ingest
    corrections.reapply(session, row.id, row.content_hash, same_statement)
    return row


def _iso(date: dt.date, precision: str) -> str:
    if precision == "year":
        return f"{date:%Y}"
    if precision == "month":
        return f"{date:%Y-%m}"
    return date.isoformat()


def period_start(on: str) -> dt.date:
    """The first day of an ISO date at any precision: "2018" -> 2018-01-01."""
    parts = [int(x) for x in on.split("-")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


def _report(p: Position) -> StatementReport:
    return StatementReport(
        p.id,
        p.statement_id if p.statement_id is not None else p.id,
        p.article_id,
        p.actor,
        p.speaker,
        p.topic,
        p.claim,
        p.evidence,
        p.stated_on,
        p.stated_date,
        p.stated_basis,
    )


def _statement_for(
    session: Session,
    p: PositionLike,
    article_id: int,
    stated_on: str,
    stated_basis: str,
    same: SameStatement | None,
    window_days: int,
) -> tuple[int, str, str, bool]:
    """The statement this position reports, the date it carries, and whether the
    statement is new (first reported here).

    Candidates are the first reports of the same actor's statements on the same topic
    near the stated date (an ix_positions_actor_topic_stated range). One sentence tagged
    with several topics is one statement: `add_article` asks here once per sentence.
    A statement keeps one date: the best grounded of its reports (a date read from the
    sentence beats an article's date; among equals the earliest, since a statement is
    never made after its first report), and every report is aligned to it.
    """
    start = period_start(stated_on)
    window = dt.timedelta(days=window_days)
    match: Position | None = None
    if same is not None:
        rows = session.scalars(
            select(Position)
            .where(
                Position.actor == p.actor,
                Position.topic == p.topic,
                Position.is_repeat == false(),  # each statement once, by its first report
                Position.stated_date >= start - window,
                Position.stated_date <= start + window,
                Position.article_id != article_id,
                # a named speaker's statement is another named speaker's only if they are
                # the same person (unnamed reports may be anyone's)
                or_(Position.speaker == p.speaker, Position.speaker.is_(None))
                if p.speaker
                else true(),
            )
            .order_by(Position.stated_date, Position.id)
            .limit(200)
        ).all()
        for row in rows:
            if (row.speaker or None) != (p.speaker or None) and row.speaker and p.speaker:
                continue
            if same(p, _report(row)):
                match = row
                break
    if match is None:
        statement = Statement()
        session.add(statement)
        session.flush()
        return statement.id, stated_on, stated_basis, True
    statement_id = match.statement_id if match.statement_id is not None else match.id
    if _better(stated_on, stated_basis, match.stated_on, match.stated_basis):
        # this report dates the statement better: every earlier report follows it
        for earlier in session.scalars(
            select(Position).where(Position.statement_id == statement_id)
        ):
            earlier.stated_on = stated_on
            earlier.stated_date = start
            earlier.stated_basis = stated_basis[:300]
        return statement_id, stated_on, stated_basis, False
    return statement_id, match.stated_on, match.stated_basis, False


def _better(on: str, basis: str, than_on: str, than_basis: str) -> bool:
    grounded = not basis.startswith("article date")
    than_grounded = not than_basis.startswith("article date")
    if grounded != than_grounded:
        return grounded
    return period_start(on) < period_start(than_on)


def article_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0


def positions_for_export(
    session: Session,
    *,
    topic: str | None = None,
    actor: str | None = None,
    since: dt.date | None = None,
) -> Iterable[tuple[Position, Article]]:
    """Every position with its article, newest said first, for the JSON export."""
    stmt = select(Position, Article).join(Article, Position.article_id == Article.id)
    if topic:
        stmt = stmt.where(Position.topic == topic)
    if actor:
        stmt = stmt.where(Position.actor == actor)
    if since:
        stmt = stmt.where(Position.stated_date >= since)
    stmt = stmt.order_by(Position.stated_date.desc(), Position.id)
    yield from session.execute(stmt).tuples()


def articles_for_export(session: Session) -> Iterable[Article]:
    yield from session.scalars(select(Article).order_by(Article.published.desc(), Article.id))


def seed_articles_present(session: Session) -> bool:
    return session.scalar(select(Article.id).where(Article.origin == "seed").limit(1)) is not None
