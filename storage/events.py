"""Deliveries already handled, remembered in the database so a restart forgets nothing.

Owns `processed_events`. Chat platforms redeliver an event when the first delivery was not
acknowledged in time (Slack's X-Slack-Retry-Num); the retry may reach a fresh process or
another machine, so an in-memory set cannot tell it was handled. Claiming a key is an
INSERT: the primary key makes exactly one claimant succeed, on every engine and across
processes, with no read-then-write race. Old keys are pruned: a platform stops retrying
within hours, so a day of memory is plenty.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable, Iterable

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import ProcessedEvent

KEY_CHARS = 200  # the column's width


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def normalise_key(key: str) -> str:
    """Keys come from payloads; a long one is replaced by its digest so it fits the column
    (and two long keys still differ)."""
    if len(key) <= KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class ProcessedEvents:
    """Claim delivery keys in the database; prune keys older than `keep` now and then."""

    def __init__(
        self,
        db: Database,
        *,
        keep: dt.timedelta = dt.timedelta(days=1),
        prune_every: float = 600.0,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.db = db
        self.keep = keep
        self.prune_every = prune_every
        self.clock = clock
        self._last_prune = float("-inf")
        self._lock = threading.Lock()
        self._group = _GroupCommit(db) if db.dialect == "sqlite" else None

    def first_time(self, keys: Iterable[str]) -> bool:
        """True, and every key recorded, unless any key was recorded before (by any
        process). All keys go in one transaction, so a partly-seen delivery records none."""
        wanted = list(dict.fromkeys(normalise_key(k) for k in keys))
        if not wanted:
            return True
        self._maybe_prune()
        now = self.clock()
        rows = [{"key": k, "seen_at": now} for k in wanted]
        if self._group is not None:
            return self._group.claim(rows)
        return _insert(self.db, rows)

    def prune(self, *, older_than: dt.timedelta | None = None) -> int:
        """Delete keys seen longer ago than `older_than` (default: `keep`); how many went."""
        cutoff = self.clock() - (older_than if older_than is not None else self.keep)
        with self.db.session() as session:
            result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.seen_at < cutoff))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def _maybe_prune(self) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._last_prune < self.prune_every:
                return
            self._last_prune = now
        self.prune()


def _insert(db: Database, rows: list[dict[str, object]]) -> bool:
    """One delivery's keys in one transaction; False when any was claimed before. A Core
    insert, not the ORM's unit of work: this runs before every acknowledgement."""
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(ProcessedEvent), rows)
    except IntegrityError:
        return False
    return True


class _GroupCommit:
    """SQLite claims from many request threads, written together.

    SQLite has one writer at a time and makes the others sleep and retry (1, 2, 5, 10 …
    up to 100 ms), so twenty requests claiming their keys at once queued by chance, not
    in turn, and the unlucky ones waited ~100 ms before their ack. Here the first thread
    to arrive writes every claim waiting at that moment in one transaction, the others
    wait for its answer; a claim seen before makes the group fall back to one
    transaction per delivery, so each still gets its own answer.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._waiting: list[_Claim] = []
        self._writing = False

    def claim(self, rows: list[dict[str, object]]) -> bool:
        mine = _Claim(rows)
        with self._lock:
            self._waiting.append(mine)
            lead = not self._writing
            self._writing = self._writing or lead
        while lead:
            with self._lock:
                group, self._waiting = self._waiting, []
                if not group:
                    self._writing = False
                    break
            self._write(group)
        mine.done.wait()
        if mine.error is not None:
            raise mine.error
        return mine.fresh

    def _write(self, group: list[_Claim]) -> None:
        try:
            if len(group) > 1 and _insert(self.db, [r for c in group for r in c.rows]):
                for claim in group:
                    claim.finish(True)
                return
            for claim in group:  # one alone, or some key was seen before: one by one
                claim.finish(_insert(self.db, claim.rows))
        except Exception as exc:  # the database failed: every waiter hears of it
            for claim in group:
                if not claim.done.is_set():
                    claim.finish(False, exc)


class _Claim:
    def __init__(self, rows: list[dict[str, object]]) -> None:
        self.rows = rows
        self.done = threading.Event()
        self.fresh = False
        self.error: Exception | None = None

    def finish(self, fresh: bool, error: Exception | None = None) -> None:
        self.fresh, self.error = fresh, error
        self.done.set()
