"""Where slow work runs after the acknowledgement: two bounded pools, fed fairly.

Bolt ran every listener on its own five threads, so five links to servers that never
answer held all five and no other command got an answer. Here ingest (which fetches
links) and queries (which only read the ledger) have pools of their own, so a slow link
can only ever delay other ingests; each pool's waiting line is bounded; jobs are handed to
a pool (or to the answer worker processes) one user at a time (`FairLine`), so a user's
burst waits in that user's own line and delays nobody else; and one user may hold at
most a bounded number of jobs per pool.

Admission is decided before the platform is answered (`reserve`), so a refusal can be the
acknowledgement itself; the reserved slot is then started (`Ticket.start`) or released.
Transport-neutral: Slack and Discord both use it through `Services.work`.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bot.core.format import plural

log = logging.getLogger(__name__)

INGEST, QUERY = "ingest", "query"
_NOUN = {INGEST: "ingest", QUERY: "request"}
BUSY = "I'm busy with other requests right now; please try again in a minute."


@dataclass(frozen=True)
class Refusal:
    """A job that was not admitted, and the one sentence that tells the user why."""

    text: str


class FairLine:
    """Jobs handed to a pool (or to another process) one user at a time.

    Round robin by virtual time: a user's successive jobs take turns 1, 2, 3 … apart, and
    a user with nothing waiting joins at the current turn, ahead of the turns the busy
    users have already queued. So a user with many jobs waiting delays only their own:
    anyone else's job is at most one job of each other user behind. A job is a callable
    that hands the work over and returns its future (None when it could not); the runner
    is free again when that future settles.
    """

    def __init__(self, runners: int) -> None:
        self._free = max(1, runners)
        self._turn = 0.0  # the turn of the job launched last
        self._last: dict[str, float] = {}  # each user's latest turn, queued or launched
        self._heap: list[tuple[float, int, str, Callable[[], Future[Any] | None]]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()

    def put(self, key: str, launch: Callable[[], Future[Any] | None]) -> None:
        with self._lock:
            turn = max(self._last.get(key, float("-inf")) + 1, self._turn + 0.5)
            self._last[key] = turn
            heapq.heappush(self._heap, (turn, next(self._seq), key, launch))
        self._pump()

    def waiting(self) -> int:
        with self._lock:
            return len(self._heap)

    def _pump(self) -> None:
        while True:
            with self._lock:
                if self._free <= 0 or not self._heap:
                    return
                turn, _seq, _key, launch = heapq.heappop(self._heap)
                self._turn = max(self._turn, turn)
                if len(self._last) > 10_000:  # users long idle join anew at the current turn
                    self._last = {k: t for k, t in self._last.items() if t > self._turn - 0.5}
                self._free -= 1
            future = launch()
            if future is None:
                self._release()
            else:
                future.add_done_callback(self._release)

    def _release(self, _future: object = None) -> None:
        with self._lock:
            self._free += 1
        self._pump()


class Ticket:
    """A reserved slot: `start` runs the job on its pool, `release` gives the slot back."""

    def __init__(self, queues: WorkQueues, lane: str, key: str) -> None:
        self._queues, self.lane, self._key = queues, lane, key
        self._used = False
        self._lock = threading.Lock()

    def _take(self) -> bool:
        with self._lock:
            if self._used:
                return False
            self._used = True
            return True

    def start(self, job: Callable[[], None]) -> None:
        if not self._take():
            return
        self._run_here(job)

    def start_elsewhere(
        self, submit: Callable[[], Future[Any]], fallback: Callable[[], None]
    ) -> None:
        """Run the job in another process (`submit` hands it over and returns its future);
        the slot is held until the future settles. The job never raises, so a future that
        fails means it never ran to the end there (the workers are gone, it could not be
        sent): `fallback`, the same job, then runs on this lane's pool. Its delivery claim
        (bot.core.inbound) keeps a job that did get as far as answering from answering
        twice."""
        if not self._take():
            return

        def launch() -> Future[Any] | None:
            try:
                future = submit()
            except Exception:
                log.warning(
                    "work: could not hand a %s job over; running it here", self.lane, exc_info=True
                )
                self._run_here(fallback)
                return None
            future.add_done_callback(settled)
            return future

        def settled(done: Future[Any]) -> None:
            if done.cancelled() or done.exception() is not None:
                log.warning(
                    "work: a %s job failed elsewhere (%r); running it here",
                    self.lane,
                    None if done.cancelled() else done.exception(),
                )
                self._run_here(fallback)
                return
            self._queues._done(self.lane, self._key)

        self._queues._elsewhere.put(self._key, launch)

    def _run_here(self, job: Callable[[], None]) -> None:
        """Run the job on this lane's thread pool, then give the slot back."""

        def run() -> None:
            try:
                job()
            except Exception:
                log.exception("work: %s job failed", self.lane)
            finally:
                self._queues._done(self.lane, self._key)

        def launch() -> Future[Any] | None:
            try:
                return self._queues._pools[self.lane].submit(run)
            except RuntimeError:  # shut down: the process is stopping
                self._queues._done(self.lane, self._key)
                return None

        self._queues._here[self.lane].put(self._key, launch)

    def release(self) -> None:
        if self._take():
            self._queues._done(self.lane, self._key)


