"""Answer worker processes: read-only answers computed apart from the process that acks.

Why a process and not more threads. Under bench/load.py (20 clients sending signed slash
commands back to back, a bulk ingest beside them) the serving process spent nine tenths
of its interpreter time on answers (queries, rendering, posting to the response_url) and
the rest on acknowledgements. An ack that needed the interpreter waited behind answers
holding it, so ack time was answer time: p99 over 100 ms on two cores. Slack gives an
ack 3 s and nothing more, while a response_url answer may come seconds later. A worker
process has an interpreter of its own and runs at a lower CPU priority (ANSWER_NICE), so
the kernel gives acknowledgements the CPU first and answers the rest.

What crosses to a worker is plain data: the neutral event (bot.core.events) and the
adapter's `Delivery` (where the answer goes: a response_url, say). The worker builds its
own `Services` from the same settings (its own database connections and caches) and runs
the core's `Inbound` as the serving process would, replay claim included, keeping the
taxonomy current from the database before each job. Only commands declared `reads_only`
go there: they read the ledger and nothing of the serving process's own state (its
schedulers, its indexer). Everything else, and every answer when ANSWER_PROCESSES is 0
or the database lives in memory, is answered in the serving process as before.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Protocol

from bot.core.commands import registry
from bot.core.events import CommandEvent, Event
from bot.priority import lower_priority

if TYPE_CHECKING:
    from bot.core.inbound import Answer, Inbound
    from bot.core.services import Services
    from bot.settings import Settings

log = logging.getLogger(__name__)


class Delivery(Protocol):
    """Where an answer goes, as data a worker can receive (an adapter's class)."""

    def send(self, answer: Answer, services: Services) -> None: ...


class AnswerWorkers:
    """A pool of answer worker processes, started at once so the first answer does not
    wait for a process to boot; replaced when a worker dies."""

    def __init__(self, settings: Settings, database_url: str) -> None:
        self.settings = settings
        self.database_url = database_url  # the serving process's ledger, migrated already
        self._lock = threading.Lock()
        self._pool = self._start_pool()

    def _start_pool(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            self.settings.answer_processes,
            # spawn: a fresh interpreter, not a fork of one holding threads and sockets
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.settings, self.database_url),
        )
        for _ in range(self.settings.answer_processes):
            pool.submit(os.getpid)  # boot every worker now, off the request path
        return pool

    @staticmethod
    def takes(event: Event) -> bool:
        """Whether a worker may answer this event: a command that only reads."""
        if not isinstance(event, CommandEvent):
            return False
        command = registry().get(event.command)
        return command is not None and command.reads_only

    def submit(self, event: Event, delivery: Delivery) -> Future[None]:
        with self._lock:
            try:
                return self._pool.submit(_answer, event, delivery)
            except BrokenProcessPool:
                log.warning("answer workers: a worker died; starting a new pool")
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._start_pool()
                return self._pool.submit(_answer, event, delivery)

    def pids(self) -> set[int]:
        """The workers' process ids (each answers os.getpid once per call)."""
        with self._lock:
            pool = self._pool
        n = self.settings.answer_processes
        return {f.result(timeout=60) for f in [pool.submit(os.getpid) for _ in range(4 * n)]}

    def shutdown(self) -> None:
        with self._lock:
            self._pool.shutdown(wait=False, cancel_futures=True)


# ---------------------------------------------------------------------- in the worker

_inbound: Inbound | None = None


def _start_worker(settings: Settings, database_url: str) -> None:
    """A worker's composition: lower priority, logging, its own services — and an end
    when the serving process ends, however it ends."""
    global _inbound
    _exit_with_parent()
    from bot.bootstrap import configure_logging
    from bot.core.inbound import Inbound
    from bot.core.services import Services
    from storage.db import Database

    configure_logging(serving=True)
    lower_priority(settings.answer_nice)
    _inbound = Inbound(Services.build(settings, Database(database_url, migrate=False)))


def _exit_with_parent() -> None:
    """Exit as soon as the serving process is gone. A pool's workers normally stop on
    the pool's shutdown, but a serving process killed, or one that exits without shutting
    its pool down, left them waiting for work forever (each holds its own end of the job
    queue, so it never sees the queue close): the parent's sentinel becomes ready when
    the parent exits, whatever the cause."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _answer(event: Event, delivery: Delivery) -> None:
    inbound = _inbound
    assert inbound is not None, "the worker's initializer did not run"
    services = inbound.services
    inbound.perform(inbound.plan(event), lambda answer: delivery.send(answer, services))
