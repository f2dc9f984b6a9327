"""Counts cached per ledger version are never stale: an insert, an update, a delete or a
retraction — by this process or another — is seen by the next count, on both engines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import admin, queries
from storage.db import Database
from tests.conftest import fresh_postgres_database, sqlite_url
from tests.core_ledger import add_article

D = dt.date
TOPIC = "haqqani-network"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(sqlite_url(tmp_path / "counts.db"))
        yield database
        database.dispose()
        return
    with fresh_postgres_database() as url:
        database = Database(url)
        yield database
        database.dispose()


def counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        return queries.actor_counts_on(s, TOPIC)


def test_counts_follow_inserts_updates_deletes_and_retractions(db: Database) -> None:
    first = add_article(db, "One", D(2019, 1, 1), positions=[{"actor": "Pakistan"}] * 2)
    assert counts(db) == {"Pakistan": 2}
    assert counts(db) == {"Pakistan": 2}  # served again, unchanged
    add_article(db, "Two", D(2019, 2, 1), positions=[{"actor": "United States"}])
    assert counts(db) == {"Pakistan": 2, "United States": 1}
    # another connection marks a row a repeat: the newest ids do not move
    other = Database(db.url, migrate=False)
    try:
        with other.session() as s:
            s.execute(
                text(
                    "UPDATE positions SET is_repeat = :t WHERE article_id = :a AND id = "
                    "(SELECT min(id) FROM positions WHERE article_id = :a)"
                ),
                {"t": True, "a": first},
            )
        assert counts(db) == {"Pakistan": 1, "United States": 1}
        with other.session() as s:  # a delete of an older row, newest ids unchanged
            s.execute(text("DELETE FROM positions WHERE article_id = :a"), {"a": first})
        assert counts(db) == {"United States": 1}
    finally:
        other.dispose()
    third = add_article(db, "Three", D(2019, 3, 1), positions=[{"actor": "China"}])
    add_article(db, "Four", D(2019, 4, 1), positions=[{"actor": "China"}])
    assert counts(db) == {"United States": 1, "China": 2}
    with db.session() as s:
        assert admin.retract(s, third) is not None
    assert counts(db) == {"United States": 1, "China": 1}
    with db.session() as s:
        assert queries.article_count(s) == 3
        assert dict(queries.most_active_topics(s)) == {TOPIC: 2}


def test_changes_since_is_exact_within_the_cached_hour(db: Database) -> None:
    since = dt.datetime(2026, 3, 2, 10, 30)
    for minutes, title in ((-45, "before the hour"), (-10, "in the hour"), (10, "after")):
        add_article(
            db,
            title,
            D(2026, 3, 1),
            positions=[{"actor": "Pakistan"}],
            ingested_at=since + dt.timedelta(minutes=minutes),
        )
    with db.session() as s:
        changes = queries.changes_since(s, since)
        assert (changes.article_count, changes.position_count) == (1, 1)
        assert [a.source.title for a in changes.articles] == ["after"]
        earlier = queries.changes_since(s, since - dt.timedelta(minutes=20))
        assert (earlier.article_count, earlier.position_count) == (2, 2)
        assert dict(earlier.positions_by_topic) == {TOPIC: 2}
