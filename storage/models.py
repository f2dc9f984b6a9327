"""The ledger's tables. Storage knows articles and positions, nothing of chat.

A *story* groups the articles on one event — near-duplicates (one wire story carried by
several outlets) and different outlets' own reports of it within a few days
(`bot.indexer.stories`) — so digests and counts can say "also reported by N outlets"
instead of repeating it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
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


def _article_day(context: Any) -> dt.date | None:
    """A position written without its own date was said on its article's date."""
    return context.get_current_parameters().get("published")


def _article_day_iso(context: Any) -> str | None:
    published = _article_day(context)
    return published.isoformat() if published else None


class Statement(Base):
    """One thing said once: the positions of every article reporting it share its id.

    A row of its own (like `Story`) so a statement's id exists before any report of it is
    written, and a statement reported by one article needs no second write.
    """

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)


class Position(Base):
    __tablename__ = "positions"
    __table_args__ = (
        # "newest first" is by when it was said, not when the article ran; every command
        # names a topic, so the topic leads; is_repeat sits before the date so "one row per
        # statement, newest first" is an ordered range, and the id ends it so ties need no
        # sort on PostgreSQL either; the actor, last, lets since:/until: counts read the
        # index alone. The second serves per-actor pages and counts. Migration 0005.
        Index(
            "ix_positions_topic_repeat_stated", "topic", "is_repeat", "stated_date", "id", "actor"
        ),
        Index(
            "ix_positions_topic_repeat_actor_stated",
            "topic",
            "is_repeat",
            "actor",
            "stated_date",
            "id",
        ),
        Index("ix_positions_speaker_stated", "speaker", "is_repeat", "stated_date"),  # /who
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
    # When it was said, as precise as the text allows: "2018-01-05", "2018-01" or "2018".
    # The stated_* columns and statement_id are nullable in the schema only because SQLite
    # cannot add a NOT NULL column without rebuilding the table (which would drop the
    # full-text triggers); every write sets them and migration 0004 backfilled them.
    stated_on: Mapped[str] = mapped_column(String(10), nullable=True, default=_article_day_iso)
    # The first day of the stated period: what ordering and since:/until: compare.
    stated_date: Mapped[dt.date] = mapped_column(Date, nullable=True, default=_article_day)
    # Why that date: "article date", "explicit date: on 3 March 2026", "relative date:
    # last week", "background clause: In 2018 … had suspended", "same statement as …".
    stated_basis: Mapped[str] = mapped_column(String(300), nullable=True, default="article date")
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id"), index=True, nullable=True
    )
    # Another article's report of a statement already on record under this topic: the
    # statement is shown (and counted) once, by its first report.
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Toward the other state: critical | neutral | conciliatory, and the words behind it.
    stance: Mapped[str | None] = mapped_column(String(20))
    stance_cue: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=_utcnow, server_default=func.current_timestamp(), index=True
    )

    article: Mapped[Article] = relationship(back_populates="positions")


class LedgerVersion(Base):
    """One row whose counter database triggers move on every update or delete of positions
    and every delete of articles (migration 0008). With the newest ids it keys cached
    counts: whoever wrote, the key moves, and while only the ids moved the counts take in
    just the new rows. On PostgreSQL an insert into either table first locks this row
    until its commit, so ids are drawn in commit order (migration 0009)."""

    __tablename__ = "ledger_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    changes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


# ---------------------------------------------------------------- digests and alerts


class Subscription(Base):
    """A channel's digest schedule: the source of truth the scheduler's jobs derive from."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("platform", "channel", name="uq_subscription_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))  # every caller says which
    channel: Mapped[str] = mapped_column(String(100))
    time_of_day: Mapped[str] = mapped_column(String(5))  # "08:00", local to `timezone`
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name: "Asia/Karachi"
    days: Mapped[str] = mapped_column(String(40), default="daily")  # daily | weekdays | mon,thu
    topics: Mapped[str] = mapped_column(String(1000), default="")  # topic ids, comma-separated
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow, onupdate=_utcnow)


class DigestRun(Base):
    """One (subscription, period) run, claimed in the database before anything is posted.

    The unique constraint is what makes a digest post once across processes: the second
    claimant's INSERT fails. `messages_posted` lets a run resumed after a crash continue
    with the next message instead of repeating the first.
    """

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("subscription_id", "period", name="uq_digest_run_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(40))  # scheduled fire time, UTC ISO minute
    status: Mapped[str] = mapped_column(String(20))  # claimed | posted | empty | failed
    claimed_by: Mapped[str] = mapped_column(String(100))  # host:pid
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime)
    window_end: Mapped[dt.datetime] = mapped_column(DateTime)
    messages_posted: Mapped[int] = mapped_column(Integer, default=0)
    thread_ref: Mapped[str | None] = mapped_column(String(100))  # first message's ts / id
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text)


class Follow(Base):
    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("platform", "user_id", "topic", "actor", name="uq_follow"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))  # every caller says which
    user_id: Mapped[str] = mapped_column(String(100), index=True)
    topic: Mapped[str] = mapped_column(String(100), index=True)
    actor: Mapped[str] = mapped_column(String(100), default="")  # "" = any actor
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)


class AlertDelivery(Base):
    """One alert message per (user, article): recorded so a retry never alerts twice."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("platform", "user_id", "article_id", name="uq_alert_delivery"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))  # every caller says which
    user_id: Mapped[str] = mapped_column(String(100))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)


