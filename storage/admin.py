"""What admins change in the ledger: ingest grants, custom topics and aliases, retractions.

Owns the rows of `ingest_grants`, `custom_topics` and `topic_aliases`, and the deletion of
an article with everything hanging off it. Every function works inside the caller's
session so the change and its audit entry (storage.audit) are one transaction. Judging
whether a topic name clashes with the taxonomy is the caller's job (it knows the YAML);
the primary keys here are the last line of defence against a concurrent duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, false, func, select, update
from sqlalchemy.orm import Session

from storage.models import Article, CustomTopic, IngestGrant, Position, Story, TopicAlias

# ---------------------------------------------------------------------- ingest grants


def any_grants(session: Session, platform: str | None = None) -> bool:
    """Whether any grant exists (on `platform`, or on any when it is None)."""
    stmt = select(IngestGrant.id)
    if platform is not None:
        stmt = stmt.where(IngestGrant.platform == platform)
    return session.scalar(stmt.limit(1)) is not None


def is_granted(session: Session, user_id: str, platform: str | None = None) -> bool:
    """Whether the user holds a grant (on `platform`, or on any when it is None)."""
    stmt = select(IngestGrant.id).where(IngestGrant.user_id == user_id)
    if platform is not None:
        stmt = stmt.where(IngestGrant.platform == platform)
    return session.scalar(stmt.limit(1)) is not None


def grant(session: Session, user_id: str, *, platform: str, by: str | None) -> bool:
    """Grant ingest; False when the user already had it (nothing written)."""
    if is_granted(session, user_id, platform):
        return False
    session.add(IngestGrant(platform=platform, user_id=user_id, granted_by=by))
    session.flush()
    return True


def revoke(session: Session, user_id: str, *, platform: str) -> bool:
    """Withdraw a grant; False when there was none."""
    result = session.execute(
        delete(IngestGrant).where(IngestGrant.user_id == user_id, IngestGrant.platform == platform)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def grants(session: Session) -> list[tuple[str, str]]:
    """(platform, user id) of every grant, oldest first."""
    rows = session.execute(
        select(IngestGrant.platform, IngestGrant.user_id).order_by(IngestGrant.id)
    ).all()
    return [(p, u) for p, u in rows]


# ---------------------------------------------------------------------- topics and aliases


def custom_topics(session: Session) -> list[tuple[str, str]]:
    """(topic id, label) of every admin-added topic, in the order they were added."""
    rows = session.execute(
        select(CustomTopic.topic_id, CustomTopic.label).order_by(
            CustomTopic.added_at, CustomTopic.topic_id
        )
    ).all()
    return [(t, label) for t, label in rows]


def custom_aliases(session: Session) -> list[tuple[str, str]]:
    """(alias, topic id) of every admin-added alias, in the order they were added."""
    rows = session.execute(
        select(TopicAlias.alias, TopicAlias.topic_id).order_by(
            TopicAlias.added_at, TopicAlias.alias
        )
    ).all()
    return [(a, t) for a, t in rows]


def taxonomy_stamp(session: Session) -> tuple[int, int]:
    """How many topics and aliases admins have added: they are only ever added, so a
    process whose stamp differs has missed an addition made by another process."""
    row = session.execute(
        select(
            select(func.count()).select_from(CustomTopic).scalar_subquery(),
            select(func.count()).select_from(TopicAlias).scalar_subquery(),
        )
    ).one()
    return (int(row[0]), int(row[1]))


def add_topic(session: Session, topic_id: str, label: str, *, by: str | None) -> None:
    session.add(CustomTopic(topic_id=topic_id, label=label, added_by=by))
    session.flush()  # a concurrent duplicate fails here, inside the caller's transaction


def add_alias(session: Session, alias: str, topic_id: str, *, by: str | None) -> None:
    session.add(TopicAlias(alias=alias, topic_id=topic_id, added_by=by))
    session.flush()


# ---------------------------------------------------------------------- retraction


@dataclass(frozen=True)
class Retraction:
    article_id: int
    title: str
    url: str | None
    positions: int  # how many positions went with it
    story_removed: bool  # the article was its story's last


def find_article(session: Session, ref: str) -> int | None:
    """An article's id from what an admin typed: "#12", "12", or its URL."""
    ref = ref.strip()
    digits = ref.removeprefix("#")
    if digits.isdigit() and len(digits) < 12:
        return session.scalar(select(Article.id).where(Article.id == int(digits)))
    return session.scalar(select(Article.id).where(Article.url == ref))


def promote_next_reports(session: Session, shown: list[tuple[int, str]]) -> None:
    """When a statement's first report goes, its next report (if any) is the one shown."""
    for statement_id, topic in shown:
        next_id = session.scalar(
            select(func.min(Position.id)).where(
                Position.statement_id == statement_id, Position.topic == topic
            )
        )
        if next_id is not None:
            session.execute(update(Position).where(Position.id == next_id).values(is_repeat=False))


def retract(session: Session, article_id: int) -> Retraction | None:
    """Delete an article, its positions, and its story when no other article is in it.

    Positions are deleted explicitly rather than left to ON DELETE CASCADE, so the count
    is exact and the result does not depend on SQLite's foreign_keys pragma. (Rows other
    features keep about the article, such as alert deliveries, go by the cascade.)
    """
    row = session.execute(
        select(Article.id, Article.title, Article.url, Article.story_id).where(
            Article.id == article_id
        )
    ).first()
    if row is None:
        return None
    _id, title, url, story_id = row
    shown = session.execute(
        select(Position.statement_id, Position.topic).where(
            Position.article_id == article_id, Position.is_repeat == false()
        )
    ).all()
    removed = session.execute(delete(Position).where(Position.article_id == article_id))
    promote_next_reports(session, [(s, t) for s, t in shown if s is not None])
    session.execute(delete(Article).where(Article.id == article_id))
    left = session.scalar(
        select(func.count()).select_from(Article).where(Article.story_id == story_id)
    )
    if not left:
        session.execute(delete(Story).where(Story.id == story_id))
    return Retraction(
        article_id,
        title,
        url,
        int(removed.rowcount or 0),  # type: ignore[attr-defined]
        story_removed=not left,
    )
