"""When a statement was made, read from its own sentence (bot.indexer.dating).

Each case is a sentence written for this test, parsed by the real spaCy model, and dated
against an article published on Wednesday 9 March 2022. Only a date governing the
statement's own verb counts; a date inside what is said leaves the statement dated by its
article.
"""

from __future__ import annotations

import datetime as dt

import pytest
from spacy.language import Language

from bot.indexer.dating import date_positions, date_statement, period_start, resolve
from bot.indexer.types import ExtractedPosition

PUBLISHED = dt.date(2022, 3, 9)  # a Wednesday

EXPLICIT = [
    (
        "The president tweeted on 3 March 2022 that the talks were a waste.",
        "2022-03-03",
        "explicit date: on 3 March 2022",
    ),
    (
        "In January 2018 the State Department said it would freeze the funds.",
        "2018-01",
        "explicit date: In January 2018",
    ),
    ("The envoy said in 2019 that the corridor was open to all.", "2019", "explicit date: in 2019"),
    (
        "On February 14, 2022, the ambassador told reporters the visit was off.",
        "2022-02-14",
        "explicit date: On February 14, 2022",
    ),
]
RELATIVE = [
    (
        "The minister said on Tuesday that the border would reopen.",
        "2022-03-08",
        "relative date: on Tuesday",
    ),
    (
        "Pakistan's foreign minister said yesterday that the crossing was shut.",
        "2022-03-08",
        "relative date: yesterday",
    ),
    (
        "Last week, the envoy told reporters that aid talks had stalled.",
        "2022-02-28",
        "relative date: Last week",
    ),
    (
        "An official warned in July that the corridor would close.",
        "2021-07",
        "relative date: in July",
    ),
    (
        "In January, the ambassador said Washington would release the funds.",
        "2022-01",
        "relative date: In January",
    ),
    (
        "The general said on March 3 that the operation was over.",
        "2022-03-03",
        "relative date: on March 3",
    ),
    (
        "Two days ago, the spokesman said the delegation had left.",
        "2022-03-07",
        "relative date: Two days ago",
    ),
    (
        "The spokesman said in a statement on Monday that the visit would go ahead.",
        "2022-03-07",
        "relative date: on Monday",
    ),
]
BACKGROUND = [
    (
        "In 2018, Trump had suspended security assistance to Pakistan.",
        "2018",
        "background clause: In 2018",
    ),
    (
        "In September 2011, the admiral had called the network a veritable arm of the agency.",
        "2011-09",
        "background clause: In September 2011",
    ),
]
# Dates inside what is said, or on a noun, or in the future: the article's date stands.
SAID_NOW = [
    '"We regret last year\'s incident," the minister said.',
    "The foreign office said the attack in January 2019 was a turning point.",
    "The spokesman said that Islamabad had acted in 2018 to close the camps.",
    "The minister will visit Washington next week, the spokesperson said.",
    "Pakistan said it expects the talks to resume in June.",
    '"Since 2001 we have given everything," the prime minister said.',
    "Pakistan has said since 2001 that it stands on the front line.",
    "The envoy said until June that the talks were on track.",
]


@pytest.mark.parametrize(("sentence", "on", "basis"), EXPLICIT + RELATIVE + BACKGROUND)
def test_statement_dated_by_its_own_date(nlp: Language, sentence: str, on: str, basis: str) -> None:
    stated = date_statement(nlp(sentence)[:], PUBLISHED)
    assert (stated.on, stated.basis) == (on, basis)
    assert stated.date == period_start(on) <= PUBLISHED


@pytest.mark.parametrize("sentence", SAID_NOW)
def test_statement_about_the_past_is_dated_now(nlp: Language, sentence: str) -> None:
    stated = date_statement(nlp(sentence)[:], PUBLISHED)
    assert (stated.on, stated.basis) == ("2022-03-09", "article date")


def test_reporting_date_wins_over_the_date_inside_the_quote(nlp: Language) -> None:
    stated = date_statement(
        nlp('"We regret last year\'s incident," the minister said on Tuesday.')[:], PUBLISHED
    )
    assert (stated.on, stated.basis) == ("2022-03-08", "relative date: on Tuesday")


@pytest.mark.parametrize(
    ("words", "published", "precision", "expected"),
    [
        ("Tuesday", dt.date(2022, 3, 8), "day", ("2022-03-08", True)),  # the same day
        ("last Tuesday", dt.date(2022, 3, 8), "day", ("2022-03-01", True)),
        ("December", dt.date(2022, 3, 9), "day", ("2021-12", True)),
        ("March 10", dt.date(2022, 3, 9), "day", ("2021-03-10", True)),
        ("last month", dt.date(2022, 1, 20), "day", ("2021-12", True)),
        ("last year", dt.date(2022, 1, 20), "day", ("2021", True)),
        ("earlier this month", dt.date(2022, 1, 20), "day", ("2022-01", True)),
        ("three weeks ago", dt.date(2022, 3, 9), "day", ("2022-02-16", True)),
        ("on Tuesday", dt.date(2022, 3, 1), "month", ("2022-03", True)),  # month-dated article
        ("5 January 2030", dt.date(2022, 3, 9), "day", None),  # after the article: a plan
        ("next week", dt.date(2022, 3, 9), "day", None),
        ("31 February 2020", dt.date(2022, 3, 9), "day", ("2020-02", False)),
    ],
)
def test_resolve_against_the_article_date(
    words: str, published: dt.date, precision: str, expected: tuple[str, bool] | None
) -> None:
    assert resolve(words, published, precision) == expected


def test_month_precise_article_dates_a_plain_statement_to_its_month(nlp: Language) -> None:
    stated = date_statement(nlp("The minister said the border was open.")[:], PUBLISHED, "month")
    assert (stated.on, stated.basis) == ("2022-03", "article date")


def test_positions_found_in_the_article_by_offset(nlp: Language) -> None:
    text = (
        "Officials met in the capital to review the crossings.\n\n"
        "In 2018, the administration had suspended security assistance to Pakistan. "
        "The minister said on Tuesday that the border would reopen."
    )
    doc = nlp(text)

    def pos(evidence: str, **extra: str) -> ExtractedPosition:
        return ExtractedPosition(
            "Pakistan", None, None, "border", "claim", evidence, "reported", **extra
        )

    background = "In 2018, the administration had suspended security assistance to Pakistan."
    said = "The minister said on Tuesday that the border would reopen."
    out = date_positions(
        doc,
        [pos(background), pos(said), pos("Not in this article."), pos(said, stated_on="2020")],
        PUBLISHED,
    )
    assert [(p.stated_on, p.stated_basis) for p in out] == [
        ("2018", "background clause: In 2018"),
        ("2022-03-08", "relative date: on Tuesday"),
        ("2022-03-09", "article date"),  # evidence not found: the article's date
        ("2020", None),  # already dated by an earlier stage: kept
    ]


def test_a_duration_is_not_a_date(nlp: Language) -> None:
    sentence = "The alliance would withdraw all troops within 14 months, the envoy said."
    stated = date_statement(nlp(sentence)[:], PUBLISHED)
    assert (stated.on, stated.basis) == ("2022-03-09", "article date")
