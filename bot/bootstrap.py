"""The composition root: the one place a process is wired together.

Every entry point (the commands in bot/cli/) asks this module for what it needs — the
settings, logging, the database, `Services`, and the chat platforms this process is
configured for — instead of building any of it itself. A command that serves or posts
loops over `Boot.platforms`, so Slack and Discord are served, scheduled and posted to
alike; adding a platform means one package with a `platform` module (bot.platform) and
one more entry in `PLATFORMS`.

Deliberately import-light: spaCy (through the indexer), slack_bolt and the Discord server
are imported inside the functions that need them, so a command that does not pays
nothing for them at start-up.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from bot.platform import Platform
from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    from bot.core.services import Services
    from bot.indexer.pipeline import Indexer, IngestResult
    from bot.scheduling.jobs import DigestScheduler
    from storage.db import Database

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


# ---------------------------------------------------------------------------- logging

_logging_lock = threading.Lock()


def configure_logging(*, serving: bool = False) -> None:
    """The process's logging, configured here only.

    Known secrets are redacted from every record from the first call on (bot.logging_setup).
    A stderr handler is added at $LOG_LEVEL when it is set; otherwise only for a command
    that serves or posts on its own (`serving`), at INFO — its log is the one trace of
    what it did — while one-shot commands keep their output to what they print.
    Idempotent: a later call only adds the handler a first one did not."""
    from bot.logging_setup import install

    with _logging_lock:
        install()  # before anything logs; repeat calls only learn new secrets
        level = os.environ.get("LOG_LEVEL") or ("INFO" if serving else None)
        if level:
            logging.basicConfig(level=level.upper(), format=LOG_FORMAT)  # no-op once set


# ---------------------------------------------------------------------------- the database


def open_database(settings: Settings) -> Database:
    from storage.db import Database

    return Database(settings.database_url)


def ensure_seeded(
    db: Database, settings: Settings, indexer: Indexer | None = None
) -> list[IngestResult]:
    """Ingest `seeds/` the first time the bot runs on a database; later runs do nothing
    (and, on a seeded database, never load the indexer)."""
    from storage import ledger

    with db.session() as session:
        if ledger.seed_articles_present(session):
            return []
    from bot.indexer.pipeline import Indexer
    from bot.indexer.sources import load_seed_dir

    indexer = indexer or Indexer(db, settings)
    return list(indexer.ingest_many(load_seed_dir(settings.seeds_dir, settings=settings)))


# ---------------------------------------------------------------------------- platforms

# The chat platforms, in the order `serve` prefers for its foreground: each names a module
# whose `configured(settings)` returns its Platform when the settings configure it.
# A new platform is one package with such a module, and one more entry here.
PLATFORMS: tuple[str, ...] = ("bot.slack.platform", "bot.discord.platform")


def enabled_platforms(settings: Settings) -> list[Platform]:
    """The chat platforms these settings configure (the console, always available for
    local use, is not among them: it is what runs when this list is empty)."""
    found = (importlib.import_module(name).configured(settings) for name in PLATFORMS)
    return [p for p in found if p is not None]


def post_tokens() -> dict[str, str]:
    """Each platform's name and the setting it posts with, configured or not, for
    "nothing to post with" errors."""
    return {name.split(".")[-2]: importlib.import_module(name).POST_TOKEN for name in PLATFORMS}


# ---------------------------------------------------------------------------- the whole


@dataclass
class Boot:
    """What one process runs on, built on first use: a command asks for what it needs."""

    settings: Settings

    @cached_property
    def db(self) -> Database:
        return open_database(self.settings)

    @cached_property
    def services(self) -> Services:
        from bot.core.services import Services

        return Services.build(self.settings, self.db)

    @cached_property
    def platforms(self) -> list[Platform]:
        return enabled_platforms(self.settings)

    def platform(self, name: str) -> Platform | None:
        return next((p for p in self.platforms if p.name == name), None)

    def posting(self) -> list[Platform]:
        """The platforms digests and alerts can be posted to."""
        return [p for p in self.platforms if p.posts]

    def serving(self) -> list[Platform]:
        return [p for p in self.platforms if p.serves]

    def indexer(self) -> Indexer:
        from bot.indexer.pipeline import Indexer

        return Indexer(self.db, self.settings)

    def ensure_seeded(self) -> list[IngestResult]:
        return ensure_seeded(self.db, self.settings)

    def start_schedulers(
        self, platforms: list[Platform] | None = None, *, sweep_seconds: float | None = None
    ) -> list[DigestScheduler]:
        """One digest scheduler per platform that can post (of `platforms`, default all),
        on the shared Services, so /digest now on a platform reaches its scheduler."""
        from bot.scheduling.jobs import SWEEP_SECONDS, DigestScheduler

        every = SWEEP_SECONDS if sweep_seconds is None else sweep_seconds
        chosen = self.posting() if platforms is None else [p for p in platforms if p.posts]
        return [
            DigestScheduler(self.services, p.poster(self.settings), sweep_seconds=every).start(
                feeds=i == 0  # feeds are the process's, not a platform's: poll them once
            )
            for i, p in enumerate(chosen)
        ]

    def serve(self, platforms: list[Platform]) -> None:
        """Answer users on every one of `platforms` from this process, with a digest
        scheduler for each that can post; blocks until interrupted. One platform serves
        in this thread (the first that cannot serve in the background, else the last),
        the others on daemon threads."""
        configure_logging(serving=True)
        servers = [p.server(self.settings, lambda: self.services) for p in platforms]
        foreground = next((s for s in servers if not s.background), servers[-1])
        for server in servers:
            if server is not foreground:
                server.start()
        self.start_schedulers(platforms)
        foreground.run()


def load_settings() -> Settings:
    """The settings every command runs on: the environment and .env, read once. (Tests
    that drive the Typer app in-process replace this to point it at their database.)"""
    return get_settings()


def boot(*, serving: bool = False) -> Boot:
    """The process's composition, its settings read and validated. `python -m bot`
    configured logging before the command ran (bot.cli.main); a command that serves or
    posts on its own says so, and gets its INFO log."""
    if serving:
        configure_logging(serving=True)
    return Boot(load_settings())
