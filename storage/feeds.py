"""Feed storage: the feeds polled, their poll state, the claim of a poll, and the entries
seen. Owns every statement on `feeds` and `feed_entries`; knows nothing of HTTP or chat.

Exactly-once rests on the database, as for digests (storage.claims):

* a poll is claimed with a compare-and-set UPDATE (… WHERE claimed_by IS NULL, or the
  holder's lease has lapsed, AND the feed is due), so of two processes finding a feed due
  only the one whose UPDATE matched polls it;
* every write of the poll carries `claimed_by = <holder>` in its WHERE clause and renews
  the lease: a holder that lost its claim (a long stall, then a takeover) finds its write
  refused and stops;
* an entry is remembered by INSERTing (feed, hash of its id) before it is ingested; the
  unique constraint keeps a second insert out, so an entry is taken on once, and a
  'pending' one left by a holder that died is finished by the next holder.

Datetimes are naive UTC, as everywhere in the ledger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage import audit
from storage.db import Database
from storage.models import Feed, FeedEntry

PENDING, SKIPPED, REFUSED = "pending", "skipped", "refused"
INGESTED = ("new", "near-duplicate")  # the statuses that added an article
MAX_ERROR_CHARS = 500
MAX_DETAIL_CHARS = 500


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _naive(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when


def _rowcount(result: object) -> int:
    """Rows an UPDATE matched (a CursorResult's count; `execute` is typed as Result)."""
    return int(getattr(result, "rowcount", 0))


def entry_key(identity: str) -> str:
    """The stored key of an entry: a fixed-size hash, since ids and links can be long."""
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class FeedRow:
    id: int
    url: str
    title: str | None
    topics: tuple[str, ...]
    interval_minutes: int
    created_by: str | None
    platform: str
    created_at: dt.datetime
    etag: str | None
    last_modified: str | None
    last_polled_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_error_at: dt.datetime | None
    last_error: str | None
    consecutive_errors: int
    items_ingested: int
    next_due_at: dt.datetime
    claimed_by: str | None
    claimed_at: dt.datetime | None


def _row(feed: Feed) -> FeedRow:
    return FeedRow(
        id=feed.id,
        url=feed.url,
        title=feed.title,
        topics=tuple(t for t in (feed.topics or "").split(",") if t),
        interval_minutes=feed.interval_minutes,
        created_by=feed.created_by,
        platform=feed.platform,
        created_at=feed.created_at,
        etag=feed.etag,
        last_modified=feed.last_modified,
        last_polled_at=feed.last_polled_at,
        last_success_at=feed.last_success_at,
        last_error_at=feed.last_error_at,
        last_error=feed.last_error,
        consecutive_errors=feed.consecutive_errors,
        items_ingested=feed.items_ingested,
        next_due_at=feed.next_due_at,
        claimed_by=feed.claimed_by,
        claimed_at=feed.claimed_at,
    )


# ---------------------------------------------------------------------------- the feeds


def add_feed(
    session: Session,
    *,
    url: str,
    interval_minutes: int,
    topics: Iterable[str] = (),
    user: str | None = None,
    platform: str = "cli",
    now: dt.datetime | None = None,
) -> FeedRow | None:
    """Add a feed, due at once (its first poll is the next one). None when the URL is
    already a feed: adding it twice would poll it twice."""
    if session.scalar(select(Feed.id).where(Feed.url == url)) is not None:
        return None
    stamp = _naive(now) if now else _utcnow()
    feed = Feed(
        url=url,
        topics=",".join(dict.fromkeys(topics)),
        interval_minutes=interval_minutes,
        created_by=user,
        platform=platform,
        created_at=stamp,
        consecutive_errors=0,
        items_ingested=0,
        next_due_at=stamp,
    )
    session.add(feed)
    session.flush()
    return _row(feed)


def feed_by_url(session: Session, url: str) -> FeedRow | None:
    feed = session.scalar(select(Feed).where(Feed.url == url))
    return _row(feed) if feed else None


def get_feed(session: Session, feed_id: int) -> FeedRow | None:
    feed = session.get(Feed, feed_id)
    return _row(feed) if feed else None


def all_feeds(session: Session) -> list[FeedRow]:
    return [_row(f) for f in session.scalars(select(Feed).order_by(Feed.id))]


def remove_feed(session: Session, feed_id: int) -> FeedRow | None:
    """Forget a feed and the entries it saw; the articles it brought in stay in the ledger
    (they are articles like any other). A poll under way loses its claim with the row."""
    feed = session.get(Feed, feed_id)
    if feed is None:
        return None
    row = _row(feed)
    session.execute(delete(FeedEntry).where(FeedEntry.feed_id == feed_id))
    session.execute(delete(Feed).where(Feed.id == feed_id))
    return row


def due_feeds(session: Session, now: dt.datetime) -> list[int]:
    """Ids of the feeds whose next poll is due, most overdue first."""
    rows = session.scalars(
        select(Feed.id).where(Feed.next_due_at <= _naive(now)).order_by(Feed.next_due_at, Feed.id)
    )
    return list(rows)


# ---------------------------------------------------------------------------- claims


def claim_poll(
    db: Database,
    feed_id: int,
    *,
    worker: str,
    now: dt.datetime,
    lease: dt.timedelta,
    force: bool = False,
) -> FeedRow | None:
    """Claim the feed's next poll for `worker`: returns the feed as claimed, or None when
    it is not due (unless `force`), gone, or held by a live claim elsewhere. One UPDATE
    decides, so two processes cannot both win; a claim older than `lease` is presumed
    dead and may be taken over."""
    stamp = _naive(now)
    conditions = [
        Feed.id == feed_id,
        or_(Feed.claimed_by.is_(None), Feed.claimed_at <= stamp - lease),
    ]
    if not force:
        conditions.append(Feed.next_due_at <= stamp)
    with db.session() as session:
        result = session.execute(
            update(Feed).where(*conditions).values(claimed_by=worker, claimed_at=stamp)
        )
        if _rowcount(result) != 1:
            return None
        feed = session.get(Feed, feed_id)
        assert feed is not None
        session.refresh(feed)
        return _row(feed)


def _renew(session: Session, feed_id: int, worker: str, now: dt.datetime) -> bool:
    """Renew the lease inside the caller's transaction; False when the claim is lost (the
    caller must then write nothing more)."""
    result = session.execute(
        update(Feed)
        .where(Feed.id == feed_id, Feed.claimed_by == worker)
        .values(claimed_at=_naive(now))
    )
    return _rowcount(result) == 1


def backoff(interval_minutes: int, errors: int, cap_minutes: int) -> dt.timedelta:
    """How long after a failed poll the next one is due: the interval doubled per error
    in a row (1 error: 2×, 2: 4×…), never more than the cap, never less than the interval."""
    minutes = interval_minutes * (2 ** min(errors, 20))
    return dt.timedelta(minutes=max(interval_minutes, min(minutes, cap_minutes)))


def record_success(
    db: Database,
    feed_id: int,
    *,
    worker: str,
    now: dt.datetime,
    etag: str | None,
    last_modified: str | None,
    title: str | None = None,
) -> bool:
    """End a poll that worked: validators for the next conditional GET, errors reset,
    next poll one interval on, claim released. False: the claim was no longer ours."""
    stamp = _naive(now)
    values: dict[str, object] = {
        "etag": etag[:500] if etag else None,
        "last_modified": last_modified[:100] if last_modified else None,
        "last_polled_at": stamp,
        "last_success_at": stamp,
        "consecutive_errors": 0,
        "claimed_by": None,
        "claimed_at": None,
    }
    if title:
        values["title"] = title[:500]
    with db.session() as session:
        feed = session.get(Feed, feed_id)
        if feed is None or feed.claimed_by != worker:
            return False
        values["next_due_at"] = stamp + dt.timedelta(minutes=feed.interval_minutes)
        result = session.execute(
            update(Feed).where(Feed.id == feed_id, Feed.claimed_by == worker).values(**values)
        )
        return _rowcount(result) == 1


def record_failure(
    db: Database,
    feed_id: int,
    *,
    worker: str,
    now: dt.datetime,
    error: str,
    cap_minutes: int,
) -> FeedRow | None:
    """End a poll that failed: the error kept for /feeds list, the next poll backed off
    exponentially, claim released. The validators stay (the last good answer's). None:
    the claim was no longer ours."""
    stamp = _naive(now)
    with db.session() as session:
        feed = session.get(Feed, feed_id)
        if feed is None or feed.claimed_by != worker:
            return None
        errors = feed.consecutive_errors + 1
        delay = backoff(feed.interval_minutes, errors, cap_minutes)
        result = session.execute(
            update(Feed)
            .where(Feed.id == feed_id, Feed.claimed_by == worker)
            .values(
                last_polled_at=stamp,
                last_error_at=stamp,
                last_error=" ".join(error.split())[:MAX_ERROR_CHARS],
                consecutive_errors=errors,
                next_due_at=stamp + delay,
                claimed_by=None,
                claimed_at=None,
            )
        )
        if _rowcount(result) != 1:
            return None
        session.refresh(feed)
        return _row(feed)


# ---------------------------------------------------------------------------- entries


@dataclass(frozen=True)
class NewEntry:
    """An entry found in the feed, before it is remembered."""

    key: str
    link: str | None
    published: dt.datetime | None
    status: str = PENDING  # or SKIPPED / REFUSED, decided before any fetch
    detail: str | None = None


@dataclass(frozen=True)
class EntryRow:
    id: int
    feed_id: int
    link: str | None
    status: str
    article_id: int | None
    detail: str | None
    published: dt.datetime | None


def _entry(row: FeedEntry) -> EntryRow:
    return EntryRow(
        row.id, row.feed_id, row.link, row.status, row.article_id, row.detail, row.published
    )


def remember_entries(
    db: Database, feed_id: int, entries: Sequence[NewEntry], *, worker: str, now: dt.datetime
) -> int | None:
    """Insert the entries not seen before, in one transaction with a check that the claim
    is still ours; returns how many were new, or None when the claim was lost (then
    nothing is written)."""
    with db.session() as session:
        if not _renew(session, feed_id, worker, now):
            return None
        keys = [e.key for e in entries]
        seen: set[str] = set()
        for start in range(0, len(keys), 500):
            seen.update(
                session.scalars(
                    select(FeedEntry.entry_key).where(
                        FeedEntry.feed_id == feed_id,
                        FeedEntry.entry_key.in_(keys[start : start + 500]),
                    )
                )
            )
        added = 0
        for entry in entries:
            if entry.key in seen:
                continue
            seen.add(entry.key)
            session.add(
                FeedEntry(
                    feed_id=feed_id,
                    entry_key=entry.key,
                    link=entry.link[:2000] if entry.link else None,
                    status=entry.status,
                    detail=entry.detail[:MAX_DETAIL_CHARS] if entry.detail else None,
                    published=_naive(entry.published) if entry.published else None,
                    seen_at=_naive(now),
                )
            )
            added += 1
        return added


def pending_entries(session: Session, feed_id: int) -> list[EntryRow]:
    """Entries taken on and not yet ingested, oldest first (by the feed's own date where
    it gave one), so the ledger receives a feed's articles in the order they appeared."""
    rows = session.scalars(
        select(FeedEntry)
        .where(FeedEntry.feed_id == feed_id, FeedEntry.status == PENDING)
        .order_by(FeedEntry.published.is_(None), FeedEntry.published, FeedEntry.id)
    )
    return [_entry(r) for r in rows]


def finish_entry(
    db: Database,
    entry_id: int,
    feed_id: int,
    *,
    worker: str,
    now: dt.datetime,
    status: str,
    article_id: int | None = None,
    detail: str | None = None,
    title: str | None = None,
) -> bool:
    """Record what ingesting a pending entry gave, count it and write its audit entry
    (user "feed:<id>") when it added an article, and renew the lease — one transaction.
    False: the claim is lost; the caller stops."""
    with db.session() as session:
        if not _renew(session, feed_id, worker, now):
            return False
        result = session.execute(
            update(FeedEntry)
            .where(FeedEntry.id == entry_id, FeedEntry.status == PENDING)
            .values(
                status=status,
                article_id=article_id,
                detail=detail[:MAX_DETAIL_CHARS] if detail else None,
            )
        )
        if _rowcount(result) == 1 and status in INGESTED:
            session.execute(
                update(Feed)
                .where(Feed.id == feed_id)
                .values(items_ingested=Feed.items_ingested + 1)
            )
            link = session.scalar(select(FeedEntry.link).where(FeedEntry.id == entry_id))
            audit.record(
                session,
                action=audit.INGEST,
                subject=audit.ingest_subject(article_id, title),
                user=f"feed:{feed_id}",
                platform="feed",
                detail=link,
            )
        return True


def entries_of(session: Session, feed_id: int) -> list[EntryRow]:
    rows = session.scalars(
        select(FeedEntry).where(FeedEntry.feed_id == feed_id).order_by(FeedEntry.id)
    )
    return [_entry(r) for r in rows]


def entry_counts(session: Session, feed_id: int) -> dict[str, int]:
    rows = session.execute(
        select(FeedEntry.status, func.count())
        .where(FeedEntry.feed_id == feed_id)
        .group_by(FeedEntry.status)
    ).all()
    return {status: count for status, count in rows}
