"""Digest run claims: who posts which (subscription, period), and how far they got.

Owns every statement on `digest_runs`. Exactly-once rests on a constraint, not on locks:
a run is claimed by INSERTing its (subscription, period) row — the unique constraint lets
exactly one process in. A claim whose holder died is taken over with a compare-and-set
UPDATE (… WHERE claimed_by = <old holder> AND claimed_at = <old stamp>), so two processes
noticing the same dead claim cannot both win. Every progress write carries the holder in
its WHERE clause too: a process that lost its claim (a long stall, then a takeover) finds
its writes refused and stops posting.

Plain SQLAlchemy constructs only: the same code runs on SQLite and PostgreSQL. Datetimes
are naive UTC, as everywhere in the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import DigestRun
from storage.times import naive_utc

CLAIMED, POSTED, EMPTY, FAILED = "claimed", "posted", "empty", "failed"
DONE = (POSTED, EMPTY)


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
        .where(DigestRun.status == CLAIMED, DigestRun.claimed_at < naive_utc(older_than))
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
    stamp = naive_utc(now)
    try:
        with db.session() as session:
            row = DigestRun(
                subscription_id=subscription_id,
                period=period,
                status=CLAIMED,
                claimed_by=worker,
                claimed_at=stamp,
                window_start=naive_utc(window_start),
                window_end=naive_utc(window_end),
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
            "claimed_at": naive_utc(now),
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
            DigestRun.window_end >= naive_utc(since),
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
            "claimed_at": naive_utc(now),
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
            .values(
                messages_posted=messages_posted, thread_ref=thread_ref, claimed_at=naive_utc(now)
            )
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
            .values(status=status, finished_at=naive_utc(now), error=(error or None))
        )
        return result.rowcount == 1  # type: ignore[attr-defined]
