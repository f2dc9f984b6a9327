"""Ingest writes a batch in one transaction, and decides exactly what article-by-article
ingest decides; a seeded start imports no model.

The fixture articles are invented for these tests: three outlets report one post by a
president in their own framing, the third also reports something else he said, and a fourth is
an unrelated report.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from bot.indexer.pipeline import AuditAs, Indexer
from bot.indexer.sources import load_text
from storage.db import Database
from storage.models import Article, AuditEntry, Position
from tests.conftest import build_settings, fresh_postgres_database, sqlite_url

ROOT = Path(__file__).resolve().parent.parent

GULL = """---
title: President faults Islamabad over crossings
source: Gull Gazette
date: 2026-02-02
url: https://gull.example/crossings
---
The American president criticised the closure of the border crossings on Monday.

"Pakistan keeps giving safe haven to the Haqqani network and we pay for it every single \
day with American aid," President Trump wrote on Twitter on Monday.

Traders in the border towns said their losses were growing each day.
"""
HERON = """---
title: Islamabad rejects presidential post
source: Heron Herald
date: 2026-02-03
url: https://heron.example/remarks
---
Pakistan's foreign office rejected the criticism from Washington a day later.

President Trump said Pakistan "keeps giving safe haven to the Haqqani network," adding \
that "we pay for it every single day with American aid."

A spokesman in Islamabad called the closures a matter of national security.
"""
KESTREL = """---
title: Crossing row continues
source: Kestrel Courier
date: 2026-02-04
url: https://kestrel.example/row
---
The dispute over the closed crossings continued this week.

"We pay for it every single day with American aid," Trump wrote in his post, saying \
Pakistan keeps giving safe haven to the Haqqani network.

On Wednesday, Trump said the United States would pay for new scanners at the crossings \
before the summer.
"""
PLOVER = """---
title: Canal board opens tenders
source: Plover Post
date: 2026-02-05
---
The canal board opened tenders for the repair of twelve sluice gates in the southern \
districts, officials said.

