"""The write side of the ledger, and the look-ups ingest needs to stay idempotent.

Takes plain values, not indexer objects, so storage depends on nothing above it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.models import Article, Position, Story


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
) -> Article:
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
    session.add_all(
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
        )
        for p in positions
    )
    session.flush()
    return row


def article_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0


def positions_for_export(
    session: Session,
    *,
    topic: str | None = None,
    actor: str | None = None,
    since: dt.date | None = None,
) -> Iterable[tuple[Position, Article]]:
    """Every position with its article, newest first, for the JSON export."""
    stmt = select(Position, Article).join(Article, Position.article_id == Article.id)
    if topic:
        stmt = stmt.where(Position.topic == topic)
    if actor:
        stmt = stmt.where(Position.actor == actor)
    if since:
        stmt = stmt.where(Position.published >= since)
    stmt = stmt.order_by(Position.published.desc(), Position.id)
    yield from session.execute(stmt).tuples()


def articles_for_export(session: Session) -> Iterable[Article]:
    yield from session.scalars(select(Article).order_by(Article.published.desc(), Article.id))


def seed_articles_present(session: Session) -> bool:
    return session.scalar(select(Article.id).where(Article.origin == "seed").limit(1)) is not None