class ProcessedEvent(Base):
    """Chat deliveries already handled (event ids, retried commands), across restarts."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow, index=True)


# ---------------------------------------------------------------- administration


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow, index=True)
    platform: Mapped[str] = mapped_column(String(20), default="cli")
    user_id: Mapped[str | None] = mapped_column(String(100))
    # ingest | retract | topic-add | alias-add | grant-ingest | revoke-ingest | digest-…
    action: Mapped[str] = mapped_column(String(50), index=True)
    subject: Mapped[str] = mapped_column(String(500))
    detail: Mapped[str | None] = mapped_column(Text)


class IngestGrant(Base):
    """Users allowed to ingest, set by admins in chat; when any exist they replace the
    INGEST_ALLOWED_USERS setting."""

    __tablename__ = "ingest_grants"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_ingest_grant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))  # every caller says which
    user_id: Mapped[str] = mapped_column(String(100))
    granted_by: Mapped[str | None] = mapped_column(String(100))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)


class CustomTopic(Base):
    """A topic added by an admin; merged into config/topics.yaml's taxonomy at load."""

    __tablename__ = "custom_topics"

    topic_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    label: Mapped[str] = mapped_column(String(300))
    added_by: Mapped[str | None] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)


class TopicAlias(Base):
    __tablename__ = "topic_aliases"

    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    topic_id: Mapped[str] = mapped_column(String(100), index=True)
    added_by: Mapped[str | None] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)


# ---------------------------------------------------------------- feeds


class Feed(Base):
    """An RSS or Atom feed polled on its own schedule, and where its polling stands.

    `claimed_by`/`claimed_at` hold a poll the way digest_runs hold a run: set by a
    compare-and-set UPDATE, so of two processes finding the feed due only one polls it.
    """

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str | None] = mapped_column(String(500))
    topics: Mapped[str] = mapped_column(String(1000), default="")  # topic ids, comma-separated
    interval_minutes: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(100))
    platform: Mapped[str] = mapped_column(String(20), default="cli")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    # validators of the last full answer, sent back for a conditional GET
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_polled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    items_ingested: Mapped[int] = mapped_column(Integer, default=0)
    next_due_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class FeedEntry(Base):
    """An entry of a feed already seen, keyed by a hash of its id (or link): a re-poll,
    or another process, never ingests it again. 'pending' rows are entries a poll took
    on and had not finished; the next holder of the feed's claim finishes them."""

    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("feed_id", "entry_key", name="uq_feed_entry"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    entry_key: Mapped[str] = mapped_column(String(64))  # sha256 hex of the entry's id or link
    link: Mapped[str | None] = mapped_column(String(2000))
    # pending | new | near-duplicate | duplicate | refused | skipped
    status: Mapped[str] = mapped_column(String(20))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    detail: Mapped[str | None] = mapped_column(String(500))
    published: Mapped[dt.datetime | None] = mapped_column(DateTime)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)


# ---------------------------------------------------------------- corrections


class Correction(Base):
    """An analyst's correction of one statement: wrong state, speaker or topic, not a
    stance, or a duplicate of another statement.

    Keyed by what the statement *says* where it was reported (`CorrectionReport`: article
    content hash + normalised evidence), not by a row id, so it outlives re-ingest and
    re-extraction; `statement_id` is only the id shown when it was made.
    """

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    # state | speaker | topic | not-stance | duplicate
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str | None] = mapped_column(String(300))  # the right actor/speaker/topic
    from_topic: Mapped[str | None] = mapped_column(String(100))  # topic: the one replaced
    statement_id: Mapped[int] = mapped_column(Integer)
    # The statement as the extractor gave it when corrected (for the export and the eval).
    actor: Mapped[str] = mapped_column(String(100))
    speaker: Mapped[str | None] = mapped_column(String(200))
    topics: Mapped[str] = mapped_column(String(1000))  # comma-separated topic ids
    claim: Mapped[str] = mapped_column(String(500))
    evidence: Mapped[str] = mapped_column(Text)
    position_kind: Mapped[str] = mapped_column(String(20))
    # when it was said: another outlet's later report of it is looked for near this date
    stated_date: Mapped[dt.date | None] = mapped_column(Date)
    # duplicate: the statement merged into, by the same stable key
    target_hash: Mapped[str | None] = mapped_column(String(64))
    target_evidence_key: Mapped[str | None] = mapped_column(String(64))
    target_actor: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str | None] = mapped_column(String(100))
    platform: Mapped[str] = mapped_column(String(20), default="cli")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow, index=True)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    undone_by: Mapped[str | None] = mapped_column(String(100))
    undone_reason: Mapped[str | None] = mapped_column(String(200))


class CorrectionReport(Base):
    """One article's report of a corrected statement, by content: how a re-ingested or
    re-extracted article finds the corrections that apply to it."""

    __tablename__ = "correction_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    correction_id: Mapped[int] = mapped_column(
        ForeignKey("corrections.id", ondelete="CASCADE"), index=True
    )
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    evidence_key: Mapped[str] = mapped_column(String(64))  # sha256 of normalised evidence
    actor: Mapped[str] = mapped_column(String(100))
    evidence: Mapped[str] = mapped_column(Text)  # this article's sentence, for the export
    source_path: Mapped[str | None] = mapped_column(String(1000))  # for the export's name


class CorrectionChange(Base):
    """What a correction changed in one position row, so undo can put it back.

    No foreign key to positions: "not a stance" deletes the rows, and the snapshot is what
    brings them back.
    """

    __tablename__ = "correction_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    correction_id: Mapped[int] = mapped_column(
        ForeignKey("corrections.id", ondelete="CASCADE"), index=True
    )
    position_id: Mapped[int] = mapped_column(Integer, index=True)
    article_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[str] = mapped_column(Text)  # JSON: the changed columns' old values
