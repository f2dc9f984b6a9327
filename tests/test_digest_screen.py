"""Issue 12: a morning digest that fits on one screen. A day of invented articles
(tests/digest_helpers.fixture_day) is posted by the real runner on a fixed clock to the
fake Slack Web API, printed by `python -m bot digest --print [--json]`, previewed in the
console; what is held: the main message's length, the order of "what changed", every
sentence said once, links, plurals, and a stance change only where the stance differs."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.console.render import render
from bot.console.repl import repl
from bot.core.digest import MAIN_WORDS, compose, sentences, word_count
from bot.core.format import plural
from bot.core.schedule import FixedClock
from bot.core.services import Services
from bot.discord.render import to_messages as discord_messages
from bot.scheduling.runner import DigestRunner
from bot.settings import ROOT
from bot.slack.render import to_messages as slack_messages
from storage.db import Database
from storage.models import Position
from tests.digest_helpers import (
    DAY_END,
    DAY_START,
    PK,
    US,
    Art,
    P,
    add_article,
    digest_settings,
    fixture_day,
    many_positions,
    poster_for,
    subscribe,
    utc,
)
from tests.fake_slack import FakeSlack
from tests.slack_fixtures import fake_slack  # noqa: F401

LOCAL_PATH = "/var/lib/briefing/inbox"


@pytest.fixture
def day(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'day.db'}")
    fixture_day(db)
    yield db
    db.dispose()


def _digest(db: Database):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return compose(s, start=DAY_START, end=DAY_END)


def _slack_text(blocks: list[dict]) -> str:  # type: ignore[type-arg]
    out = []
    for b in blocks:
        if b["type"] == "section":
            out.append(b["text"]["text"])
        elif b["type"] == "context":
            out += [e["text"] for e in b["elements"]]
        elif b["type"] == "header":
            out.append(b["text"]["text"])
    return "\n".join(out)


def _words(text: str) -> int:
    # a Slack link counts by its title: <url|Title words> → Title words
    return len(re.sub(r"<https?://[^|>]+\|([^>]*)>", r"\1", text).split())


# ---------------------------------------------------------------------------- posted


def test_the_fixture_day_is_posted_as_one_screen_and_a_thread(
    tmp_path: Path,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    services = Services.build(digest_settings(f"sqlite:///{tmp_path / 'd.db'}", fake_slack.api_url))
    try:
        fixture_day(services.db)
        subscribe(services.db, "C1", "08:00", "UTC", created=utc(2026, 3, 1))
        clock = FixedClock(utc(2026, 3, 9, 8, 0, 5))  # Monday: the chart too
        [outcome] = DigestRunner(services, poster_for(fake_slack), clock).run_due()  # type: ignore[arg-type]
    finally:
        services.db.dispose()
    posts = fake_slack.posted()
    assert outcome.status == "posted" and len(posts) >= 2
    main, thread = posts[0], posts[1:]
    assert not main.body.get("thread_ts")
    assert {p.body["thread_ts"] for p in thread} == {"1700000000.000001"}
    main_text = _slack_text(main.body["blocks"])
    whole = "\n".join(_slack_text(p.body["blocks"]) for p in posts)
    assert _words(main_text) <= MAIN_WORDS
    assert _words(whole) <= 1500
    assert "What changed" in main_text and "Stories" in main_text
    assert re.search(
        r"<https://news\.example\.org/\d+\|Envoy says aid tranche will be withheld>", main_text
    )
    assert LOCAL_PATH not in whole and "Briefing notes on the western districts" in whole
    # Monday: the weekly chart is attached in the thread
    assert len(fake_slack.uploads) == 1


# ---------------------------------------------------------------------------- composed


def test_main_message_fits_one_screen_and_opens_with_what_changed(day: Database) -> None:
    d = _digest(day)
    assert d.main is not None and d.thread is not None
    assert word_count(d.main) <= MAIN_WORDS
    lines = d.main.text.split("\n")
    assert lines[2] == "What changed"
    changed = lines[3 : lines.index("Stories")]
    assert 3 <= len([x for x in changed if not x.startswith("…")]) <= 5
    assert changed[-1] == "…and 1 more change in the thread"
    assert d.main.text.rstrip().endswith("…and 2 more stories in the thread")


def test_what_changed_is_ordered_by_weight_then_newest(day: Database) -> None:
    d = _digest(day)
    assert [c.kind for c in d.changes] == [
        "divergence",
        "stance",
        "stance",
        "act",
        "act",
        "act",
    ]
    assert d.changes[0].text.startswith(f"{US} and {PK} now diverge on security aid: both critical")
    stances = {c.spans[0].text: c.text for c in d.changes if c.kind == "stance"}
    assert set(stances) == {"Ambassador Harlow (United States)", "Amna Rauf (Pakistan)"}
    assert (
        "turned critical on security aid (was conciliatory, 2026-02-21)"
        in stances["Amna Rauf (Pakistan)"]
    )
    # the US on trust said new words with the same critical stance: no change
    assert not any("on trust" in c.text and c.kind == "stance" for c in d.changes)
    # Pakistan's 2018 pledge was indexed last but said first: it is not its stance now
    assert not any("turned conciliatory" in c.text for c in d.changes)
    # the stories carrying those changes come first, not the first to arrive
    stories = d.main.text.split("Stories\n", 1)[1].split("\n")
    assert stories[0].startswith("Envoy says aid tranche will be withheld")
    assert stories[1].startswith("Foreign Office rejects new conditions")
    assert "Weekend roundup" not in d.main.text  # no statements, no change: in the thread


def test_every_sentence_is_said_once(day: Database) -> None:
    text = _digest(day).reply.text
    # sentences, not labels ("United States · 1 statement" heads each story's side)
    said = [
        s
        for line in text.split("\n")
        for piece in line.split(" — ")
        for s in sentences(piece.strip("“”"))
        if len(s.split()) >= 5 and s.rstrip("”").endswith((".", "!", "?"))
    ]
    assert len(said) >= 8
    repeated = {s for s in said if said.count(s) > 1}
    assert repeated == set()
    # one statement carried by two outlets, one filed under two topics: each quoted once
    assert text.count("The next tranche of $150 million will be withheld") == 1
    assert text.count("The crossing reopens on Tuesday for families and traders") == 1
    assert "on border management, afghan refugees" in text


def test_figures_are_whole_sentences(day: Database) -> None:
    thread = _digest(day).thread
    assert thread is not None
    assert (
        "A relief pledge of $40 million made last year, a sum which Mr. Qadir called too "
        "small for the camps, has not been paid in full."
    ) in thread.text
    assert "$150 million (money) — in the statement of Ambassador Harlow" in thread.text


def test_links_on_every_platform_and_no_local_path(day: Database) -> None:
    d = _digest(day)
    slack = "\n".join(_slack_text(m["blocks"]) for _, r in d.parts() for m in slack_messages(r))
    discord = json.dumps([discord_messages(r) for _, r in d.parts()], ensure_ascii=False)
    console = "\n".join(render(r) for _, r in d.parts())
    assert re.search(
        r"<https://news\.example\.org/\d+\|Envoy says aid tranche will be withheld>", slack
    )
    assert re.search(
        r"\[Envoy says aid tranche will be withheld\]\(https://news\.example\.org/\d+\)", discord
    )
    for text in (slack, discord, console, d.reply.text):
        assert LOCAL_PATH not in text and "file:" not in text
        assert "Briefing notes on the western districts" in text and "Ministry briefing" in text
        assert "Analyst memo on the network" in text  # pasted text: its title


@pytest.mark.parametrize(
    ("n", "word", "expected"),
    [
        (1, "position", "1 position"),
        (2, "position", "2 positions"),
        (1, "more story", "1 more story"),
        (20, "more story", "20 more stories"),
        (3, "day", "3 days"),
        (1_200, "statement", "1,200 statements"),
    ],
)
def test_plurals(n: int, word: str, expected: str) -> None:
    assert plural(n, word) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "A sum which Mr. Qadir called small. Next.",
            ["A sum which Mr. Qadir called small.", "Next."],
        ),
        ("U.S. officials met. They left.", ["U.S. officials met.", "They left."]),
        (
            "Gen. Bajwa spoke. Then Lt. Col. Khan did.",
            ["Gen. Bajwa spoke.", "Then Lt. Col. Khan did."],
        ),
        ("“We will wait,” she said. He agreed.", ["“We will wait,” she said.", "He agreed."]),
    ],
)
def test_sentences_do_not_end_at_a_title(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_a_busy_day_still_fits_one_screen(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'busy.db'}")
    try:
        for i in range(40):
            title = f"Provincial story number {i} on the long border road and its many checkpoints"
            add_article(db, Art(title, utc(2026, 3, 8, 9) + dt.timedelta(minutes=i)))
        d = _digest(db)
    finally:
        db.dispose()
    assert d.main is not None and word_count(d.main) <= MAIN_WORDS
    assert re.search(r"…and \d+ more stories in the thread", d.main.text)
    assert d.articles == 40


# ---------------------------------------------------------------------------- stance change


def _ledger_with(
    tmp_path: Path, before: str | None, after: str | None, *, after_said: str
) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'stance.db'}")
    add_article(
        db,
        Art(
            "Earlier words",
            utc(2026, 3, 1),
            positions=[
                P(
                    PK,
                    "trust",
                    "earlier words",
                    "“We have said this before,” the official said.",
                    stance=before,
                    stated_on="2026-02-28",
                )
            ],
        ),
    )
    add_article(
        db,
        Art(
            "New words",
            utc(2026, 3, 8, 12),
            positions=[
                P(
                    PK,
                    "trust",
                    "new words",
                    "“We say something else today,” the official said.",
                    stance=after,
                    stated_on=after_said,
                )
            ],
        ),
    )
    return db


@pytest.mark.parametrize(
    ("before", "after", "after_said", "change"),
    [
        ("conciliatory", "critical", "2026-03-08", "turned critical on trust (was conciliatory"),
        ("critical", "conciliatory", "2026-03-08", "turned conciliatory on trust (was critical"),
        ("critical", "critical", "2026-03-08", None),  # new words, same stance
        (None, None, "2026-03-08", None),  # unclassified: neutral both times
        (None, "neutral", "2026-03-08", None),  # NULL reads as neutral
        ("neutral", None, "2026-03-08", None),
        (None, "critical", "2026-03-08", "turned critical on trust (was neutral"),
        ("conciliatory", "critical", "2025-12-01", None),  # said before the known words
    ],
)
def test_a_stance_change_only_when_the_stance_differs(
    tmp_path: Path, before: str | None, after: str | None, after_said: str, change: str | None
) -> None:
    db = _ledger_with(tmp_path, before, after, after_said=after_said)
    try:
        d = _digest(db)
    finally:
        db.dispose()
    found = [c.text for c in d.changes if c.kind == "stance"]
    if change is None:
        assert found == []
    else:
        assert len(found) == 1 and change in found[0]


# ---------------------------------------------------------------------------- everywhere


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "CLOCK_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        CLOCK_OVERRIDE="2026-03-09T08:00:00+00:00",
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "digest", "--since", "2026-03-08", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_prints_the_messages_as_posted_and_as_json(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    fixture_day(db)
    db.dispose()
    printed = _cli(tmp_path / "cli.db", "--print")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("──── main message ────\n")
    assert "──── in the thread, 1/" in printed.stdout
    as_json = _cli(tmp_path / "cli.db", "--print", "--json")
    assert as_json.returncode == 0, as_json.stderr
    messages = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [m["part"] for m in messages][:2] == ["main", "thread"]
    assert {m["part"] for m in messages[1:]} == {"thread"}
    assert all(set(m) == {"part", "text"} for m in messages)
    assert "What changed" in messages[0]["text"] and "Envoy says aid tranche" in messages[0]["text"]
    assert LOCAL_PATH not in as_json.stdout


def _console_services(tmp_path: Path, now: dt.datetime) -> Services:
    settings = digest_settings(f"sqlite:///{tmp_path / 'console.db'}")
    return Services.build(settings, clock=lambda: now.replace(tzinfo=None))


def test_console_preview_is_the_digest_with_its_thread_marked(tmp_path: Path) -> None:
    services = _console_services(tmp_path, DAY_END)
    try:
        fixture_day(services.db)
        out: list[str] = []
        repl(services, write=out.append, lines=["/digest preview"], alerts=False)
    finally:
        services.db.dispose()
    text = "\n".join(out)
    assert "What changed" in text and "In the thread:" in text
    assert text.index("What changed") < text.index("In the thread:") < text.index("Figures")
    assert "Preview: only you see this" in text


def test_a_follow_alert_fires_while_the_console_is_open(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    services = _console_services(tmp_path, now)
    out: list[str] = []

    def session_lines() -> Iterator[str]:
        yield "/follow security-aid"
        # news arrives while the console is open
        add_article(
            services.db,
            Art(
                "Grant for border posts announced",
                dt.datetime.now(dt.UTC),
                positions=[
                    P(
                        US,
                        "security-aid",
                        "a grant for border posts",
                        "“A grant for new border posts was signed this morning,” the embassy said.",
                    )
                ],
            ),
        )
        yield "/help"
        yield "/help"

    try:
        repl(services, write=out.append, lines=session_lines())
    finally:
        services.db.dispose()
    text = "\n".join(out)
    assert "A grant for new border posts was signed this morning" in text
    assert text.count("A grant for new border posts was signed this morning") == 1  # once


def test_a_story_quoted_at_length_points_to_the_rest(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'long.db'}")
    try:
        add_article(
            db,
            Art("One long interview", utc(2026, 3, 8, 9), positions=many_positions(6, "trust", PK)),
        )
        d = _digest(db)
    finally:
        db.dispose()
    assert d.thread is not None
    assert d.thread.text.count("Invented statement") == 4
    assert "…and 2 earlier statements: /position trust by:pakistan" in d.thread.text


def test_a_statement_whose_article_is_not_among_the_new_ones_is_kept(tmp_path: Path) -> None:
    # a position recorded in the window on an article indexed earlier (re-read, or past
    # new_articles' limit on a digest over years): its own story line, not dropped
    db = Database(f"sqlite:///{tmp_path / 'late.db'}")
    try:
        art = add_article(
            db,
            Art("Older article", utc(2026, 3, 1), positions=many_positions(1, "trust", US)),
        )
        with db.session() as s:
            s.execute(
                update(Position)
                .where(Position.article_id == art)
                .values(created_at=dt.datetime(2026, 3, 8, 12))
            )
        d = _digest(db)
    finally:
        db.dispose()
    assert d.positions == 1 and "Invented statement 0" in d.reply.text
    assert "Older article" in d.reply.text


def test_an_idle_console_shows_the_alert_without_a_new_command(tmp_path: Path) -> None:
    services = _console_services(tmp_path, dt.datetime.now(dt.UTC))
    out: list[str] = []
    seen_while_idle: list[bool] = []

    def session_lines() -> Iterator[str]:
        yield "/follow trust"
        add_article(
            services.db,
            Art(
                "Talks resume",
                dt.datetime.now(dt.UTC),
                positions=[
                    P(PK, "trust", "talks resume", "“The talks resume next week,” the envoy said.")
                ],
            ),
        )
        # no command typed: the background sweep alone must print it
        for _ in range(100):
            if any("The talks resume next week" in line for line in out):
                break
            time.sleep(0.05)
        seen_while_idle.append(any("The talks resume next week" in line for line in out))

    try:
        repl(services, write=out.append, lines=session_lines(), sweep_seconds=0.1)
    finally:
        services.db.dispose()
    assert seen_while_idle == [True]
    assert "\n".join(out).count("The talks resume next week") == 1
