"""Feed poll claims on both engines: the migration, and four processes racing for one
feed's poll — exactly one wins, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import time

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.settings import ROOT
from storage import feeds as store
from storage.db import Database, alembic_config

RACE = textwrap.dedent(
    """
    import datetime as dt, os, sys, time
    from storage.db import Database
    from storage import feeds
    db = Database(os.environ["DATABASE_URL"], migrate=False)
    start = float(sys.argv[2])
    while time.time() < start:
        time.sleep(0.001)
    now = dt.datetime(2026, 12, 1, 9, 0)
    me = f"host:{os.getpid()}:race"
    claim = feeds.claim_poll(db, int(sys.argv[1]), worker=me, now=now,
                             lease=dt.timedelta(minutes=30))
    added = None
    if claim is not None:
        entry = feeds.NewEntry(feeds.entry_key("urn:one"), "https://example.org/one", None)
        added = feeds.remember_entries(db, claim.id, [entry], worker=me, now=now)
    print("won" if claim is not None else "lost", added)
    """
)


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env["DATABASE_URL"] = url
    return env


def test_migration_makes_the_feed_tables(engine_url: str) -> None:
    db = Database(engine_url)
    try:
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert {"feeds", "feed_entries"} <= tables
        # the database stands at the newest migration, whichever that is now
        assert version == ScriptDirectory.from_config(alembic_config(engine_url)).get_current_head()
    finally:
        db.dispose()


def test_a_feed_poll_is_claimed_once_across_processes(engine_url: str) -> None:
    db = Database(engine_url)
    try:
        with db.session() as s:
            row = store.add_feed(
                s, url="https://example.org/rss.xml", interval_minutes=30,
                now=dt.datetime(2026, 12, 1, 8, 0),
            )  # fmt: skip
        assert row is not None
        start = f"{time.time() + 3:.3f}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", RACE, str(row.id), start],
                cwd=ROOT,
                env=_env(engine_url),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        results = [p.communicate(timeout=120) for p in procs]
        verdicts = sorted(out.strip() for out, _ in results)
        assert verdicts == ["lost None"] * 3 + ["won 1"], [e for _, e in results]
        with db.session() as s:
            assert len(store.entries_of(s, row.id)) == 1
            claimed = store.get_feed(s, row.id)
        assert claimed is not None and claimed.claimed_by is not None
    finally:
        db.dispose()
