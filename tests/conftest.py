"""Shared fixtures: one spaCy load per session, throw-away SQLite files, a seeded ledger.

Fixtures
--------
``nlp``             session: the spaCy pipeline (``bot.indexer.nlp.load`` is cached per
                    process, so the Indexer and every test share this one object).
``make_settings``   function: ``make_settings(**overrides)`` builds a ``Settings`` that
                    ignores ``.env`` and points at ``tmp_path/t.db`` unless overridden.
``settings``        function: ``make_settings()`` with no overrides.
``db``              function: a migrated ``Database`` on ``settings.database_url``,
                    disposed after the test.
``indexer``         function: an ``Indexer`` over ``db`` and ``settings``.
``seeded_db_url``   session: the URL of a SQLite file holding the five seed articles,
                    ingested ONCE per session the way the bot seeds itself
                    (``load_seed_dir`` + ``Indexer.ingest_many``: origin "seed",
                    ``seeds/metadata.yaml`` applied). READ-ONLY: every test in the session
                    shares the file, so a test that writes must use ``seeded_copy_url``.
``seeded_copy_url`` function: the URL of a private copy of the seeded file under
                    ``tmp_path`` (taken with SQLite's backup API, so the WAL is included);
                    write to it freely.
``engine_url``      function, parametrized ["sqlite", "postgresql"]: the URL of an empty
                    database on that engine — a tmp SQLite file, or a fresh database
                    ``t_<random>`` created on the PostgreSQL server at ``TEST_POSTGRES_URL``
                    (default postgresql+psycopg://postgres@127.0.0.1:5432/test) and dropped
                    afterwards. Skips, with the reason shown by ``pytest -rs``, when no
                    server answers.
``db_snapshot``     function: ``db_snapshot(db, exclude=())`` → {table: (row count, sha256
                    of its rows)} over every table of the database (FTS shadow tables
                    included), to prove an input left the database unchanged.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from spacy.language import Language
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from bot.indexer.nlp import load
from bot.indexer.pipeline import Indexer
from bot.indexer.sources import load_seed_dir
from bot.settings import Settings
from storage.db import Database

SEED_COUNT = 5

# Answers are computed in the serving process in tests unless a test asks for answer
# worker processes itself (tests/test_answer_workers.py): a worker cannot see what a test
# injects into its Services (a frozen clock, a fake indexer), and booting one per harness
# would add seconds to every chat test.
os.environ.setdefault("ANSWER_PROCESSES", "0")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def copy_sqlite(src: Path, dst: Path) -> None:
    """Copy a live SQLite database (WAL included) with the backup API, not a file copy."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def build_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for a test: explicit values only, never the developer's `.env`."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "slack_bot_token": None,
        "slack_signing_secret": None,
        "slack_app_token": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def nlp() -> Language:
    return load(Settings(_env_file=None).spacy_model)  # type: ignore[call-arg]


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        overrides.setdefault("database_url", sqlite_url(tmp_path / "t.db"))
        return build_settings(**overrides)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def indexer(db: Database, settings: Settings, nlp: Language) -> Indexer:
    return Indexer(db, settings)


@pytest.fixture(scope="session")
def seeded_db_path(tmp_path_factory: pytest.TempPathFactory, nlp: Language) -> Path:
    """The seeded SQLite file itself (see ``seeded_db_url``)."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    settings = build_settings(sqlite_url(path))
    database = Database(settings.database_url)
    try:
        results = list(
            Indexer(database, settings).ingest_many(
                load_seed_dir(settings.seeds_dir, settings=settings)
            )
        )
    finally:
        database.dispose()
    statuses = [r.status for r in results]
    assert statuses == ["new"] * SEED_COUNT, statuses
    return path


@pytest.fixture(scope="session")
def seeded_db_url(seeded_db_path: Path) -> str:
    """URL of the session's seeded ledger (5 seed articles). Read-only: do not write."""
    return sqlite_url(seeded_db_path)


@pytest.fixture
def seeded_copy_url(seeded_db_path: Path, tmp_path: Path) -> str:
    """URL of a private, writable copy of the seeded ledger."""
    target = tmp_path / "seeded-copy.db"
    copy_sqlite(seeded_db_path, target)
    return sqlite_url(target)


# ---------------------------------------------------------------------- both engines

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_unreachable(url: str = POSTGRES_ADMIN_URL, timeout: float = 0.5) -> str | None:
    """Why no PostgreSQL server can be used (None when one answers on the URL's port)."""
    parsed = make_url(url)
    host, port = parsed.host or "127.0.0.1", parsed.port or 5432
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"no PostgreSQL server at {host}:{port} ({exc.strerror or exc})"


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the test server; dropped (connections and all) after."""
    reason = postgres_unreachable()
    if reason:
        pytest.skip(reason)
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL on each engine (see the module docstring)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "engine.db")
        return
    with fresh_postgres_database() as url:
        yield url


Snapshot = dict[str, tuple[int, str]]


def snapshot_database(db: Database, exclude: Iterable[str] = ()) -> Snapshot:
    """Row count and a content hash of every table (sorted rows, so order-independent)."""
    skip = set(exclude)
    out: Snapshot = {}
    with db.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            if table in skip:
                continue
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            digest = hashlib.sha256()
            for line in sorted(repr(tuple(r)) for r in rows):
                digest.update(line.encode("utf-8", "surrogatepass"))
            out[table] = (len(rows), digest.hexdigest())
    return out


@pytest.fixture
def db_snapshot() -> Callable[..., Snapshot]:
    return snapshot_database
