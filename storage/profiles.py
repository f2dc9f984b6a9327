"""The read side of /who: what the ledger holds on one speaker.

A person is asked for by the names they are stored under (`positions.speaker` keeps the
name as the article wrote it: "Khawaja Asif" in one, "Khwaja Asif" in the next), so every
query takes the list of stored forms the caller matched, not one name. Statements are one
row per statement and topic (`is_repeat` reports are left out); the press count reads
every report, because each article that ran the quote is one outlet quoting them.

Every query runs off ix_positions_speaker_stated (speaker, is_repeat, stated_date; migration
0005): the list of speakers on record is a covering scan of it (~30 ms at 100,000
positions, where grouping by speaker *and* actor read the table: ~600 ms), which is why the
actor a speaker spoke for is asked separately, for the few names a reply shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from storage.models import Article, Position
from storage.queries import PositionRow
from storage.timeline import rows_by_id

MAX_SPEAKERS = 20_000


@dataclass(frozen=True)
class SpeakerOnRecord:
    name: str  # as stored
    statements: int


@dataclass(frozen=True)
class ReportedOffice:
    """An office the articles gave the speaker, and when they were said to hold it."""

    title: str
    first: str  # stated_on at its own precision: "2017", "2017-10", "2018-01-05"
    last: str
    statements: int


@dataclass(frozen=True)
class QuotingArticle:
    article_id: int
    outlet: str | None
    url: str | None


def speakers_on_record(session: Session, *, limit: int = MAX_SPEAKERS) -> list[SpeakerOnRecord]:
    """Every named speaker, most statements first."""
    n = func.count().label("n")
    stmt = (
        select(Position.speaker, n)
        .where(Position.speaker.is_not(None), Position.is_repeat == false())
        .group_by(Position.speaker)
        .order_by(n.desc(), Position.speaker)
        .limit(limit)
    )
    return [SpeakerOnRecord(s, c) for s, c in session.execute(stmt).all() if s]


def actors_of(session: Session, speakers: Sequence[str]) -> dict[str, str]:
    """Stored speaker name → the actor they spoke for most."""
    if not speakers:
        return {}
    n = func.count().label("n")
    stmt = (
        select(Position.speaker, Position.actor, n)
        .where(Position.speaker.in_(list(speakers)), Position.is_repeat == false())
        .group_by(Position.speaker, Position.actor)
        .order_by(n.desc(), Position.actor)
    )
    out: dict[str, str] = {}
    for speaker, actor, _n in session.execute(stmt).all():
        out.setdefault(speaker, actor)
    return out


def statements_by(
    session: Session, speakers: Sequence[str], *, limit: int = 200
) -> tuple[list[PositionRow], int]:
    """Their statements, newest first by when they were said (at most `limit`), and how
    many statements they have in all."""
    if not speakers:
        return [], 0
    where = (Position.speaker.in_(list(speakers)), Position.is_repeat == false())
    total = session.scalar(
        select(func.count(func.distinct(func.coalesce(Position.statement_id, Position.id)))).where(
            *where
        )
    )
    ids = session.scalars(
        select(Position.id)
        .where(*where)
        .order_by(Position.stated_date.desc(), Position.id.desc())
        .limit(limit)
    ).all()
    rows = rows_by_id(session, ids)
    return [rows[i] for i in ids if i in rows], int(total or 0)


def offices_reported(session: Session, speakers: Sequence[str]) -> list[ReportedOffice]:
    """The offices articles named alongside the speaker, earliest held first."""
    if not speakers:
        return []
    stmt = (
        select(
            Position.speaker_office,
            # ISO dates of mixed precision still sort as text: "2017" < "2017-10" < "2018"
            func.min(Position.stated_on),
            func.max(Position.stated_on),
            func.count(func.distinct(func.coalesce(Position.statement_id, Position.id))),
        )
        .where(
            Position.speaker.in_(list(speakers)),
            Position.speaker_office.is_not(None),
            Position.is_repeat == false(),
        )
        .group_by(Position.speaker_office)
    )
    found = [ReportedOffice(t, a, b, n) for t, a, b, n in session.execute(stmt).all() if t]
    return sorted(found, key=lambda o: (o.first, o.title))


def quoting_articles(
    session: Session, speakers: Sequence[str], *, limit: int = 10_000
) -> list[QuotingArticle]:
    """Each article that quoted or reported the speaker, once."""
    if not speakers:
        return []
    stmt = (
        select(Article.id, Article.source, Article.url)
        .join(Position, Position.article_id == Article.id)
        .where(Position.speaker.in_(list(speakers)))
        .distinct()
        .limit(limit)
    )
    return [QuotingArticle(i, s, u) for i, s, u in session.execute(stmt).all()]
