"""Migration 0004 on a ledger that already holds positions, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from storage import queries
from storage.db import Database, alembic_config, make_engine

ARTICLE = (
    "INSERT INTO articles (id, story_id, title, source, url, source_path, origin, published, "
    "date_precision, date_basis, text, summary, gist, word_count, content_hash, simhash, "
    "band0, band1, band2, band3, ingested_at) VALUES (:id, 1, 'A title', 'Wire', NULL, NULL, "
    "'file', :published, :precision, 'front-matter', 'The envoy spoke about the crossings.', "
    "'s', 'g', 6, :hash, 0, 0, 0, 0, 0, '2020-01-01 00:00:00')"
)
POSITION = (
    "INSERT INTO positions (id, article_id, actor, speaker, speaker_office, topic, claim, "
    "evidence, kind, published, created_at) VALUES (:id, :article, 'Pakistan', NULL, NULL, "
    "'trust', 'A claim', 'The envoy said the crossings would reopen soon.', 'quote', "
    ":published, '2020-01-01 00:00:00')"
)


def test_0004_backfills_existing_positions_and_keeps_search(engine_url: str) -> None:
    engine = make_engine(engine_url)
    cfg = alembic_config(engine_url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO stories (id, created_at) VALUES (1, '2020-01-01')"))
        for i, (published, precision) in enumerate(
            [("2018-05-06", "day"), ("2017-10-01", "month"), ("2016-01-01", "year")], 1
        ):
            conn.execute(
                text(ARTICLE),
                {"id": i, "published": published, "precision": precision, "hash": str(i)},
            )
            conn.execute(text(POSITION), {"id": i, "article": i, "published": published})
    engine.dispose()

    db = Database(engine_url)  # migrates to head
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, stated_on, stated_date, stated_basis, statement_id, stance "
                    "FROM positions ORDER BY id"
                )
            ).all()
            statements = conn.execute(text("SELECT count(*) FROM statements")).scalar()
        assert [(r[1], str(r[2]), r[3], r[4], r[5]) for r in rows] == [
            ("2018-05-06", "2018-05-06", "article date", 1, None),
            ("2017-10", "2017-10-01", "article date", 2, None),
            ("2016", "2016-01-01", "article date", 3, None),
        ]
        assert statements == 3
        with db.session() as s:
            found = queries.statements_on(s, "trust", limit=5)
            assert [p.stated_on for p in found] == ["2018-05-06", "2017-10", "2016"]
            # full-text search still follows the table (its SQLite triggers survived)
            _arts, hits = queries.search(s, "crossings reopen")
            assert len(hits) == 3
        with db.engine.begin() as conn:
            # a new statement gets the next id on either engine (the sequence was moved on)
            new_id = conn.execute(
                text("INSERT INTO statements (created_at) VALUES ('2021-01-01') RETURNING id")
            ).scalar()
        assert new_id == 4
    finally:
        db.dispose()

    engine = make_engine(engine_url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM positions")).scalar()
    engine.dispose()
    assert count == 3
