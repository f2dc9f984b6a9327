"""The read side of /timeline: a topic's statements in the order they were said.

Two reads, both one row per statement (`is_repeat` rows — another outlet's report of a
statement already on record under the topic — are left out, and a statement id seen twice
is kept once): a light sweep of every statement in range (date, actor, stance) from which
the month counts, the chart and the stance changes are computed, and the full rows of just
the statements a page shows. The sweep is capped at `MAX_SWEEP` statements so a topic
with years of coverage still answers in one screen's time; the caller says when it was cut.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from storage.models import Position
from storage.queries import PositionRow, position_row, positions_stmt

MAX_SWEEP = 5000


@dataclass(frozen=True)
class Mark:
    """One statement as the timeline sees it: when, by whom, with what stance."""

    id: int
    statement: int
    actor: str
    stated_on: str  # "2018-01-05" | "2018-01" | "2018"
    stance: str | None

    @property
    def period(self) -> str:
        """Its month ("2018-01"), or its year when only the year is known ("2018")."""
        return self.stated_on[:7]


def marks_on(
    session: Session,
    topic: str,
    *,
    actor: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = MAX_SWEEP,
) -> tuple[list[Mark], bool]:
    """Every statement on a topic in range, oldest first; and whether `limit` cut it (the
    newest are kept: a timeline that must lose something loses its distant past).

    Runs off ix_positions_actor_topic_stated / ix_positions_topic_stated like /position.
    """
    stmt = select(
        Position.id,
        Position.statement_id,
        Position.actor,
        Position.stated_on,
        Position.stated_date,
        Position.published,
        Position.stance,
    ).where(Position.topic == topic, Position.is_repeat == false())
    if actor is not None:
        stmt = stmt.where(Position.actor == actor)
    if since is not None:
        stmt = stmt.where(Position.stated_date >= since)
    if until is not None:
        stmt = stmt.where(Position.stated_date <= until)
    stmt = stmt.order_by(Position.stated_date.desc(), Position.id.desc()).limit(limit + 1)
    rows = session.execute(stmt).all()
    cut = len(rows) > limit
    marks: list[Mark] = []
    seen: set[int] = set()
    for pid, statement_id, who, stated_on, stated_date, published, stance in reversed(rows[:limit]):
        statement = statement_id if statement_id is not None else pid
        if statement in seen:  # one statement filed twice under this topic: count it once
            continue
        seen.add(statement)
        day = stated_on or (stated_date or published).isoformat()
        marks.append(Mark(pid, statement, who, day, stance))
    return marks, cut


def rows_by_id(session: Session, ids: Iterable[int]) -> dict[int, PositionRow]:
    """The full rows (with their article) of the statements a page shows."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    rows = session.execute(positions_stmt().where(Position.id.in_(wanted))).all()
    return {r[0]: position_row(r) for r in rows}
