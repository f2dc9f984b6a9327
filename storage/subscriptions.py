"""Digest subscriptions: a channel's schedule and topics, one per (platform, channel).

Owns every statement on `subscriptions`; the scheduler's jobs are derived from these rows
(bot/scheduling/jobs.py), so this table is the truth about what is scheduled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Subscription
from storage.times import naive_utc, utcnow


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


def subscription_row(row: Subscription) -> SubscriptionRow:
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
    stamp = naive_utc(now) if now else utcnow()
    if row is None:
        row = Subscription(platform=platform, channel=channel, created_at=stamp)
        session.add(row)
    row.time_of_day, row.timezone, row.days = time_of_day, timezone, days
    row.topics = ",".join(dict.fromkeys(topics))
    row.active = True
    row.created_by = user or row.created_by
    row.updated_at = stamp
    session.flush()
    return subscription_row(row)


def subscription_for(session: Session, platform: str, channel: str) -> SubscriptionRow | None:
    row = session.scalar(
        select(Subscription).where(
            Subscription.platform == platform, Subscription.channel == channel
        )
    )
    return subscription_row(row) if row else None


def subscription(session: Session, subscription_id: int) -> SubscriptionRow | None:
    row = session.get(Subscription, subscription_id)
    return subscription_row(row) if row else None


def active_subscriptions(session: Session, platform: str | None = None) -> list[SubscriptionRow]:
    stmt = select(Subscription).where(Subscription.active.is_(True))
    if platform is not None:
        stmt = stmt.where(Subscription.platform == platform)
    return [subscription_row(r) for r in session.scalars(stmt.order_by(Subscription.id))]


def deactivate(session: Session, platform: str, channel: str) -> bool:
    """Switch a channel's digest off; its run history stays (for /digest status)."""
    result = session.execute(
        update(Subscription)
        .where(
            Subscription.platform == platform,
            Subscription.channel == channel,
            Subscription.active.is_(True),
        )
        .values(active=False, updated_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
