"""Commands through the one `dispatch`, over a real SQLite ledger built through the models."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.core.commands import REGISTRY, Ctx, dispatch
from bot.core.invocation import parse
from bot.core.reply import Buttons, Quote, Reply
from bot.core.services import Services
from tests.core_ledger import add_article, core_services


def run(services: Services, line: str, user: str = "U1") -> Reply:
    return dispatch(Ctx(services, user=user, channel="C1"), parse(line, user=user))


def actions(reply: Reply) -> dict[str, str]:
    return {a.id: a.value for b in reply.blocks if isinstance(b, Buttons) for a in b.actions}


@pytest.fixture
def services(tmp_path: Path) -> Services:
    sv = core_services(tmp_path / "h.db")
    for month in range(1, 9):
        add_article(
            sv.db,
            f"Monthly statement {month}",
            dt.date(2018, month, 10),
            url=f"https://example.org/{month}",
            positions=[
                {
                    "actor": "United States",
                    "speaker": f"US speaker {month}",
                    "claim": f"US claim {month}: Washington accused Islamabad.",
                    "evidence": f"In month {month} Washington accused Islamabad of sheltering it.",
                },
                {
                    "actor": "Pakistan",
                    "speaker": f"PK speaker {month}",
                    "claim": f"PK claim {month}: Pakistan rejected the charge.",
                    "evidence": f"In month {month} Pakistan rejected the charge.",
                },
            ],
        )
    add_article(
        sv.db,
        "Beijing weighs in",
        dt.date(2018, 2, 1),
        positions=[{"actor": "China", "speaker": "CN speaker", "evidence": "Calm."}],
    )
    return sv


def test_no_divergence_when_the_sides_agree(tmp_path: Path) -> None:
    sv = core_services(tmp_path / "agree.db")
    add_article(
        sv.db,
        "Both sides warm",
        dt.date(2019, 7, 23),
        positions=[
            {
                "actor": "United States",
                "claim": "We appreciate Pakistan's help with the talks.",
                "evidence": "We appreciate Pakistan's help with the talks, the envoy said.",
            },
            {
                "actor": "Pakistan",
                "claim": "We welcome the reset of the partnership.",
                "evidence": "We welcome the reset of the partnership, the minister said.",
            },
        ],
    )
    reply = run(sv, "/position haqqani")
    assert "Pakistan" in reply.text and "United States" in reply.text
    assert "Where they diverge" not in reply.text


def test_position_groups_sides_newest_first_with_more(services: Services) -> None:
    reply = run(services, "/position haqqani")
    quotes = [b for b in reply.blocks if isinstance(b, Quote)]
    names = [q.attribution for q in quotes]
    assert names[:3] == [f"US speaker {m} (United States)" for m in (8, 7, 6)]
    assert names[3:6] == [f"PK speaker {m} (Pakistan)" for m in (8, 7, 6)]
    assert names[6] == "CN speaker (China)"
    assert quotes[0].link == "https://example.org/8" and quotes[0].date == "2018-08-10"
    assert "Where they diverge" in reply.text and "US claim 8" in reply.text
    assert "US speaker 8, United States (2018-08-10)" in reply.text
    assert "Pakistan denies what the United States asserts" in reply.text
    more = actions(reply)["more"]
    assert more == "/position haqqani-network page:2"
    page2 = run(services, more)
    names2 = [b.attribution for b in page2.blocks if isinstance(b, Quote)]
    assert names2[0] == "US speaker 5 (United States)" and not set(names) & set(names2)
    assert run(services, "/position haqqani page:3").continuation is None


def test_position_filters(services: Services) -> None:
    reply = run(services, "/position haqqani by:pakistani since:2018-06 until:2018-07")
    names = [b.attribution for b in reply.blocks if isinstance(b, Quote)]
    assert names == ["PK speaker 7 (Pakistan)", "PK speaker 6 (Pakistan)"]
    assert "2 positions by Pakistan since 2018-06-01 until 2018-07-31" in reply.text


def test_position_bad_input_gets_usage(services: Services) -> None:
    for line in (
        "/position",
        "/position haqqani by:martians",
        "/position haqqani since:soon",
        "/position haqqani page:0",
        "/position haqqani since:2019 until:2018",
    ):
        reply = run(services, line)
        assert "usage" in reply.tags, line
        assert "Usage: /position" in reply.text


def test_unknown_topic_is_never_empty(services: Services) -> None:
    reply = run(services, "/position haqqanni netwrk stuff")
    assert "unknown-topic" in reply.tags or "Haqqani" in reply.text
    reply = run(services, "/position monthly")
    assert "No topic “monthly”" in reply.text
    assert "Full-text matches" in reply.text and "Monthly statement" in reply.text
    reply = run(services, "/position qqqqzzzz")
    assert "No topic" in reply.text and "finds nothing" in reply.text


def test_topic_with_no_positions(services: Services) -> None:
    reply = run(services, "/position nuclear")
    assert "No positions on Nuclear weapons" in reply.text


def test_brief_has_coverage_stances_and_week(services: Services) -> None:
    reply = run(services, "/brief")
    t = reply.text
    assert "Latest coverage" in t and "Monthly statement 8" in t
    assert "Where each side stands" in t and "Haqqani network" in t
    assert "Last 7 days" in t and "9 articles" in t
    topic = run(services, "/brief haqqani")
    assert "Brief: Haqqani network" in topic.text


def test_brief_on_empty_ledger(tmp_path: Path) -> None:
    assert "ledger is empty" in run(core_services(tmp_path / "e.db"), "/brief").text


def test_search_and_topics_and_help(services: Services) -> None:
    found = run(services, "/search pakistan rejected charge")
    assert "Statements" in found.text and "PK speaker" in found.text
    assert "Nothing in the ledger matches" in run(services, "/search xyzzy").text
    assert "Usage: /search" in run(services, "/search ?!").text
    topics = run(services, "/topics")
    assert "haqqani-network" in topics.text and "17 positions in 9 articles" in topics.text
    helped = run(services, "help").text
    for command in REGISTRY:
        assert command.usage in helped and command.example in helped


def test_ingest_permissions_and_non_articles(tmp_path: Path) -> None:
    closed = core_services(tmp_path / "p.db", ingest_allowed_users=["UBOSS"])
    assert "not on the list" in run(closed, "/ingest https://example.org/x").text
    assert "Usage: /ingest" in run(closed, "/ingest thanks!", user="UBOSS").text
    assert "Usage: /ingest" in run(closed, "/ingest").text


def test_unknown_command_and_internal_failure_are_short_messages(services: Services) -> None:
    assert "I don't know the command" in run(services, "/frobnicate").text
    with services.db.engine.begin() as conn:
        conn.execute(text("DROP TABLE positions"))
    reply = run(services, "/position haqqani")
    assert "error" in reply.tags and "failed on my side" in reply.text
    assert "Traceback" not in reply.text


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(["/position", "/brief", "/search", "/topics", "/help", ""]),
    st.text(max_size=120),
)
def test_dispatch_never_raises(services: Services, command: str, rest: str) -> None:
    reply = run(services, f"{command} {rest}")
    assert reply.blocks and "error" not in reply.tags
