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

    def first_time(self, keys: Iterable[str]) -> bool:
        """True, and every key recorded, unless any key was recorded before (by any
        process). All keys go in one transaction, so a partly-seen delivery records none."""
        wanted = list(dict.fromkeys(normalise_key(k) for k in keys))
        if not wanted:
            return True
        self._maybe_prune()
        now = self.clock()
        try:
            # a Core insert, not the ORM's unit of work: this runs before every ack
            with self.db.engine.begin() as conn:
                conn.execute(insert(ProcessedEvent), [{"key": k, "seen_at": now} for k in wanted])
        except IntegrityError:
            return False
        return True

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
