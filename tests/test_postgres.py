"""Everything on both engines: SQLite files and a real PostgreSQL server.

Each test takes `engine_url` (conftest): a fresh SQLite file, or a fresh database created
on the PostgreSQL server and dropped after; PostgreSQL cases skip, with the reason shown
by `pytest -rs`, when no server answers. Covered: migrations from empty, ingest of the
seeds, /position, /search (FTS5 on SQLite, the tsvector column on PostgreSQL), duplicate
detection, concurrent ingests from separate processes, and a digest claimed exactly once
by racing processes.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, text

from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.core.reply import Reply
from bot.core.services import Services
from bot.indexer.pipeline import Indexer
from bot.indexer.sources import load_seed_dir, load_text
from bot.settings import ROOT
from storage import queries
from storage.db import Database
from storage.models import Article
from tests.conftest import SEED_COUNT, build_settings, fresh_postgres_database, sqlite_url

ENGINES = ["sqlite", "postgresql"]


@contextmanager
def empty_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_url(folder / "ledger.db")
    else:
        with fresh_postgres_database() as url:
            yield url


def test_migrations_up_from_empty(engine_url: str) -> None:
    db = Database(engine_url)
    try:
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if db.dialect == "postgresql":
                cols = {c["name"] for c in inspect(conn).get_columns("articles")}
                assert "search" in cols  # the generated tsvector column
        assert {"articles", "positions", "stories", "audit_log", "processed_events"} <= tables
        assert version is not None and version >= "0003"
        Database(engine_url).dispose()  # a second start is a no-op, not an error
    finally:
        db.dispose()


# ---------------------------------------------------------------------- a seeded ledger


class Seeded:
    def __init__(self, url: str) -> None:
        self.settings = build_settings(url)
        self.db = Database(url)
        self.indexer = Indexer(self.db, self.settings)
        results = list(
            self.indexer.ingest_many(load_seed_dir(self.settings.seeds_dir, settings=self.settings))
        )
        assert [r.status for r in results] == ["new"] * SEED_COUNT
        self.services = Services.build(self.settings, self.db)

    def ask(self, line: str) -> Reply:
        return dispatch(Ctx(self.services, user="U1", channel="C1"), parse(line, user="U1"))


@pytest.fixture(scope="module", params=ENGINES)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, nlp: object
) -> Iterator[Seeded]:
    with empty_database(request.param, tmp_path_factory.mktemp("engines")) as url:
        ledger = Seeded(url)
        yield ledger
        ledger.db.dispose()


def test_position_haqqani(seeded: Seeded) -> None:
    reply = seeded.ask("/position haqqani")
    assert "error" not in reply.tags
    assert "Khawaja Asif" in reply.text and "Rex Tillerson" in reply.text
    assert "Where they diverge" in reply.text


def test_search_uses_the_engines_full_text_index(seeded: Seeded) -> None:
    with seeded.db.session() as s:
        articles, positions = queries.search(s, "trust deficit")
        assert articles and positions
        hit = next(h for h in positions if queries.HIT_START in h.snippet)
        marked = hit.snippet.split(queries.HIT_START, 1)[1].split(queries.HIT_END, 1)[0]
        assert marked.lower() in ("trust", "deficit")
        assert [h.rank for h in articles] == sorted(h.rank for h in articles)  # best first
        # every word must match; failing that, any word does
        none, _ = queries.search(s, "haqqani zzyzxqu")
        assert none  # fell back to "any word"
        assert queries.search(s, "zzyzxqu qqxzy") == ([], [])
        # stemming: "havens" finds "haven", on both engines
        assert queries.search(s, "haven")[0]
    reply = seeded.ask("/search trust deficit")
    assert "Statements" in reply.text and "trust deficit" in reply.text.lower()


@settings(max_examples=40, deadline=None)
@given(query=st.text(max_size=60))
def test_search_never_fails_on_any_query(seeded: Seeded, query: str) -> None:
    """User words are never read as query syntax (FTS5 MATCH, to_tsquery)."""
    with seeded.db.session() as s:
        articles, positions = queries.search(s, query, limit=3)
    assert len(articles) <= 3 and len(positions) <= 3


def test_duplicates_are_detected(seeded: Seeded) -> None:
    again = list(
        seeded.indexer.ingest_many(
            load_seed_dir(seeded.settings.seeds_dir, settings=seeded.settings)
        )
    )
    assert [r.status for r in again] == ["duplicate"] * SEED_COUNT
    first = sorted(seeded.settings.seeds_dir.glob("0*.txt"))[0].read_text(encoding="utf-8")
    edited = first.replace("Pakistan", "Pakistan", 1) + "\n\nA later edition added this line.\n"
    result = seeded.indexer.ingest(load_text(edited, origin="chat", settings=seeded.settings))
    assert result.status == "near-duplicate", result
    with seeded.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Article)) == SEED_COUNT + 1


# ---------------------------------------------------------------------- several processes

SUBJECTS = ["A port authority", "The grain board", "A river commission", "The rail office"]
VERBS = ["published figures on", "opened a review of", "set a deadline for", "cut funds for"]
OBJECTS = ["cold storage", "canal repairs", "bus depots", "solar farms", "fishing permits"]


def _report(rng: random.Random, n: int) -> str:
    sentences = [
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
        f"in district {rng.randint(1, 999)} on day {rng.randint(1, 28)} of week {n}."
        for _ in range(9)
    ]
    return f"District bulletin number {n}\n\n" + "\n\n".join(sentences) + "\n"


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env["DATABASE_URL"] = url
    return env


def test_two_bot_processes_and_an_ingest_store_each_article_once(
    engine_url: str, tmp_path: Path, nlp: object
) -> None:
    rng = random.Random(77)
    reports = {n: _report(rng, n) for n in range(12)}
    dirs = {name: tmp_path / name for name in ("a", "b", "c")}
    spans = {"a": range(0, 8), "b": range(4, 12), "c": range(2, 10)}  # overlapping
    for name, folder in dirs.items():
        folder.mkdir()
        for n in spans[name]:
            (folder / f"bulletin_{n:02}.txt").write_text(reports[n], encoding="utf-8")
    db = Database(engine_url)  # migrated before the race: the processes race on data only
    try:
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "ingest", "-q", str(dirs[name])],
                cwd=ROOT,
                env=_env(engine_url),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in ("a", "b")
        ]
        settings_ = build_settings(engine_url)
        local = list(Indexer(db, settings_).ingest_paths([str(dirs["c"])]))
        outputs = [p.communicate(timeout=300) for p in procs]
        for proc, (_out, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err[-2000:]
        assert all(r.status in ("new", "duplicate") for r in local), [r.reason for r in local]
        with db.session() as s:
            rows = s.execute(select(Article.content_hash, Article.source_path)).all()
        assert len(rows) == len(reports)
        assert len({h for h, _ in rows}) == len(reports)
        # stored once each, whichever process won it
        names = sorted(Path(p).name for _, p in rows)
        assert names == [f"bulletin_{n:02}.txt" for n in range(12)]
    finally:
        db.dispose()


CLAIM_SCRIPT = textwrap.dedent(
    """
    import datetime as dt, os, sys, time
    from storage.db import Database
    from storage import claims
    db = Database(os.environ["DATABASE_URL"], migrate=False)
    start = float(sys.argv[2])
    while time.time() < start:
        time.sleep(0.001)
    now = dt.datetime(2024, 3, 1, 8, 0)
    claim = claims.claim_run(
        db, subscription_id=int(sys.argv[1]), period="2024-03-01T08:00", worker=f"w{os.getpid()}",
        now=now, window_start=now - dt.timedelta(days=1), window_end=now,
        lease=dt.timedelta(minutes=15),
    )
    print("won" if claim is not None else "lost")
    """
)


def test_a_digest_run_is_claimed_once_across_processes(engine_url: str) -> None:
    pytest.importorskip("storage.claims")
    import time

    from storage import subscriptions

    db = Database(engine_url)
    try:
        with db.session() as s:
            sub = subscriptions.save_subscription(
                s, platform="slack", channel="C1", time_of_day="08:00", timezone="UTC", days="daily"
            )
        sub_id = sub.id
        start = f"{time.time() + 3:.3f}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", CLAIM_SCRIPT, str(sub_id), start],
                cwd=ROOT,
                env=_env(engine_url),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        results = [p.communicate(timeout=120) for p in procs]
        verdicts = [out.strip() for out, _ in results]
        assert sorted(verdicts) == ["lost", "lost", "lost", "won"], [e for _, e in results]
    finally:
        db.dispose()
