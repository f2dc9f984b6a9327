"""What handlers may use: the database, settings, the taxonomy, and an indexer on demand.

Built once per process and passed in, so tests build their own over a temporary database
and the console, Slack and Discord all answer from the same objects.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.schedulers import Schedulers
from bot.settings import Settings
from bot.topics import Taxonomy, load_taxonomy
from storage import admin
from storage.db import Database, in_memory

if TYPE_CHECKING:
    from bot.answer_workers import AnswerWorkers
    from bot.core.workqueue import WorkQueues
    from bot.indexer.pipeline import AuditAs, IngestResult


class IndexerLike(Protocol):
    def ingest_url(
        self, url: str, *, ingested_by: str | None = None, audit_as: AuditAs | None = None
    ) -> IngestResult: ...

    def ingest_text(
        self,
        text: str,
        *,
        origin: str = "chat",
        ingested_by: str | None = None,
        audit_as: AuditAs | None = None,
    ) -> IngestResult: ...


def _default_indexer_factory(db: Database, settings: Settings) -> Callable[[], IndexerLike]:
    def build() -> IndexerLike:
        from bot.indexer.pipeline import Indexer  # spaCy and friends: only when first needed

        return Indexer(db, settings)

    return build


@dataclass
class Services:
    db: Database
    settings: Settings
    taxonomy: Taxonomy
    indexer_factory: Callable[[], IndexerLike]
    clock: Callable[[], dt.datetime] = field(
        default=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None)
    )
    # the schedulers this process runs, for handlers to announce changes to
    schedulers: Schedulers = field(default_factory=Schedulers)
    _indexer: IndexerLike | None = field(default=None, init=False, repr=False)
    _work: WorkQueues | None = field(default=None, init=False, repr=False)
    _answers: AnswerWorkers | None = field(default=None, init=False, repr=False)
    _taxonomy_stamp: tuple[int, int] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def build(cls, settings: Settings, db: Database | None = None, **kwargs: Any) -> Services:
        db = db or Database(settings.database_url)
        factory = kwargs.pop("indexer_factory", None) or _default_indexer_factory(db, settings)
        services = cls(db, settings, load_taxonomy(settings.topics_path), factory, **kwargs)
        services.refresh_taxonomy()
        return services

    def refresh_taxonomy(self) -> Taxonomy:
        """The YAML taxonomy plus the topics and aliases admins added (storage.admin);
        rebuilt at start and after every change, so /position resolves them at once."""
        with self.db.session() as session:
            topics, aliases = admin.custom_topics(session), admin.custom_aliases(session)
        base = load_taxonomy(self.settings.topics_path)
        self.taxonomy = base.with_additions(topics, aliases)
        self._taxonomy_stamp = (len(topics), len(aliases))
        return self.taxonomy

    def keep_taxonomy_current(self) -> None:
        """Rebuild the taxonomy when another process (another bot process, an answer
        worker's parent) has added a topic or an alias since: one small count query, so
        a topic added on one process resolves on every other at once."""
        with self.db.session() as session:
            stamp = admin.taxonomy_stamp(session)
        if stamp != self._taxonomy_stamp:
            self.refresh_taxonomy()

    @property
    def indexer(self) -> IndexerLike:
        """One indexer per process, built on first use (loading spaCy takes seconds)."""
        with self._lock:
            if self._indexer is None:
                self._indexer = self.indexer_factory()
            return self._indexer

    @property
    def work(self) -> WorkQueues:
        """The pools slow chat work runs on after the ack, shared by every platform this
        process serves (so the per-user caps hold across Slack and Discord alike)."""
        from bot.core.workqueue import WorkQueues

        with self._lock:
            if self._work is None:
                self._work = WorkQueues.from_settings(self.settings)
            return self._work

    @property
    def answers(self) -> AnswerWorkers | None:
        """The answer worker processes (ANSWER_PROCESSES), started on first use; None
        when answers are computed in this process."""
        from bot.answer_workers import AnswerWorkers

        # a ledger in memory is this process's alone: a worker would open an empty one
        if self.settings.answer_processes <= 0 or in_memory(self.db.url):
            return None

        with self._lock:
            if self._answers is None:
                self._answers = AnswerWorkers(self.settings, self.db.url)
            return self._answers

    def close(self) -> None:
        """Stop the work pools (queued jobs are dropped), the answer workers, and release
        the database."""
        with self._lock:
            work, self._work = self._work, None
            answers, self._answers = self._answers, None
        if work is not None:
            work.shutdown(wait=False)
        if answers is not None:
            answers.shutdown()
        self.db.dispose()

    def actor(self, text: str) -> str | None:
        """The actor a user means by "us", "pk", "Pakistan", "pakistani", "China"… — every
        spoken name comes from config/actors.yaml, the same look-up `--actor` uses."""
        key = " ".join(text.replace("-", " ").split()).casefold()
        for name in self.taxonomy.actors:
            if name.casefold() == key:
                return name
        try:
            from bot.indexer.actors import load_directory

            return load_directory(self.settings.actors_path).asked_for(text)
        except (OSError, ValueError, KeyError):
            return None

    def may_ingest(self, user: str | None, platform: str | None = None) -> bool:
        """Admins always; else, once any grant exists on this platform, only the users
        granted there (storage.admin); else the INGEST_ALLOWED_USERS setting, or everyone
        when it is empty. Grants are per platform: a grant on Discord leaves Slack on the
        setting's list (user ids of one platform mean nothing on the other)."""
        if user is not None and user in self.settings.admin_users:
            return True
        with self.db.session() as session:
            if admin.any_grants(session, platform):
                return user is not None and admin.is_granted(session, user, platform)
        allowed = self.settings.ingest_allowed_users
        return not allowed or (user is not None and user in allowed)

    def answers_in(self, channel: str | None) -> bool:
        """Whether a channel is on ALLOWED_CHANNELS (or the list is empty). Direct messages
        are answered anywhere; the adapter says which events are direct (bot.core.access)."""
        allowed = self.settings.allowed_channels
        return not allowed or channel is None or channel in allowed
