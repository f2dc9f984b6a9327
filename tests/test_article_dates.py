"""An article without front matter is dated from its own text, and says from what.

Every article body here is invented for these tests.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.indexer.article_dates import date_from_text
from bot.indexer.clean import clean
from bot.indexer.types import RawArticle

TODAY = dt.date(2026, 12, 2)
BODY = (
    "The two delegations agreed to meet again before the end of the quarter to review the "
    "customs arrangements at the northern crossings, officials from both sides said."
)


@pytest.mark.parametrize(
    ("text", "published", "basis"),
    [
        (
            f"Crossings review\n\nISLAMABAD, March 3 (Reuters) – {BODY}",
            dt.date(2026, 3, 3),
            "text: dateline “ISLAMABAD, March 3 (Reuters)” (no year: the latest such day up "
            "to 2026-12-02)",
        ),
        (
            f"Crossings review\n\nKARACHI, 14 December: {BODY}",
            dt.date(2025, 12, 14),  # no year and not yet this year: last December
            "text: dateline “KARACHI, 14 December” (no year: the latest such day up to 2026-12-02)",
        ),
        (
            f"Crossings review\n\nWASHINGTON — March 3, 2026 — {BODY}",
            dt.date(2026, 3, 3),
            "text: dateline “WASHINGTON — March 3, 2026”",
        ),
        (
            f"Crossings review\n\n3 March 2026\n\n{BODY}",
            dt.date(2026, 3, 3),
            "text: date line “3 March 2026”",
        ),
        (
            f"Crossings review\n\nPublished March 4, 2026 10:12 PKT\n\n{BODY}",
            dt.date(2026, 3, 4),
            "text: published line “Published March 4, 2026”",
        ),
        (
            f"Crossings review\n\nUpdated 5 March 2026\nPublished 4 March 2026\n\n{BODY}",
            dt.date(2026, 3, 4),  # the first publication, not the revision
            "text: published line “Published 4 March 2026”",
        ),
        (
            f"Crossings review\n\nUpdated: 2026-03-06\n\n{BODY}",
            dt.date(2026, 3, 6),
            "text: updated line “Updated: 2026-03-06”",
        ),
        (f"Crossings review\n\n{BODY} They first met on 3 March 2019.", TODAY, "ingest-date"),
        (f"Crossings review\n\nPublished 3 March 2099\n\n{BODY}", TODAY, "ingest-date"),
    ],
    ids=[
        "wire-dateline-no-year",
        "dateline-last-year",
        "dash-dateline",
        "lone-date",
        "published",
        "published-beats-updated",
        "updated-iso",
        "event-date-in-body-ignored",
        "future-ignored",
    ],
)
def test_pasted_article_dated_from_its_text(text: str, published: dt.date, basis: str) -> None:
    article = clean(RawArticle(origin="chat", text=text), today=TODAY)
    assert (article.published, article.date_basis) == (published, basis)
    assert article.date_precision == "day"


def test_front_matter_still_wins_over_the_text() -> None:
    raw = RawArticle(
        origin="file",
        text=f"Crossings review\n\nISLAMABAD, March 3 (Reuters) – {BODY}",
        published=dt.date(2026, 3, 1),
        date_basis="front-matter",
    )
    assert clean(raw, today=TODAY).date_basis == "front-matter"


def test_only_the_top_of_the_article_is_read() -> None:
    lines = ["Crossings review", *[BODY] * 10, "Published 3 March 2026"]
    assert date_from_text(lines, today=TODAY) is None


def test_impossible_day_is_not_a_date() -> None:
    assert date_from_text(["KARACHI, 31 February: talks resumed."], today=TODAY) is None