Work is due to start after the monsoon and to last two seasons.
"""
ARTICLES = (GULL, HERON, KESTREL, PLOVER)


class WriteCounter:
    """Committed transactions that inserted anything, seen on the engine itself."""

    def __init__(self, db: Database) -> None:
        self.writes = 0
        self._wrote = False
        event.listen(db.engine, "begin", self._begin)
        event.listen(db.engine, "before_cursor_execute", self._statement)
        event.listen(db.engine, "commit", self._commit)

    def _begin(self, _conn: object) -> None:
        self._wrote = False

    def _statement(self, _conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            self._wrote = True

    def _commit(self, _conn: object) -> None:
        if self._wrote:
            self.writes += 1
        self._wrote = False


def _ingest(url: str, batch: int, *, audit: AuditAs | None = None) -> list[str]:
    settings = build_settings(url, ingest_batch_articles=batch)
    db = Database(url)
    try:
        indexer = Indexer(db, settings)
        raws = [load_text(a, origin="file") for a in ARTICLES]
        return [r.status for r in indexer.ingest_many(raws, audit_as=audit)]
    finally:
        db.dispose()


def _ledger(url: str) -> list[tuple[object, ...]]:
    """Every position as (article url or title, actor, topic, statement as first seen,
    repeat, stated_on): ids renumbered, so two ledgers compare by what they say."""
    db = Database(url)
    try:
        with db.session() as s:
            rows = s.execute(
                select(
                    Article.url,
                    Article.title,
                    Position.actor,
                    Position.topic,
                    Position.statement_id,
                    Position.is_repeat,
                    Position.stated_on,
                    Position.evidence,
                )
                .join(Article, Position.article_id == Article.id)
                .order_by(Position.id)
            ).all()
    finally:
        db.dispose()
    first_seen: dict[int, int] = {}
    return [
        (url or title, actor, topic, first_seen.setdefault(sid, len(first_seen)), rep, on, ev)
        for url, title, actor, topic, sid, rep, on, ev in rows
    ]


@pytest.fixture
def batch_url(tmp_path: Path, nlp: object) -> str:
    return sqlite_url(tmp_path / "batch.db")


def test_a_batch_is_one_write_transaction_with_its_audit_rows(batch_url: str) -> None:
    settings = build_settings(batch_url, ingest_batch_articles=10)
    db = Database(batch_url)
    try:
        counter = WriteCounter(db)
        indexer = Indexer(db, settings)
        raws = [load_text(a, origin="file") for a in ARTICLES]
        statuses = [r.status for r in indexer.ingest_many(raws, audit_as=AuditAs("ana", "cli"))]
        assert statuses == ["new"] * len(ARTICLES)
        assert counter.writes == 1
        with db.session() as s:
            audit = s.execute(select(AuditEntry.user_id, AuditEntry.platform)).all()
            positions = s.scalar(select(text("count(*)")).select_from(Position))
        assert audit == [("ana", "cli")] * len(ARTICLES)
        assert positions
    finally:
        db.dispose()


def test_batches_of_two_write_twice(batch_url: str) -> None:
    settings = build_settings(batch_url, ingest_batch_articles=2)
    db = Database(batch_url)
    try:
        counter = WriteCounter(db)
        raws = [load_text(a, origin="file") for a in ARTICLES]
        assert [r.status for r in Indexer(db, settings).ingest_many(raws)] == ["new"] * 4
        assert counter.writes == 2
    finally:
        db.dispose()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_one_batch_stores_what_one_article_at_a_time_stores(
    engine: str, tmp_path: Path, nlp: object
) -> None:
    if engine == "sqlite":
        one, batch = sqlite_url(tmp_path / "one.db"), sqlite_url(tmp_path / "all.db")
        assert _ingest(one, 1) == _ingest(batch, 10) == ["new"] * 4
        alone, together = _ledger(one), _ledger(batch)
    else:
        with fresh_postgres_database() as one, fresh_postgres_database() as batch:
            assert _ingest(one, 1) == _ingest(batch, 10) == ["new"] * 4
            alone, together = _ledger(one), _ledger(batch)
    assert together == alone
    # and the fixture does exercise "said once": three outlets, one statement
    quoted = {row[3] for row in alone if "every single day" in str(row[6])}
    assert len(quoted) == 1
    assert len({row[0] for row in alone if "every single day" in str(row[6])}) == 3


def test_two_copies_in_one_batch_store_once_and_name_the_first(batch_url: str) -> None:
    settings = build_settings(batch_url, ingest_batch_articles=10)
    db = Database(batch_url)
    try:
        raws = [load_text(GULL, origin="file"), load_text(GULL.replace("“", '"'), origin="file")]
        results = list(Indexer(db, settings).ingest_many(raws))
        assert [r.status for r in results] == ["new", "duplicate"]
        assert results[1].duplicate_of == results[0].article_id
    finally:
        db.dispose()


def test_a_seeded_start_never_imports_the_model(seeded_copy_url: str) -> None:
    """`make run` on a ledger that has its seeds: the console starts, spaCy stays out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env["DATABASE_URL"] = seeded_copy_url
    probe = (
        "import atexit, sys\n"
        "heavy = ('spacy', 'trafilatura', 'httpx', 'alembic', 'tqdm')\n"
        "atexit.register(lambda: print('LOADED', [m for m in heavy if m in sys.modules]))\n"
        "from bot.cli import main\n"
        "sys.argv = ['bot', 'start']\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "briefing>" in proc.stdout, proc.stderr[-2000:]
    assert "LOADED []" in proc.stdout, proc.stdout[-500:]


def test_bot_connections_to_postgresql_run_without_jit() -> None:
    with fresh_postgres_database() as url:
        db = Database(url)
        try:
            with db.session() as s:
                assert s.scalar(text("SHOW jit")) == "off"
        finally:
            db.dispose()
