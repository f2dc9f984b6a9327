"""storage.corrections on SQLite and PostgreSQL: apply, re-apply to a re-written article,
and undo (deleted rows written back), over rows built through the models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from storage import admin, corrections, queries
from storage.db import Database
from storage.models import Article, Position, Statement
from tests.core_ledger import add_article

# Invented for these tests.
ENVOY = "“The crossing will reopen next week,” the envoy told reporters in Quetta."
SPOKESMAN = "The spokesman said the talks on river water had gone nowhere."


@pytest.fixture
def db(engine_url: str) -> Iterator[Database]:
    database = Database(engine_url)
    yield database
    database.dispose()


def _article(db: Database, text: str, *, envoy: bool = True) -> int:
    with db.session() as s:
        ids = []
        for _ in range(2):
            st = Statement()
            s.add(st)
            s.flush()
            ids.append(st.id)
    return add_article(
        db,
        "Border talks",
        dt.date(2021, 5, 4),
        text=text,
        positions=[
            p
            for p in [
                {
                    "actor": "United States",
                    "speaker": "Envoy One",
                    "topic": "border",
                    "evidence": ENVOY,
                    "statement_id": ids[0],
                },
                {
                    "actor": "United States",
                    "speaker": "Envoy One",
                    "topic": "trust",
                    "evidence": ENVOY,
                    "statement_id": ids[0],
                },
                {
                    "actor": "Pakistan",
                    "speaker": None,
                    "topic": "water",
                    "evidence": SPOKESMAN,
                    "statement_id": ids[1],
                },
            ]
            if envoy or p["evidence"] != ENVOY
        ],
    )


def _shown(db: Database, topic: str) -> list[tuple[str, str | None, str]]:
    with db.session() as s:
        return [(p.actor, p.speaker, p.evidence) for p in queries.positions_on(s, topic)]


def test_apply_reapply_and_undo(db: Database) -> None:
    text = "Border talks resumed. " + ENVOY + " " + SPOKESMAN
    first = _article(db, text)
    with db.session() as s:
        envoy = s.scalar(select(Position.statement_id).where(Position.topic == "border"))
        water = s.scalar(select(Position.statement_id).where(Position.topic == "water"))
        state = corrections.correct(s, envoy, "state", "Pakistan", user="U1", platform="slack")
        hide = corrections.correct(s, water, "not-stance", user="U1", platform="slack")
    assert state.changed == 2 and hide.changed == 1
    assert _shown(db, "border") == [("Pakistan", "Envoy One", ENVOY)]
    assert _shown(db, "water") == []

    # the article retracted and written again (new rows, new statement ids): the same
    # corrections apply to it as it is written
    with db.session() as s:
        content_hash = s.scalar(select(Article.content_hash).where(Article.id == first))
        assert admin.retract(s, first) is not None
    second = _article(db, text)
    with db.session() as s:
        s.execute(
            Article.__table__.update().where(Article.id == second).values(content_hash=content_hash)
        )
        assert corrections.reapply(s, second) == 3
    assert _shown(db, "border") == [("Pakistan", "Envoy One", ENVOY)]
    assert _shown(db, "trust") == [("Pakistan", "Envoy One", ENVOY)]
    assert _shown(db, "water") == []

    with db.session() as s:
        made = corrections.version(s)
        corrections.undo(s, hide.id, user="U2", platform="discord")
        assert corrections.version(s) != made
        corrections.undo(s, state.id, user="U2", platform="discord")
    assert _shown(db, "border") == [("United States", "Envoy One", ENVOY)]
    assert _shown(db, "water") == [("Pakistan", None, SPOKESMAN)]
    with db.session() as s:
        assert [c.active for c in corrections.listing(s)] == [False, False]
        with pytest.raises(corrections.Refused, match="already undone"):
            corrections.undo(s, state.id, user="U2", platform="discord")


def test_topic_and_duplicate_then_undo(db: Database) -> None:
    _article(db, "Border talks resumed. " + ENVOY + " " + SPOKESMAN)
    _article(db, "Water talks stalled. " + SPOKESMAN, envoy=False)  # another outlet
    with db.session() as s:
        envoy = s.scalar(select(Position.statement_id).where(Position.topic == "border"))
        first, second = s.scalars(
            select(Position.statement_id).where(Position.topic == "water").order_by(Position.id)
        ).all()
        with pytest.raises(corrections.WhichTopic):
            corrections.correct(s, envoy, "topic", "water", user="U1", platform="cli")
        moved = corrections.correct(
            s, envoy, "topic", "water", from_topic="border", user="U1", platform="cli"
        )
        merged = corrections.correct(s, second, "duplicate", str(first), user="U1", platform="cli")
    assert _shown(db, "border") == []
    # the spokesman's words once (the second outlet's report is a repeat), the envoy moved
    assert sorted(e for _a, _s, e in _shown(db, "water")) == [SPOKESMAN, ENVOY]
    with db.session() as s:
        reports = queries.statements_on(s, "water")
        assert [len(r.also_reported) for r in reports if r.evidence == SPOKESMAN] == [1]
        corrections.undo(s, merged.id, user="U1", platform="cli")
        corrections.undo(s, moved.id, user="U1", platform="cli")
    assert _shown(db, "border") == [("United States", "Envoy One", ENVOY)]
    assert [e for _a, _s, e in _shown(db, "water")] == [SPOKESMAN, SPOKESMAN]
