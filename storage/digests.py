"""Digest and alert storage: subscriptions, run claims, follows, alert deliveries, and the
digest's read queries ("what came in between two instants").

Owns every statement on `subscriptions`, `digest_runs`, `follows` and `alert_deliveries`.

Exactly-once rests on two constraints, not on locks: a run is claimed by INSERTing its
(subscription, period) row — the unique constraint lets exactly one process in; an alert is
claimed by INSERTing (user, article). A claim whose holder died is taken over with a
compare-and-set UPDATE (… WHERE claimed_by = <old holder> AND claimed_at = <old stamp>), so
two processes noticing the same dead claim cannot both win. Every progress write carries
the holder in its WHERE clause too: a process that lost its claim (a long stall, then a
takeover) finds its writes refused and stops posting.

Plain SQLAlchemy constructs only: the same code runs on SQLite and PostgreSQL. Datetimes
are naive UTC, as everywhere in the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, false, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import AlertDelivery, Article, DigestRun, Follow, Position, Subscription
from storage.queries import ArticleRow, PositionRow, _article, _articles_stmt, _position
from storage.queries import _positions_stmt as positions_stmt

CLAIMED, POSTED, EMPTY, FAILED = "claimed", "posted", "empty", "failed"
DONE = (POSTED, EMPTY)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _naive(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when


# ---------------------------------------------------------------------------- subscriptions


@dataclass(frozen=True)
class SubscriptionRow:
    id: int
    platform: str
    channel: str
    time_of_day: str
    timezone: str
    days: str
    topics: tuple[str, ...]
    active: bool
    created_by: str | None
    created_at: dt.datetime


def _sub(row: Subscription) -> SubscriptionRow:
    topics = tuple(t for t in (row.topics or "").split(",") if t)
    return SubscriptionRow(
        row.id,
        row.platform,
        row.channel,
        row.time_of_day,
        row.timezone,
        row.days,
        topics,
        row.active,
        row.created_by,
        row.created_at,
    )


def save_subscription(
    session: Session,
    *,
    platform: str,
    channel: str,
    time_of_day: str,
    timezone: str,
    days: str,
    topics: Iterable[str] = (),
    user: str | None = None,
    now: dt.datetime | None = None,
) -> SubscriptionRow:
    """Create or replace a channel's schedule (one per channel), and switch it on. The id
    is kept across changes, so the run history and the job id stay the channel's."""
    row = session.scalar(
        select(Subscription).where(
            Subscription.platform == platform, Subscription.channel == channel
        )
    )
    stamp = _naive(now) if now else _utcnow()
    if row is None:
        row = Subscription(platform=platform, channel=channel, created_at=stamp)
        session.add(row)
    row.time_of_day, row.timezone, row.days = time_of_day, timezone, days
    row.topics = ",".join(dict.fromkeys(topics))
    row.active = True
    row.created_by = user or row.created_by
    row.updated_at = stamp
    session.flush()
    return _sub(row)


def subscription_for(session: Session, platform: str, channel: str) -> SubscriptionRow | None:
    row = session.scalar(
        select(Subscription).where(
            Subscription.platform == platform, Subscription.channel == channel
        )
    )
    return _sub(row) if row else None


def subscription(session: Session, subscription_id: int) -> SubscriptionRow | None:
    row = session.get(Subscription, subscription_id)
    return _sub(row) if row else None


def active_subscriptions(session: Session, platform: str | None = None) -> list[SubscriptionRow]:
    stmt = select(Subscription).where(Subscription.active.is_(True))
    if platform is not None:
        stmt = stmt.where(Subscription.platform == platform)
    return [_sub(r) for r in session.scalars(stmt.order_by(Subscription.id))]


