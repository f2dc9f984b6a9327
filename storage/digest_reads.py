"""The digest's read queries: what came in between two instants, and what it changed.

Read-only, over `articles` and `positions`; shaped on the same row records as
storage.queries, whose statement builders it shares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import exists, false, func, select
from sqlalchemy.orm import Session

from storage.models import Article, Position
from storage.queries import (
    ArticleRow,
    PositionRow,
    article_row,
    articles_stmt,
    position_row,
    positions_stmt,
)
from storage.times import naive_utc


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
    stmt = articles_stmt().add_columns(Article.summary)
    stmt = stmt.where(Article.ingested_at >= naive_utc(start), Article.ingested_at < naive_utc(end))
    if topics:
        stmt = stmt.where(
            exists().where(Position.article_id == Article.id, Position.topic.in_(list(topics)))
        )
    rows = session.execute(stmt.order_by(Article.ingested_at, Article.id).limit(limit)).all()
    firsts: dict[int, tuple[ArticleRow, str]] = {}
    for row in rows:
        art = article_row(row)
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
        Position.created_at >= naive_utc(start), Position.created_at < naive_utc(end)
    )
    if topics:
        stmt = stmt.where(Position.topic.in_(list(topics)))
    rows = session.execute(stmt.order_by(Position.created_at, Position.id).limit(limit)).all()
    found = [position_row(r) for r in rows]
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
        .where(Position.statement_id.in_(ids), Position.created_at < naive_utc(before))
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
    return position_row(row) if row else None


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
                Position.created_at < naive_utc(until),
            )
            .order_by(Position.stated_date.desc(), Position.id.desc())
            .limit(1)
        )
        if except_kinds:
            stmt = stmt.where(Position.kind.not_in(list(except_kinds)))
        row = session.execute(stmt).first()
        if row:
            out[actor] = position_row(row)
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
