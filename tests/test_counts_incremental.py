"""Counts brought up to date from inserted rows equal counts computed afresh.

After each write of a random sequence — articles with their positions, a position added
to an old article, a row marked a repeat, a row deleted, an article retracted, a
correction and its undo — every cached aggregate asked of a long-lived engine (merged
from the new rows whenever only inserts happened) is compared with the same aggregate
computed by a new engine, whose cache is empty. The sequences run on a real SQLite file
and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError

from storage import admin, cached, corrections, queries
from storage.db import Database, alembic_config
from storage.models import Article, LedgerVersion, Position, Statement
from tests.core_ledger import add_article

D = dt.date
TOPICS = ["border", "trust", "water"]
ACTORS = ["Pakistan", "United States", "China"]
DATES = [None, D(2018, 5, 1), D(2019, 1, 1), D(2020, 7, 4), D(2021, 2, 2)]
HOUR = dt.datetime(2026, 3, 2, 10, 0)
WINDOWS = [
    (None, None),
    (D(2019, 1, 1), None),
    (None, D(2020, 7, 4)),
    (D(2019, 1, 1), D(2020, 7, 4)),
]


@pytest.fixture
def db(engine_url: str) -> Iterator[Database]:
    database = Database(engine_url)
    yield database
    database.dispose()


def figures(db: Database) -> dict[str, object]:
    """Every cached aggregate, in the shapes the queries return."""
    out: dict[str, object] = {}
    with db.session() as s:
        for topic in TOPICS:
            for since, until in WINDOWS:
                out[f"actors {topic} {since} {until}"] = queries.actor_counts_on(
                    s, topic, since=since, until=until
                )
        for since in (None, D(2019, 1, 1)):
            out[f"active {since}"] = queries.most_active_topics(s, since=since, limit=2)
        out["topics"] = queries.topic_counts(s)
        out["articles"] = queries.article_count(s)
        for minutes in (0, 20):
            c = queries.changes_since(s, HOUR + dt.timedelta(minutes=minutes))
            out[f"since {minutes}"] = (c.article_count, c.position_count, c.positions_by_topic)
    return out


def fresh_figures(url: str) -> dict[str, object]:
    other = Database(url, migrate=False)  # a new engine: nothing cached
    try:
        return figures(other)
    finally:
        other.dispose()


def insert_article(db: Database, rng: random.Random) -> None:
    with db.session() as s:
        statements = []
        for _ in range(rng.randint(1, 4)):
            st = Statement()
            s.add(st)
            s.flush()
            statements.append(st.id)
    add_article(
        db,
        "Talks",
        D(2021, 5, 4),
        ingested_at=HOUR + dt.timedelta(minutes=rng.randrange(-90, 60)),
        positions=[
            {
                "actor": rng.choice(ACTORS),
                "topic": rng.choice(TOPICS),
                "is_repeat": rng.random() < 0.25,
                "stated_date": rng.choice(DATES),
                "evidence": f"The envoy said talks would go on, number {sid}.",
                "statement_id": sid,
            }
            for sid in statements
        ],
    )


def insert_into_old_article(db: Database, rng: random.Random) -> bool:
    """A position inserted into an existing article (new id, old article): the distinct
    article counts must not count its article twice."""
    with db.session() as s:
        article_ids = list(s.scalars(select(Article.id)))
        if not article_ids:
            return False
        s.add(
            Position(
                article_id=rng.choice(article_ids),
                actor=rng.choice(ACTORS),
                topic=rng.choice(TOPICS),
                claim="a claim",
                evidence="A later sentence of the same article.",
                kind="quote",
                published=D(2021, 5, 4),
                stated_date=rng.choice(DATES),
            )
        )
    return True


def some_position(db: Database, rng: random.Random) -> Position | None:
    with db.session() as s:
        rows = list(s.scalars(select(Position)))
        if not rows:
            return None
        s.expunge_all()
        return rng.choice(rows)


def flip_repeat(db: Database, rng: random.Random) -> None:
    p = some_position(db, rng)
    if p is not None:
        with db.session() as s:
            s.execute(
                text("UPDATE positions SET is_repeat = :r WHERE id = :id"),
                {"r": not p.is_repeat, "id": p.id},
            )


def delete_position(db: Database, rng: random.Random) -> None:
    p = some_position(db, rng)
    if p is not None:
        with db.session() as s:
            s.execute(text("DELETE FROM positions WHERE id = :id"), {"id": p.id})


def retract_article(db: Database, rng: random.Random) -> None:
    with db.session() as s:
        article_ids = list(s.scalars(select(Article.id)))
        if article_ids:
            admin.retract(s, rng.choice(article_ids))


def correct_then_maybe_undo(db: Database, rng: random.Random, done: list[int]) -> None:
    """A correction (rows updated or deleted), or the undo of an earlier one (rows written
    back under their old ids)."""
    if done and rng.random() < 0.5:
        with db.session() as s:
            corrections.undo(s, done.pop(), user="U1", platform="cli")
        return
    p = some_position(db, rng)
    if p is None or p.statement_id is None:
        return
    kind, value = rng.choice([("not-stance", None), ("state", rng.choice(ACTORS))])
    try:
        with db.session() as s:
            record = corrections.correct(s, p.statement_id, kind, value, user="U1", platform="cli")
        done.append(record.id)
    except corrections.Refused:
        pass  # e.g. the statement already says so


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_merged_counts_equal_fresh_counts(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    done: list[int] = []
    inserts_merged = 0
    for step in range(30):
        before = cached.stats(db.engine)
        roll = rng.random()
        only_inserts = True
        if roll < 0.55 or step < 3:
            insert_article(db, rng)
        elif roll < 0.65:
            only_inserts = insert_into_old_article(db, rng)
        else:
            only_inserts = False
            rng.choice(
                [
                    lambda: flip_repeat(db, rng),
                    lambda: delete_position(db, rng),
                    lambda: retract_article(db, rng),
                    lambda: correct_then_maybe_undo(db, rng, done),
                ]
            )()
        got = figures(db)
        assert got == fresh_figures(db.url), f"step {step}"
        after = cached.stats(db.engine)
        if only_inserts and step > 0:
            # every figure was cached before this insert: each one is merged, none recomputed
            assert after.get("full", 0) == before.get("full", 0), f"step {step}"
            assert after["delta"] > before.get("delta", 0)
            inserts_merged += 1
    assert inserts_merged >= 10


def test_a_merge_reads_only_the_new_rows(db: Database) -> None:
    """After an insert the counts are merged by statements over the new rows alone (the
    materialised primary-key range), not by counts over the topic."""
    rng = random.Random(7)
    for _ in range(3):
        insert_article(db, rng)

    def ask() -> None:
        with db.session() as s:
            for topic in TOPICS:
                queries.actor_counts_on(s, topic, since=D(2019, 1, 1))
            queries.most_active_topics(s)
            queries.topic_counts(s)
            queries.article_count(s)
            queries.changes_since(s, HOUR)  # on the hour: no uncached gap to count

    ask()
    insert_article(db, rng)
    seen: list[str] = []

    def log(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", log)
    try:
        ask()
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    counts = [q for q in seen if "count(" in q.lower() and "positions" in q]
    assert len(counts) == len(TOPICS) + 3  # actors per topic, active, topics, since
    assert all("new_positions" in q for q in counts), counts
    ask()  # and a second ask is served from the cache
    assert cached.stats(db.engine)["hit"] >= len(TOPICS) + 4


def test_an_insert_leaves_the_counter_and_a_change_moves_it(db: Database) -> None:
    def changes() -> int:
        with db.session() as s:
            return s.scalar(select(LedgerVersion.changes).where(LedgerVersion.id == 1)) or 0

    start = changes()
    first = add_article(db, "One", D(2019, 1, 1), positions=[{"actor": "Pakistan"}] * 2)
    assert changes() == start  # the newest ids say it: counts may take in the new rows
    with db.session() as s:
        s.execute(
            text("UPDATE positions SET is_repeat = :t WHERE article_id = :a"),
            {"t": True, "a": first},
        )
    assert changes() > start


def test_postgresql_inserts_take_turns(db: Database) -> None:
    """On PostgreSQL a second insert waits for the first transaction that inserted to end,
    so ids are drawn in commit order and a range above the newest ids misses nothing."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    add_article(db, "One", D(2019, 1, 1))
    other = Database(db.url, migrate=False)
    try:
        with db.engine.connect() as first, other.engine.connect() as second:
            first.execute(text("INSERT INTO stories (created_at) VALUES (now()) RETURNING id"))
            first.execute(
                text(
                    "INSERT INTO positions (article_id, actor, topic, claim, evidence, kind, "
                    "published) SELECT id, 'Pakistan', 'water', 'c', 'e', 'quote', published "
                    "FROM articles LIMIT 1"
                )
            )
            second.execute(text("SET lock_timeout = '300ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                second.execute(
                    text(
                        "INSERT INTO positions (article_id, actor, topic, claim, evidence, "
                        "kind, published) SELECT id, 'China', 'water', 'c', 'e', 'quote', "
                        "published FROM articles LIMIT 1"
                    )
                )
            second.rollback()
            first.commit()
            second.execute(
                text(
                    "INSERT INTO positions (article_id, actor, topic, claim, evidence, kind, "
                    "published) SELECT id, 'China', 'water', 'c', 'e', 'quote', published "
                    "FROM articles LIMIT 1"
                )
            )
            second.commit()
    finally:
        other.dispose()
    with db.session() as s:
        assert queries.actor_counts_on(s, "water") == {"Pakistan": 1, "China": 1}


def test_migration_0009_goes_down_and_up(db: Database) -> None:
    """Down to 0008 an insert on PostgreSQL moves the counter again (SQLite never did);
    back up, it does not."""

    def moved_by_an_insert() -> bool:
        with db.session() as s:
            before = s.scalar(select(LedgerVersion.changes))
        add_article(db, "Another", D(2019, 1, 1), positions=[{"actor": "China"}])
        with db.session() as s:
            return s.scalar(select(LedgerVersion.changes)) != before

    command.downgrade(alembic_config(db.url), "0008_perf")
    assert moved_by_an_insert() == (db.dialect == "postgresql")
    command.upgrade(alembic_config(db.url), "head")
    assert not moved_by_an_insert()
