"""/who over a real SQLite ledger: the five seeds plus statements written here (invented
sentences) by people of config/actors.yaml and by a speaker it does not know, reported by
outlets of both sides, a third country, and one config/outlets.yaml does not list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.core.reply import Buttons, Reply
from bot.core.services import Services
from bot.outlets import load_outlets
from bot.settings import ROOT
from storage.models import Article, Statement
from tests.core_ledger import add_article, core_services
from tests.fake_discord import *  # noqa: F403
from tests.fake_discord import DiscordHarness, embed_text
from tests.slack_fixtures import *  # noqa: F403
from tests.slack_fixtures import SlackHarness

US, PK = "United States", "Pakistan"


def run(services: Services, line: str) -> Reply:
    return dispatch(Ctx(services, user="U1", channel="C1", platform="slack"), parse(line))


def _article(services: Services, outlet: str | None, url: str | None, **kw: object) -> int:
    article_id = add_article(services.db, url=url, **kw)  # type: ignore[arg-type]
    with services.db.session() as s:
        s.execute(update(Article).where(Article.id == article_id).values(source=outlet))
    return article_id


def _by(speaker: str, topic: str, day: dt.date, claim: str, **extra: object) -> dict[str, object]:
    return {
        "actor": US,
        "speaker": speaker,
        "speaker_office": "Secretary of State",
        "topic": topic,
        "claim": claim,
        "evidence": claim,
        "stated_on": day.isoformat(),
        "stated_date": day,
        "stance": "conciliatory",
        **extra,
    }


@pytest.fixture
def services(seeded_copy_url: str) -> Services:
    sv = core_services(Path(seeded_copy_url.removeprefix("sqlite:///")))
    with sv.db.session() as s:
        first = Statement()
        s.add(first)
        s.flush()
        statement = first.id
    march, june = dt.date(2021, 3, 18), dt.date(2021, 6, 2)
    _article(
        sv,
        "The Washington Post",
        None,
        title="Secretary sets out Afghan exit plan",
        published=march,
        positions=[
            _by(
                "Antony Blinken",
                "afghan-peace-process",
                march,
                "We will work with Islamabad on a settlement in Kabul.",
                statement_id=statement,
            ),
            _by(
                "Antony Blinken",
                "security-aid",
                march,
                "Assistance will follow results on the ground.",
                stance="neutral",
            ),
        ],
    )
    # the same statement as Dawn ran it: one more article quoting him, not one more statement
    _article(
        sv,
        None,
        "https://www.dawn.com/news/invented-1",
        title="Blinken speaks of settlement",
        published=dt.date(2021, 3, 19),
        positions=[
            _by(
                "Antony Blinken",
                "afghan-peace-process",
                march,
                "We will work with Islamabad on a settlement in Kabul.",
                statement_id=statement,
                is_repeat=True,
            ),
        ],
    )
    _article(
        sv,
        "Reuters",
        None,
        title="Trade talk at the State Department",
        published=june,
        positions=[
            _by(
                "Tony Blinken",
                "economy-trade",
                june,
                "Trade between our countries can double within five years.",
            ),
        ],
    )
    _article(
        sv,
        "Test Wire",
        None,
        title="A wire note on aid",
        published=dt.date(2021, 6, 20),
        positions=[
            _by(
                "Antony Blinken",
                "security-aid",
                dt.date(2021, 6, 20),
                "No aid decision has been taken yet.",
                speaker_office=None,
            ),
        ],
    )
    _article(
        sv,
        "Dawn",
        None,
        title="Prime Minister on the economy",
        published=dt.date(2024, 4, 2),
        positions=[
            _by(
                "Shahbaz Sharif",
                "economy-trade",
                dt.date(2024, 4, 1),
                "Our exporters are ready for American markets.",
                actor=PK,
                speaker_office="Prime Minister",
            ),
            _by(
                "Zarina Qadeer",
                "economy-trade",
                dt.date(2024, 4, 1),
                "The chamber wants a visa window for traders.",
                actor=PK,
                speaker_office="President of an invented chamber of commerce",
            ),
        ],
    )
    yield sv  # type: ignore[misc]
    sv.close()


def test_profile_has_offices_side_statements_by_topic_and_press(services: Services) -> None:
    reply = run(services, "/who blinken")
    text = reply.text
    assert text.startswith("Antony Blinken")
    assert "Speaks for: United States" in text
    # offices from config/actors.yaml, with their dates
    assert "• Deputy Secretary of State, 2015-01 – 2017-01" in text
    assert "• Secretary of State, 2021-01 – 2025-01" in text
    # and as the articles named him: three statements carried an office, March to June
    assert "• Secretary of State — 2021-03 – 2021-06, 3 statements" in text
    # four statements (the Dawn copy is the Post's statement again), a spelling
    # variant ("Tony Blinken") included
    assert "4 statements on record" in text
    # topics ordered by their newest statement, each newest first
    aid = text.index("US security and military aid")
    trade = text.index("Economic, trade")
    peace = text.index("Afghan peace process")
    assert aid < trade < peace
    assert text.index("No aid decision has been taken yet.") < text.index(
        "Assistance will follow results on the ground."
    )
    # press: the Post (US), dawn.com (Pakistan), Reuters (other), Test Wire (not known)
    assert (
        "Quoted by the press: 4 articles — United States press 1 · Pakistan press 1 · "
        "other press 1 · outlet not known 1"
    ) in text


def test_names_resolve_fuzzily_over_gazetteer_and_record(services: Services) -> None:
    shahbaz = run(services, "/who shahbaz").text
    assert shahbaz.startswith("Shehbaz Sharif") and "Speaks for: Pakistan" in shahbaz
    assert "Our exporters are ready for American markets." in shahbaz
    assert "• Prime Minister, since 2024-03" in shahbaz
    assert "Pakistan press 1" in shahbaz  # Dawn, by its name
    typo = run(services, "/who blinkin").text
    assert typo.startswith("Antony Blinken") and "Closest name to “blinkin”" in typo
    titled = run(services, "/who Secretary Blinken").text
    assert titled.startswith("Antony Blinken") and "Closest name" not in titled
    seed = run(services, "/who khwaja asif").text  # the seeds' spelling
    assert seed.startswith("Khawaja Asif") and "We do not have any alliance" in seed


def test_a_speaker_only_on_record_has_a_profile(services: Services) -> None:
    text = run(services, "/who zarina qadeer").text
    assert text.startswith("Zarina Qadeer")
    assert "Speaks for: Pakistan (as on record; not in the gazetteer)" in text
    assert "none in the gazetteer" in text
    assert "President of an invented chamber of commerce — 2024-04, 1 statement" in text


def test_ambiguous_name_lists_candidates(services: Services) -> None:
    reply = run(services, "/who sharif")
    assert "ambiguous-name" in reply.tags
    assert "Several people answer to “sharif”" in reply.text
    for name in ("Nawaz Sharif", "Shehbaz Sharif", "Raheel Sharif"):
        assert name in reply.text
    # the one with statements on record is listed first
    assert reply.text.index("Shehbaz Sharif") < reply.text.index("Nawaz Sharif")
    runs = [a.value for b in reply.blocks if isinstance(b, Buttons) for a in b.actions]
    assert runs[0] == '/who "Shehbaz Sharif"'
    assert run(services, runs[0]).text.startswith("Shehbaz Sharif")


def test_unknown_name_says_so_with_nearest(services: Services) -> None:
    reply = run(services, "/who Blinkovsky Antonov")
    assert "unknown-name" in reply.tags
    assert "No one called “Blinkovsky Antonov”" in reply.text
    assert "Nearest names:" in reply.text and "Antony Blinken" in reply.text
    nothing = run(services, "/who qqqxz")
    assert "unknown-name" in nothing.tags and "Nearest" not in nothing.text
    assert "usage" in run(services, "/who").tags


def test_person_with_nothing_on_record_still_has_offices(services: Services) -> None:
    text = run(services, "/who pompeo").text  # seeds: UPI quoted him
    assert "• CIA Director, 2017-01 – 2018-04" in text
    assert "United States press 1" in text
    mattis = run(services, "/who Jim Mattis").text
    assert "No statements by" in mattis and "Quoted by the press: no article yet" in mattis


def test_outlet_country_prefers_the_address() -> None:
    outlets = load_outlets(ROOT / "config" / "outlets.yaml")
    assert outlets.country("Reuters", "https://www.dawn.com/news/1") == PK
    assert outlets.country("The Washington Post", None) == US
    assert outlets.country(None, "https://edition.cnn.com/x") == US
    assert outlets.country("Reuters", None) == "United Kingdom"
    assert outlets.country("Test Wire", "https://example.org/a") is None
    assert outlets.country(None, "not a url") is None


# ---------------------------------------------------------------------- platforms


def test_slack_who(slack: SlackHarness) -> None:
    assert slack.command("/who", "tillerson").status == 200
    answer = slack.fake.wait_for("response_url:r1")[0]
    assert answer.body["response_type"] == "ephemeral"
    body = str(answer.body["blocks"])
    assert "Rex Tillerson" in body and "Secretary of State" in body
    assert slack.fake.received("files.completeUploadExternal") == []  # no chart here


def test_discord_who(discord: DiscordHarness) -> None:
    discord.command("who", {"text": "asif"}, token="who1")
    text = embed_text(discord.answers("who1")[0])
    assert "Several people answer to" in text and "Khawaja Asif" in text


def test_console_who_and_timeline(services: Services) -> None:
    from bot.console.repl import ask

    who = ask(services, "/who blinken")
    assert "ANTONY BLINKEN" in who and "Secretary of State, 2021-01 – 2025-01" in who
    timeline = ask(services, "/timeline afghan peace process by:us")
    assert "TIMELINE: AFGHAN PEACE PROCESS" in timeline
    written = [x for x in timeline.splitlines() if "Chart written to " in x]
    assert len(written) == 1
    Path(written[0].split("Chart written to ", 1)[1].strip()).unlink()
