"""What a digest says (sections, stories, stance changes, divergences, figures, topic
filter, quiet days), how it is cut into parts, the chart, and the claim/alert storage on
both engines (PostgreSQL when a server is available)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.chart import weekly_chart
from bot.core.digest import compose, figures_in, split_reply
from bot.slack.render import to_messages
from storage import claims, follows
from storage.db import Database
from tests.digest_helpers import PK, US, Art, P, add_article, many_positions, subscribe, utc

START, END = utc(2026, 3, 8, 8), utc(2026, 3, 9, 8)


@pytest.fixture
def ledger(tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'd.db'}")
    yield db
    db.dispose()


def _seed(db: Database) -> None:
    # before the window: each side's earlier stance on aid
    add_article(
        db,
        Art(
            "Old aid pledge",
            utc(2026, 3, 1),
            positions=[
                P(US, "security-aid", "aid continues", "“Aid will continue as planned,” he said.")
            ],
            published=dt.date(2026, 2, 20),
        ),
    )
    add_article(
        db,
        Art(
            "Earlier reply",
            utc(2026, 3, 2),
            outlet="Evening Star",
            positions=[P(PK, "security-aid", "aid welcome", "“We welcome the aid,” she said.")],
            published=dt.date(2026, 2, 21),
        ),
    )
    # in the window: one story carried by two outlets, and a statement from each side
    first = add_article(
        db,
        Art(
            "Envoy suspends aid tranche",
            utc(2026, 3, 8, 10),
            positions=[
                P(
                    US,
                    "security-aid",
                    "aid suspended",
                    "“The $300 million tranche is suspended until further notice,” the envoy said.",
                    speaker="Envoy A",
                )
            ],
            summary="The envoy said the $300 million tranche is suspended. "
            "Officials said 12 soldiers were killed in a raid last week.",
        ),
    )
    add_article(
        db,
        Art(
            "Aid tranche suspended, envoy says",
            utc(2026, 3, 8, 11),
            outlet="Wire Two",
            story_of=first,
        ),
    )
    add_article(
        db,
        Art(
            "Ministry answers envoy",
            utc(2026, 3, 8, 12),
            outlet="Evening Star",
            positions=[
                P(
                    PK,
                    "security-aid",
                    "aid suspension regretted",
                    "“Our economy of USD 120 billion does not depend on this tranche,” she said.",
                    speaker="Minister B",
                ),
                P(PK, "trust", "trust eroded", "“Trust has eroded badly this year,” she said."),
            ],
        ),
    )
    # after the window: belongs to the next digest
    add_article(db, Art("Tomorrow's news", utc(2026, 3, 9, 9), positions=many_positions(1)))


def test_digest_has_a_main_message_and_a_thread(ledger: Database) -> None:
    # issue 12 replaced the old sections (New coverage, New positions, Stance changes, Where
    # the two sides stand, Notable figures) with a main message and a thread
    _seed(ledger)
    with ledger.session() as s:
        d = compose(s, start=START, end=END)
    assert not d.empty and d.articles == 2 and d.positions == 3
    assert d.main is not None and d.thread is not None
    main, thread = d.main.text, d.thread.text
    assert "Stories" in main
    assert main.count("Envoy suspends aid tranche") == 1
    assert "Aid tranche suspended, envoy says" not in d.reply.text  # the same story: one line
    assert "Daily Ledger, Wire Two · 1 statement" in main
    assert "Ministry answers envoy — Evening Star · 2 statements" in main
    # no stance is recorded in these rows: neutral throughout, so nothing "changed"
    assert "What changed" not in main and "turned" not in d.reply.text
    assert "tranche is suspended until further notice" in thread
    assert "Trust has eroded badly" in thread
    assert "Aid will continue as planned" not in d.reply.text  # before the window
    assert "Figures" in thread and "$300 million" in thread and "USD 120 billion" in thread
    assert "12 soldiers were killed in a raid last week." in thread
    assert "Tomorrow's news" not in d.reply.text
    assert [kind for kind, _ in d.parts()] == ["main", "thread"]


def test_topic_filter_narrows_the_digest(ledger: Database) -> None:
    _seed(ledger)
    with ledger.session() as s:
        d = compose(s, start=START, end=END, topics=["trust"])
    assert d.positions == 1 and d.articles == 1
    assert "Trust has eroded" in d.reply.text and "Envoy suspends" not in d.reply.text


def test_quiet_window_is_one_line(ledger: Database) -> None:
    with ledger.session() as s:
        d = compose(s, start=START, end=END)
    assert d.empty
    assert d.reply.text.startswith("Nothing new since Sun 8 Mar 2026 08:00 UTC")


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("Washington released $300 million on Tuesday.", "$300 million"),
        ("The plan is worth USD 120 billion over ten years.", "USD 120 billion"),
        ("They spoke of 33 billion dollars in aid since 2002.", "33 billion dollars"),
        ("The blast killed 12 people near the market.", "killed 12"),
        ("Officials said 12 soldiers were killed in the raid.", "12 soldiers were killed"),
        ("A fund of Rs 5 billion was announced.", "Rs 5 billion"),
    ],
)
def test_figures_come_with_their_sentence(text: str, figure: str) -> None:
    found = figures_in("An opening line. " + text + " A closing line.", "where")
    assert [f.figure for f in found] == [figure]
    assert found[0].sentence == text


def test_no_figure_in_ordinary_numbers() -> None:
    assert figures_in("In 2018 the two ministers met 3 times in 12 days.", "w") == []


def test_long_digest_parts_each_fit_one_slack_message(ledger: Database) -> None:
    add_article(ledger, Art("Many statements", utc(2026, 3, 8, 9), positions=many_positions(40)))
    with ledger.session() as s:
        d = compose(s, start=START, end=END)
    parts = split_reply(d.reply)
    assert len(parts) >= 2
    assert sum(len(p.blocks) for p in parts) <= len(d.reply.blocks)
    for part in parts:
        assert len(to_messages(part)) == 1
    assert parts[1].summary.endswith(f"(2/{len(parts)})")


def test_weekly_chart_is_a_png(ledger: Database) -> None:
    _seed(ledger)
    with ledger.session() as s:
        png = weekly_chart(s, end=dt.date(2026, 3, 9))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


# ---------------------------------------------------------------------------- both engines


@pytest.fixture
def any_db(engine_url: str) -> Iterator[Database]:
    db = Database(engine_url)
    yield db
    db.dispose()


def test_claims_are_exclusive_and_takeover_is_compare_and_set(any_db: Database) -> None:
    sub = subscribe(any_db)
    lease = dt.timedelta(minutes=15)
    now = utc(2026, 3, 9, 8)
    args = dict(
        subscription_id=sub.id, period="2026-03-09T08:00Z", window_start=START, window_end=END
    )
    first = claims.claim_run(any_db, worker="a", now=now, lease=lease, **args)  # type: ignore[arg-type]
    assert first is not None and not first.resumed
    assert claims.claim_run(any_db, worker="b", now=now, lease=lease, **args) is None  # type: ignore[arg-type]
    assert claims.record_progress(
        any_db, first.run.id, worker="a", messages_posted=1, thread_ref="t1", now=now
    )
    # a takes too long: after the lease, b takes over where a stopped
    later = now + dt.timedelta(minutes=20)
    taken = claims.claim_run(any_db, worker="b", now=later, lease=lease, **args)  # type: ignore[arg-type]
    assert taken is not None and taken.resumed
    assert (taken.run.messages_posted, taken.run.thread_ref, taken.run.attempts) == (1, "t1", 2)
    # a second taker racing on the same stale view loses the compare-and-set
    assert claims.take_over(any_db, first.run, worker="c", now=later) is None
    # a's writes are fenced off now
    assert not claims.record_progress(
        any_db, first.run.id, worker="a", messages_posted=2, thread_ref="t1", now=later
    )
    assert not claims.finish_run(any_db, first.run.id, worker="a", status="posted", now=later)
    assert claims.finish_run(any_db, first.run.id, worker="b", status="posted", now=later)
    assert claims.claim_run(any_db, worker="d", now=later + lease * 2, lease=lease, **args) is None  # type: ignore[arg-type]
    with any_db.session() as s:
        assert claims.last_periods(s, [sub.id]) == {sub.id: "2026-03-09T08:00Z"}
        assert claims.last_window_end(s, sub.id) == END.replace(tzinfo=None)


def test_alerts_due_once_per_user_and_article(any_db: Database) -> None:
    with any_db.session() as s:
        follows.add_follow(s, platform="slack", user="U1", topic="security-aid")
        follows.add_follow(s, platform="slack", user="U2", topic="security-aid", actor=PK)
        assert not follows.add_follow(s, platform="slack", user="U1", topic="security-aid")
    now = dt.datetime.now(dt.UTC)
    art = add_article(
        any_db,
        Art(
            "Two statements",
            now,
            positions=many_positions(2, "security-aid", US) + many_positions(1, "security-aid", PK),
        ),
    )
    add_article(
        any_db, Art("Mine", now, positions=many_positions(1, "security-aid"), ingested_by="U1")
    )
    with any_db.session() as s:
        due = follows.alerts_due(s, platform="slack", not_before=now - dt.timedelta(hours=1))
    got = {(a.user_id, a.article_id): len(a.positions) for a in due}
    assert got == {("U1", art): 3, ("U2", art): 1}
    assert follows.claim_alert(any_db, platform="slack", user="U1", article_id=art)
    assert not follows.claim_alert(any_db, platform="slack", user="U1", article_id=art)
    with any_db.session() as s:
        due = follows.alerts_due(s, platform="slack", not_before=now - dt.timedelta(hours=1))
    assert {a.user_id for a in due} == {"U2"}