class WorkQueues:
    """An ingest pool and a query pool, each with a bounded line and a per-user cap."""

    def __init__(
        self,
        *,
        ingest_workers: int = 2,
        query_workers: int = 4,
        queue_limit: int = 100,
        query_queue_limit: int | None = None,
        per_user: dict[str, int] | None = None,
        elsewhere: int = 1,
    ) -> None:
        self._pools = {
            INGEST: ThreadPoolExecutor(ingest_workers, thread_name_prefix="work-ingest"),
            QUERY: ThreadPoolExecutor(query_workers, thread_name_prefix="work-query"),
        }
        # the pools are fed one user at a time, so one user's burst delays only its own
        self._here = {INGEST: FairLine(ingest_workers), QUERY: FairLine(query_workers)}
        # answer worker processes: each gets one job running and one ready in its pipe
        self._elsewhere = FairLine(2 * max(1, elsewhere))
        query_line = queue_limit if query_queue_limit is None else query_queue_limit
        self._limit = {INGEST: ingest_workers + queue_limit, QUERY: query_workers + query_line}
        self._per_user = {INGEST: 2, QUERY: 100, **(per_user or {})}
        self._held: dict[str, dict[str, int]] = {INGEST: {}, QUERY: {}}
        self._total = {INGEST: 0, QUERY: 0}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: object) -> WorkQueues:
        return cls(
            ingest_workers=settings.ingest_workers,  # type: ignore[attr-defined]
            query_workers=settings.query_workers,  # type: ignore[attr-defined]
            queue_limit=settings.work_queue_limit,  # type: ignore[attr-defined]
            query_queue_limit=settings.query_queue_limit,  # type: ignore[attr-defined]
            per_user={
                INGEST: settings.per_user_ingests,  # type: ignore[attr-defined]
                QUERY: settings.per_user_queries,  # type: ignore[attr-defined]
            },
            elsewhere=settings.answer_processes,  # type: ignore[attr-defined]
        )

    def reserve(self, lane: str, platform: str, user: str | None) -> Ticket | Refusal:
        """A slot on `lane` for this user, or the reason there is none."""
        key = f"{platform}:{user or '-'}"
        with self._lock:
            held = self._held[lane].get(key, 0)
            cap = self._per_user[lane]
            if held >= cap:
                noun = plural(held, _NOUN[lane])
                return Refusal(
                    f"You already have {noun} running; I'll take another when one finishes."
                )
            if self._total[lane] >= self._limit[lane]:
                return Refusal(BUSY)
            self._held[lane][key] = held + 1
            self._total[lane] += 1
        return Ticket(self, lane, key)

    def notify(self, job: Callable[[], None]) -> bool:
        """Send a short answer (a refusal) off the request thread: on the query pool,
        outside the per-user caps (refusing to say "no" helps nobody), but never past
        the pool's line — False when it was dropped."""
        key = "notice"
        with self._lock:
            if self._total[QUERY] >= self._limit[QUERY]:
                return False
            self._total[QUERY] += 1
            self._held[QUERY][key] = self._held[QUERY].get(key, 0) + 1
        Ticket(self, QUERY, key).start(job)
        return True

    def held(self, lane: str) -> int:
        with self._lock:
            return self._total[lane]

    def _done(self, lane: str, key: str) -> None:
        with self._lock:
            left = self._held[lane].get(key, 0) - 1
            if left > 0:
                self._held[lane][key] = left
            else:
                self._held[lane].pop(key, None)
            self._total[lane] = max(0, self._total[lane] - 1)

    def shutdown(self, *, wait: bool = False) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=wait, cancel_futures=True)