def deactivate(session: Session, platform: str, channel: str) -> bool:
    """Switch a channel's digest off; its run history stays (for /digest status)."""
    result = session.execute(
        update(Subscription)
        .where(
            Subscription.platform == platform,
            Subscription.channel == channel,
            Subscription.active.is_(True),
        )
        .values(active=False, updated_at=_utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class RunRow:
    id: int
    subscription_id: int
    period: str
    status: str
    claimed_by: str
    claimed_at: dt.datetime
    finished_at: dt.datetime | None
    window_start: dt.datetime
    window_end: dt.datetime
    messages_posted: int
    thread_ref: str | None
    attempts: int
    error: str | None


def _run(row: DigestRun) -> RunRow:
    return RunRow(
        row.id,
        row.subscription_id,
        row.period,
        row.status,
        row.claimed_by,
        row.claimed_at,
        row.finished_at,
        row.window_start,
        row.window_end,
        row.messages_posted,
        row.thread_ref,
        row.attempts,
        row.error,
    )


@dataclass(frozen=True)
class Claim:
    """A run this process may now post: fresh, or taken over at `messages_posted`."""

    run: RunRow
    resumed: bool


def last_periods(session: Session, subscription_ids: Iterable[int]) -> dict[int, str | None]:
    """Each subscription's newest *scheduled* period with a run (any status). Period keys
    are ISO minutes, so the string maximum is the latest."""
    ids = list(subscription_ids)
    out: dict[int, str | None] = dict.fromkeys(ids)
    if not ids:
        return out
    rows = session.execute(
        select(DigestRun.subscription_id, func.max(DigestRun.period))
        .where(DigestRun.subscription_id.in_(ids), DigestRun.period.not_like("manual:%"))
        .group_by(DigestRun.subscription_id)
    ).all()
    out.update({sid: period for sid, period in rows})
    return out


def last_window_end(session: Session, subscription_id: int) -> dt.datetime | None:
    """Where the next digest starts: the end of the last one that reached the channel (or
    found nothing). A failed run's window is covered again by the next digest."""
    return session.scalar(
        select(func.max(DigestRun.window_end)).where(
            DigestRun.subscription_id == subscription_id, DigestRun.status.in_(DONE)
        )
    )


def first_window_start(session: Session, subscription_id: int) -> dt.datetime | None:
    """Where a subscription's first successful digest starts when earlier runs failed:
    the news those failed runs were meant to carry is not dropped."""
    return session.scalar(
        select(func.min(DigestRun.window_start)).where(DigestRun.subscription_id == subscription_id)
    )


def run_for(session: Session, subscription_id: int, period: str) -> RunRow | None:
    row = session.scalar(
        select(DigestRun).where(
            DigestRun.subscription_id == subscription_id, DigestRun.period == period
        )
    )
    return _run(row) if row else None


def get_run(session: Session, run_id: int) -> RunRow | None:
    row = session.get(DigestRun, run_id)
    return _run(row) if row else None


def recent_runs(session: Session, subscription_id: int, *, limit: int = 5) -> list[RunRow]:
    rows = session.scalars(
        select(DigestRun)
        .where(DigestRun.subscription_id == subscription_id)
        .order_by(DigestRun.claimed_at.desc(), DigestRun.id.desc())
        .limit(limit)
    )
    return [_run(r) for r in rows]


def abandoned_runs(session: Session, *, older_than: dt.datetime) -> list[RunRow]:
    """Runs still 'claimed' whose holder has not written since `older_than`."""
    rows = session.scalars(
        select(DigestRun)
        .where(DigestRun.status == CLAIMED, DigestRun.claimed_at < _naive(older_than))
        .order_by(DigestRun.id)
    )
    return [_run(r) for r in rows]


def claim_run(
    db: Database,
    *,
    subscription_id: int,
    period: str,
    worker: str,
    now: dt.datetime,
    window_start: dt.datetime,
    window_end: dt.datetime,
    lease: dt.timedelta,
    holder_alive: object = None,
) -> Claim | None:
    """Claim (subscription, period) for `worker`, before anything is posted.

    Returns None when another process has it (or it is finished). A 'claimed' run whose
    holder is gone — its lease expired, or `holder_alive(claimed_by)` says False — is taken
    over where it stopped (`messages_posted`, `thread_ref`), with its original window.
    """
    stamp = _naive(now)
    try:
        with db.session() as session:
            row = DigestRun(
                subscription_id=subscription_id,
                period=period,
                status=CLAIMED,
                claimed_by=worker,
                claimed_at=stamp,
                window_start=_naive(window_start),
                window_end=_naive(window_end),
                messages_posted=0,
                attempts=1,
            )
            session.add(row)
            session.flush()
            return Claim(_run(row), resumed=False)
    except IntegrityError:
        pass
    with db.session() as session:
        existing = run_for(session, subscription_id, period)
    if existing is None or existing.status != CLAIMED:
        return None
    expired = existing.claimed_at <= stamp - lease
    dead = callable(holder_alive) and not holder_alive(existing.claimed_by)
    if not (expired or dead):
        return None
    return take_over(db, existing, worker=worker, now=now)


def take_over(db: Database, run: RunRow, *, worker: str, now: dt.datetime) -> Claim | None:
    """Compare-and-set: only one of several processes noticing a dead claim wins it."""
    return _claim_if(
        db,
        run.id,
        (
            DigestRun.status == CLAIMED,
            DigestRun.claimed_by == run.claimed_by,
            DigestRun.claimed_at == run.claimed_at,
        ),
        {
            "claimed_by": worker,
            "claimed_at": _naive(now),
            "attempts": DigestRun.attempts + 1,
        },
    )


def _claim_if(
    db: Database, run_id: int, where: tuple[ColumnElement[bool], ...], values: dict[str, Any]
) -> Claim | None:
    """Update the run only if it is still as the caller saw it; the one process whose
    update matched holds the claim, resumed where the run stands."""
    with db.session() as session:
        result = session.execute(
            update(DigestRun).where(DigestRun.id == run_id, *where).values(**values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = session.get(DigestRun, run_id)
        assert row is not None
        session.refresh(row)
        return Claim(_run(row), resumed=True)


def failed_runs(
    session: Session, subscription_ids: Iterable[int], *, since: dt.datetime
) -> list[RunRow]:
    """Failed scheduled runs (not on-demand ones) of these subscriptions whose window ends
    at or after `since` — the candidates for a retry within the grace."""
    ids = list(subscription_ids)
    if not ids:
        return []
    rows = session.scalars(
        select(DigestRun)
        .where(
            DigestRun.subscription_id.in_(ids),
            DigestRun.status == FAILED,
            DigestRun.period.not_like("manual:%"),
            DigestRun.window_end >= _naive(since),
        )
        .order_by(DigestRun.id)
    )
    return [_run(r) for r in rows]


def retry_run(db: Database, run: RunRow, *, worker: str, now: dt.datetime) -> Claim | None:
    """Claim a failed run again, keeping what it posted (messages_posted, thread_ref) so
    the retry continues after it. Compare-and-set on (status, attempts): of several
    processes retrying the same run, one wins."""
    return _claim_if(
        db,
        run.id,
        (DigestRun.status == FAILED, DigestRun.attempts == run.attempts),
        {
            "status": CLAIMED,
            "claimed_by": worker,
            "claimed_at": _naive(now),
            "finished_at": None,
            "attempts": DigestRun.attempts + 1,
        },
    )


def record_progress(
    db: Database,
    run_id: int,
    *,
    worker: str,
    messages_posted: int,
    thread_ref: str | None,
    now: dt.datetime,
) -> bool:
    """Record a posted message (and renew the lease). False: the claim is no longer ours,
    so the caller must stop posting."""
    with db.session() as session:
        result = session.execute(
            update(DigestRun)
            .where(
                DigestRun.id == run_id,
                DigestRun.claimed_by == worker,
                DigestRun.status == CLAIMED,
            )
            .values(messages_posted=messages_posted, thread_ref=thread_ref, claimed_at=_naive(now))
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


def finish_run(
    db: Database,
    run_id: int,
    *,
    worker: str,
    status: str,
    now: dt.datetime,
    error: str | None = None,
) -> bool:
    assert status in (POSTED, EMPTY, FAILED)
    with db.session() as session:
        result = session.execute(
            update(DigestRun)
            .where(
                DigestRun.id == run_id,
                DigestRun.claimed_by == worker,
                DigestRun.status == CLAIMED,
            )
            .values(status=status, finished_at=_naive(now), error=(error or None))
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- follows and alerts


@dataclass(frozen=True)
class FollowRow:
    id: int
    user_id: str
    topic: str
    actor: str  # "" = any actor


def add_follow(session: Session, *, platform: str, user: str, topic: str, actor: str = "") -> bool:
    """False when the user already follows exactly this."""
    present = session.scalar(
        select(Follow.id).where(
            Follow.platform == platform,
            Follow.user_id == user,
            Follow.topic == topic,
            Follow.actor == actor,
        )
    )
    if present is not None:
        return False
    session.add(Follow(platform=platform, user_id=user, topic=topic, actor=actor))
    session.flush()
    return True


def remove_follow(
    session: Session, *, platform: str, user: str, topic: str, actor: str | None = None
) -> int:
    """Stop following a topic (every actor filter on it, unless one is named)."""
    stmt = delete(Follow).where(
        Follow.platform == platform, Follow.user_id == user, Follow.topic == topic
    )
    if actor is not None:
        stmt = stmt.where(Follow.actor == actor)
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def follows_of(session: Session, *, platform: str, user: str) -> list[FollowRow]:
    rows = session.scalars(
        select(Follow)
        .where(Follow.platform == platform, Follow.user_id == user)
        .order_by(Follow.topic, Follow.actor)
    )
    return [FollowRow(r.id, r.user_id, r.topic, r.actor) for r in rows]


@dataclass(frozen=True)
class AlertDue:
    """One message to send: a user, an article, and the followed positions it carries."""

    user_id: str
    article_id: int
    positions: tuple[PositionRow, ...]


def alerts_due(
    session: Session,
    *,
    platform: str,
    not_before: dt.datetime,
    article_id: int | None = None,
) -> list[AlertDue]:
    """Alerts not yet delivered: positions on a followed topic (and actor, when the follow
    names one) in articles ingested after the follow was made and after `not_before`,
    never for an article the user ingested, nor one already alerted."""
    actor_ok = (Follow.actor == "") | (Follow.actor == Position.actor)
    delivered = exists().where(
        AlertDelivery.platform == platform,
        AlertDelivery.user_id == Follow.user_id,
        AlertDelivery.article_id == Article.id,
    )
    stmt = (
        positions_stmt()
        .add_columns(Follow.user_id)
        .join(Follow, and_(Follow.topic == Position.topic, actor_ok))
        .where(
            Follow.platform == platform,
            Article.ingested_at >= _naive(not_before),
            Article.ingested_at >= Follow.created_at,
            (Article.ingested_by.is_(None)) | (Article.ingested_by != Follow.user_id),
            ~delivered,
        )
        .order_by(Article.id, Position.id)
    )
    if article_id is not None:
        stmt = stmt.where(Article.id == article_id)
    grouped: dict[tuple[str, int], dict[int, PositionRow]] = {}
    for row in session.execute(stmt).all():
        position = _position(row)
        user = row[-1]
        grouped.setdefault((user, position.source.article_id), {})[position.id] = position
    first_article = _first_reports(
        session, [p.statement_id for found in grouped.values() for p in found.values()]
    )
    out = []
    for (user, art), found in grouped.items():
        # a statement first reported by an earlier article is old news in this one
        fresh = [p for p in found.values() if first_article.get(p.statement, art) == art]
        fresh.sort(key=lambda p: (p.stated_date, p.id), reverse=True)
        if fresh:
            out.append(AlertDue(user, art, tuple(fresh)))
    return out


def _first_reports(session: Session, statement_ids: Iterable[int | None]) -> dict[int, int]:
    """statement id -> the article of its first report (ix_positions_statement_id)."""
    ids = list({i for i in statement_ids if i is not None})
    if not ids:
        return {}
    first = (
        select(Position.statement_id, func.min(Position.id).label("first"))
        .where(Position.statement_id.in_(ids))
        .group_by(Position.statement_id)
        .subquery()
    )
    rows = session.execute(
        select(first.c.statement_id, Position.article_id).join(
            Position, Position.id == first.c.first
        )
    ).all()
    return {statement: article for statement, article in rows}


def claim_alert(db: Database, *, platform: str, user: str, article_id: int) -> bool:
    """Record the alert before sending it: True for exactly one claimant."""
    try:
        with db.session() as session:
            session.add(AlertDelivery(platform=platform, user_id=user, article_id=article_id))
            session.flush()
        return True
    except IntegrityError:
        return False


def release_alert(db: Database, *, platform: str, user: str, article_id: int) -> None:
    """Undo a claim whose message could not be sent, so a later sweep tries again."""
    with db.session() as session:
        session.execute(
            delete(AlertDelivery).where(
                AlertDelivery.platform == platform,
                AlertDelivery.user_id == user,
                AlertDelivery.article_id == article_id,
            )
        )


# ---------------------------------------------------------------------------- digest reads


@dataclass(frozen=True)
class NewArticle:
    article: ArticleRow
    summary: str
    other_outlets: int  # other outlets carrying the same story (near-duplicates)
    outlets: tuple[str, ...] = ()  # every outlet carrying it, this article's first


def new_articles(
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    *,
    topics: Sequence[str] = (),
    limit: int = 200,
) -> list[NewArticle]:
    """Articles ingested in [start, end), one per story (its first arrival), oldest
    first. With topics, only articles carrying a position on one of them."""
    stmt = _articles_stmt().add_columns(Article.summary)
    stmt = stmt.where(Article.ingested_at >= _naive(start), Article.ingested_at < _naive(end))
    if topics:
        stmt = stmt.where(
            exists().where(Position.article_id == Article.id, Position.topic.in_(list(topics)))
        )
    rows = session.execute(stmt.order_by(Article.ingested_at, Article.id).limit(limit)).all()
    firsts: dict[int, tuple[ArticleRow, str]] = {}
    for row in rows:
        art = _article(row)
        firsts.setdefault(art.story_id, (art, row[-1]))
    outlets: dict[int, set[str]] = {}
    names: dict[int, dict[str, str]] = {}  # story -> casefolded outlet -> as written
    if firsts:
        for story_id, source, title in session.execute(
            select(Article.story_id, Article.source, Article.title)
            .where(Article.story_id.in_(list(firsts)))
            .order_by(Article.ingested_at, Article.id)
        ).all():
            outlets.setdefault(story_id, set()).add((source or title).casefold())
            if source:
                names.setdefault(story_id, {}).setdefault(source.casefold(), source)
    out = []
    for story_id, (art, summary) in firsts.items():
        own = (art.source.outlet or art.source.title).casefold()
        named = names.get(story_id, {})
        first = [named[own]] if own in named else []
        carried = tuple(first + [v for k, v in named.items() if k != own])
        out.append(NewArticle(art, summary, len(outlets.get(story_id, set()) - {own}), carried))
    return out


def stories_of(session: Session, article_ids: Iterable[int]) -> dict[int, int]:
    """article id -> story id (by primary key): which story line a statement counts for."""
    ids = list(set(article_ids))
    if not ids:
        return {}
    rows = session.execute(select(Article.id, Article.story_id).where(Article.id.in_(ids)))
    return {a: s for a, s in rows.all()}


def new_positions(
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    *,
    topics: Sequence[str] = (),
    limit: int = 500,
) -> list[PositionRow]:
    """Statements first recorded in [start, end) (ix_positions_created_at), oldest said
    first; one row per statement, and none already reported before `start` (another
    outlet quoting a known statement is not a new position)."""
    stmt = positions_stmt().where(
        Position.created_at >= _naive(start), Position.created_at < _naive(end)
    )
    if topics:
        stmt = stmt.where(Position.topic.in_(list(topics)))
    rows = session.execute(stmt.order_by(Position.created_at, Position.id).limit(limit)).all()
    found = [_position(r) for r in rows]
    known = _reported_before(session, [p.statement_id for p in found], start)
    out: dict[tuple[int, str], PositionRow] = {}
    for p in found:
        if p.statement_id not in known:
            out.setdefault((p.statement, p.topic), p)
    return sorted(out.values(), key=lambda p: (p.stated_date, p.id))


def _reported_before(
    session: Session, statement_ids: Iterable[int | None], before: dt.datetime
) -> set[int]:
    """Which of these statements already had a report recorded before `before`."""
    ids = list({i for i in statement_ids if i is not None})
    if not ids:
        return set()
    rows = session.scalars(
        select(Position.statement_id)
        .where(Position.statement_id.in_(ids), Position.created_at < _naive(before))
        .distinct()
    )
    return {i for i in rows if i is not None}


def previous_position(session: Session, newest: PositionRow) -> PositionRow | None:
    """The same actor's position on the same topic said just before `newest` (by stated
    date, then id), from another statement: what a stance change is measured against."""
    stmt = (
        positions_stmt()
        .where(
            Position.topic == newest.topic,
            Position.actor == newest.actor,
            Position.is_repeat == false(),
            Position.article_id != newest.source.article_id,
            (Position.stated_date < newest.stated_date)
            | ((Position.stated_date == newest.stated_date) & (Position.id < newest.id)),
        )
        .order_by(Position.stated_date.desc(), Position.id.desc())
        .limit(1)
    )
    if newest.statement_id is not None:
        stmt = stmt.where(Position.statement_id != newest.statement_id)
    row = session.execute(stmt).first()
    return _position(row) if row else None


def latest_positions(
    session: Session,
    topic: str,
    actors: Iterable[str],
    *,
    until: dt.datetime,
    except_kinds: Sequence[str] = (),
) -> dict[str, PositionRow]:
    """Each actor's most recently said position on a topic among those recorded before
    `until`. `except_kinds=("action",)` leaves out official acts: a sale approved is not
    a stance, so it must not hide the words that were one."""
    out: dict[str, PositionRow] = {}
    for actor in actors:
        stmt = (
            positions_stmt()
            .where(
                Position.topic == topic,
                Position.actor == actor,
                Position.is_repeat == false(),
                Position.created_at < _naive(until),
            )
            .order_by(Position.stated_date.desc(), Position.id.desc())
            .limit(1)
        )
        if except_kinds:
            stmt = stmt.where(Position.kind.not_in(list(except_kinds)))
        row = session.execute(stmt).first()
        if row:
            out[actor] = _position(row)
    return out


def position_counts(
    session: Session, since: dt.date, until: dt.date
) -> list[tuple[str, str, dt.date, int]]:
    """(topic, actor, stated date, positions) over a span of stated dates; the chart
    buckets them into ISO weeks (in Python, so no engine's date functions are needed)."""
    rows = session.execute(
        select(Position.topic, Position.actor, Position.stated_date, func.count())
        .where(Position.stated_date >= since, Position.stated_date <= until)
        .group_by(Position.topic, Position.actor, Position.stated_date)
    ).all()
    return [(t, a, d, n) for t, a, d, n in rows]
