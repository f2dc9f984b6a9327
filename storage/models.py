"""The ledger's tables. Storage knows articles and positions, nothing of chat.

A *story* groups near-duplicate articles (one wire story carried by several outlets), so
digests and counts can say "also reported by N outlets" instead of repeating it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Story(Base):
    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    articles: Mapped[list[Article]] = relationship(back_populates="story")


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    source: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000), unique=True)
    source_path: Mapped[str | None] = mapped_column(String(1000))
    origin: Mapped[str] = mapped_column(String(20))  # seed | file | url | stdin | chat
    published: Mapped[dt.date] = mapped_column(Date, index=True)
    # "day" | "month": the gold and many outlets only give a month
    date_precision: Mapped[str] = mapped_column(String(10), default="day")
    # where the date came from: front-matter | metadata | text | html | inferred: … | ingest-date
    date_basis: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    gist: Mapped[str] = mapped_column(String(400))
    word_count: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # 64-bit SimHash of word shingles, stored signed so it fits BIGINT on every engine.
    simhash: Mapped[int] = mapped_column(BigInteger)
    # Four 16-bit bands of the SimHash: two texts within 3 bits share at least one band,
    # so candidate near-duplicates are an indexed lookup, not a scan.
    band0: Mapped[int] = mapped_column(Integer, index=True)
    band1: Mapped[int] = mapped_column(Integer, index=True)
    band2: Mapped[int] = mapped_column(Integer, index=True)
    band3: Mapped[int] = mapped_column(Integer, index=True)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow, index=True)
    ingested_by: Mapped[str | None] = mapped_column(String(100))

    story: Mapped[Story] = relationship(back_populates="articles")
    positions: Mapped[list[Position]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True
    )


class Position(Base):
    __tablename__ = "positions"
    __table_args__ = (
        Index("ix_positions_topic_published", "topic", "published"),
        Index("ix_positions_actor_topic_published", "actor", "topic", "published"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    actor: Mapped[str] = mapped_column(String(100))
    speaker: Mapped[str | None] = mapped_column(String(200))
    speaker_office: Mapped[str | None] = mapped_column(String(300))
    topic: Mapped[str] = mapped_column(String(100))
    claim: Mapped[str] = mapped_column(String(500))
    evidence: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))  # quote | reported | action
    # Denormalised from the article so "newest first" needs no join.
    published: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=_utcnow, server_default=func.current_timestamp(), index=True
    )

    article: Mapped[Article] = relationship(back_populates="positions")
