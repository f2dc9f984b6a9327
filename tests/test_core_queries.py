"""storage.queries over a real SQLite file: order, filters, pages, FTS5 ranking, counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.core.services import Services
from storage import queries
from tests.core_ledger import add_article, core_services

D = dt.date


@pytest.fixture
def services(tmp_path: Path) -> Services:
    sv = core_services(tmp_path / "q.db")
    db = sv.db
    add_article(
        db,
        "Envoy rejects sanctuary claims",
        D(2018, 1, 5),
        text="The envoy rejected claims about sanctuaries along the frontier hills.",
        url="https://example.org/a",
        positions=[
            {"actor": "Pakistan", "speaker": "Envoy A", "evidence": "We deny any sanctuary."},
            {"actor": "United States", "speaker": "Official B", "evidence": "Sanctuaries remain."},
        ],
    )
    add_article(
        db,
        "Second meeting on the frontier",
        D(2018, 3, 1),
        positions=[
            {"actor": "Pakistan", "speaker": "Envoy C", "evidence": "Talks went well."},
            {"actor": "China", "speaker": "Diplomat D", "evidence": "We support dialogue."},
            {"actor": "United States", "topic": "trust", "evidence": "Trust is thin."},
        ],
    )
    add_article(
        db,
        "Old frontier statement",
        D(2017, 6, 1),
        positions=[{"actor": "Pakistan", "speaker": "Envoy E", "evidence": "Old words."}],
    )
    return sv


def test_positions_newest_first_with_filters_and_pages(services: Services) -> None:
    with services.db.session() as s:
        rows = queries.positions_on(s, "haqqani-network")
        assert [r.published for r in rows] == sorted((r.published for r in rows), reverse=True)
        assert [r.speaker for r in rows][:2] == ["Diplomat D", "Envoy C"]
        pk = queries.positions_on(s, "haqqani-network", actor="Pakistan")
        assert [r.speaker for r in pk] == ["Envoy C", "Envoy A", "Envoy E"]
        page2 = queries.positions_on(s, "haqqani-network", actor="Pakistan", limit=1, offset=1)
        assert [r.speaker for r in page2] == ["Envoy A"]
        others = queries.positions_on(
            s, "haqqani-network", exclude_actors=["Pakistan", "United States"]
        )
        assert [r.actor for r in others] == ["China"]
        window = queries.positions_on(
            s, "haqqani-network", since=D(2018, 1, 1), until=D(2018, 1, 31)
        )
        assert {r.speaker for r in window} == {"Envoy A", "Official B"}
        assert rows[-1].source.title == "Old frontier statement"


def test_counts_latest_and_activity(services: Services) -> None:
    with services.db.session() as s:
        assert queries.actor_counts_on(s, "haqqani-network") == {
            "Pakistan": 3,
            "United States": 1,
            "China": 1,
        }
        latest = queries.latest_position_by_actor(s, "haqqani-network", ["Pakistan", "India"])
        assert list(latest) == ["Pakistan"] and latest["Pakistan"].speaker == "Envoy C"
        assert queries.most_active_topics(s)[0] == ("haqqani-network", 5)
        assert queries.most_active_topics(s, since=D(2018, 2, 1)) == [
            ("haqqani-network", 2),
            ("trust", 1),
        ]
        counts = queries.topic_counts(s)
        assert counts["haqqani-network"].positions == 5 and counts["haqqani-network"].articles == 3
        assert queries.newest_position_date(s) == D(2018, 3, 1)


def test_latest_articles_one_per_story(services: Services, tmp_path: Path) -> None:
    with services.db.session() as s:
        first = queries.latest_articles(s, limit=5)[0]
    add_article(services.db, "Same story, other outlet", D(2018, 3, 2), story_id=first.story_id)
    with services.db.session() as s:
        titles = [a.source.title for a in queries.latest_articles(s, limit=5)]
    assert (
        titles[0] == "Same story, other outlet" and "Second meeting on the frontier" not in titles
    )


def test_changes_since_uses_ingest_time(services: Services) -> None:
    long_ago = dt.datetime(2000, 1, 1)
    add_article(services.db, "Indexed long ago", D(2019, 1, 1), ingested_at=long_ago)
    with services.db.session() as s:
        changes = queries.changes_since(s, dt.datetime.now() - dt.timedelta(days=7))
    assert changes.article_count == 3
    assert changes.position_count == 6
    assert dict(changes.positions_by_topic)["trust"] == 1


def test_search_ranks_snippets_and_survives_fts_syntax(services: Services) -> None:
    with services.db.session() as s:
        articles, positions = queries.search(s, "sanctuary")
        assert articles[0].source.title == "Envoy rejects sanctuary claims"
        assert queries.HIT_START in articles[0].snippet
        # the porter stemmer makes "sanctuaries" match too
        assert {p.speaker for p in positions} == {"Envoy A", "Official B"}
        # every word must match, else any word does
        a2, _ = queries.search(s, "sanctuary zebra")
        assert a2 and a2[0].source.title == "Envoy rejects sanctuary claims"
        for hostile in ['"', "NEAR(", "a* -b", "title:x", "AND OR NOT", "(((", "'; drop"]:
            queries.search(s, hostile)
        assert queries.search(s, "   ") == ([], [])


def test_latest_positions_for_many_topics_match_one_probe_each(services: Services) -> None:
    """The batched look-up /brief uses gives, per topic and actor, what a probe of that
    pair alone gives: the newest statement, with its other reports."""
    topics = ["haqqani-network", "trust", "no-such-topic"]
    actors = ["Pakistan", "United States", "China", "India"]
    with services.db.session() as s:
        batched = queries.latest_positions(s, topics, actors)
        for topic in topics:
            for actor in actors:
                alone = queries.positions_on(s, topic, actor=actor, limit=1)
                got = batched.get(topic, {}).get(actor)
                if not alone:
                    assert got is None
                    continue
                assert got is not None and got.id == alone[0].id
                again = queries.statements_on(s, topic, actor=actor, limit=1)[0]
                assert got.also_reported == again.also_reported
        assert "no-such-topic" not in batched
        assert list(batched["haqqani-network"]) == ["Pakistan", "United States", "China"]
        assert queries.latest_positions(s, [], actors) == {}
