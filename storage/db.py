"""Engine and session set-up, and schema migration on start.

SQLite is the embedded default: WAL so readers (the bot answering) never wait on the
writer (an ingest), foreign keys on so deleting an article takes its positions with it,
and a busy timeout so two processes sharing the file queue instead of failing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]*)?=\s*[\"']([^\"']+)[\"']", re.M)


def in_memory(url: str) -> bool:
    """A SQLite database only this process can see (another process opening the same URL
    gets an empty one of its own)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    mode = parsed.query.get("mode")
    return not parsed.database or parsed.database == ":memory:" or mode == "memory"


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # The bot's queries are short index probes; PostgreSQL's JIT compiles the ones it
        # guesses expensive and spent ~40 ms doing so on a million positions.
        given = parsed.query.get("options")  # a tuple when the URL repeats it
        given = " ".join(given) if isinstance(given, tuple) else given
        options = " ".join(filter(None, [given, "-c jit=off"]))
        return create_engine(url, pool_pre_ping=True, connect_args={"options": options})
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if not in_memory(url) and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return engine


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@lru_cache(maxsize=1)
def _head_revision() -> str | None:
    """The newest migration's id, read from the files (None unless there is exactly one
    head): enough to see that a database is current without importing alembic."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if found := _REVISION.search(source):
            revisions.add(found.group(1))
        if found := _DOWN_REVISION.search(source):
            parents.add(found.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _current_revisions(engine: Engine) -> set[str] | None:
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    except DBAPIError:  # no table yet: a new database
        return None


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it already is: then alembic,
    a heavy import, is not even loaded)."""
    head = _head_revision()
    if head is not None and _current_revisions(engine) == {head}:
        return
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Database:
    """An engine plus a session factory; one per process (or per test)."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        if migrate:
            upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
