"""Follows and topic alerts: who follows which topic (and actor), and which alerts were sent.

Owns every statement on `follows` and `alert_deliveries`. An alert is claimed by INSERTing
(user, article) before it is sent — the unique constraint lets exactly one process send
it — and released when sending failed, so a later sweep tries again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import AlertDelivery, Article, Follow, Position
from storage.queries import PositionRow, position_row, positions_stmt
from storage.times import naive_utc


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
            Article.ingested_at >= naive_utc(not_before),
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
        position = position_row(row)
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
