"""Process-wide wiring: the database, the indexer, and seeding on first run."""

from __future__ import annotations

from bot.indexer.pipeline import Indexer, IngestResult
from bot.indexer.sources import load_seed_dir
from bot.settings import Settings
from storage import ledger
from storage.db import Database


def open_database(settings: Settings) -> Database:
    return Database(settings.database_url)


def ensure_seeded(db: Database, indexer: Indexer, settings: Settings) -> list[IngestResult]:
    """Ingest `seeds/` the first time the bot runs on a database; later runs do nothing."""
    with db.session() as session:
        if ledger.seed_articles_present(session):
            return []
    return list(indexer.ingest_many(load_seed_dir(settings.seeds_dir, settings=settings)))
