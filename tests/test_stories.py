"""One story per event: three outlets on one visit share a story; the same person at
another event a week later, or another act the same day, does not. Articles of our own."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.indexer.pipeline import Indexer
from bot.indexer.sources import load_text
from bot.indexer.stories import same_event, signature
from bot.settings import Settings
from storage.db import Database
from storage.models import Article


def _article(title: str, source: str, date: str, body: str) -> str:
    return f'---\ntitle: "{title}"\nsource: "{source}"\ndate: "{date}"\n---\n{body}\n'


VISIT_A = _article(
    "Blinken lands in Islamabad for security talks",
    "Northern Courier",
    "2023-03-07",
    "Antony Blinken, the US Secretary of State, landed in Islamabad on Tuesday for two "
    "days of talks with Prime Minister Shehbaz Sharif. The visit, his first since taking "
    "office, will focus on counterterrorism cooperation along the Afghan border, officials "
    "said.\n\nBlinken is also due to meet army chief Asim Munir at the General "
    "Headquarters in Rawalpindi before flying on to Kabul.",
)
VISIT_B = _article(
    "US top diplomat visits Pakistan, meets Sharif",
    "Evening Ledger",
    "2023-03-07",
    "Secretary of State Antony Blinken met Prime Minister Shehbaz Sharif in Islamabad on "
    "Tuesday at the start of a visit aimed at reviving security cooperation.\n\nThe two "
    "discussed militant attacks near the Afghan border, and the talks continue with army "
    "chief Asim Munir in Rawalpindi on Wednesday, the Foreign Office said.",
)
VISIT_C = _article(
    "Munir, Blinken discuss border security in Rawalpindi",
    "Frontier Wire",
    "2023-03-08",
    "Army chief General Asim Munir received the visiting US Secretary of State Antony "
    "Blinken at the General Headquarters in Rawalpindi on Wednesday, a day after "
    "Blinken's talks with Prime Minister Shehbaz Sharif in Islamabad.\n\nBorder security "
    "and counterterrorism cooperation were discussed during the visit, the military's "
    "media wing said.",
)
WEEK_LATER = _article(
    "Blinken hosts Indian minister in Washington",
    "Evening Ledger",
    "2023-03-15",
    "Antony Blinken hosted Indian External Affairs Minister Subrahmanyam Jaishankar at the "
    "State Department on Wednesday to discuss trade, technology and the Quad summit "
    "planned for May.\n\nThe two ministers also spoke about shipping lanes in the Indian "
    "Ocean, a department readout said.",
)
SAME_DAY_OTHER_ACT = _article(
    "Pentagon pauses drone sale to Pakistan",
    "Northern Courier",
    "2023-03-07",
    "The Pentagon said on Tuesday it had paused a pending sale of surveillance drones to "
    "Pakistan, citing a review of export rules.\n\nDefense Secretary Lloyd Austin told "
    "Congress the review was routine. The pause comes as Antony Blinken visits the region.",
)


def _sig(raw: str):
    article = load_text(raw, settings=Settings())
    assert article.published is not None and article.title and article.text
    return signature(article.title, article.text, article.published)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (VISIT_A, VISIT_B, True),
        (VISIT_A, VISIT_C, True),
        (VISIT_B, VISIT_C, True),
        (VISIT_A, WEEK_LATER, False),  # the same person, another event, a week later
        (VISIT_B, SAME_DAY_OTHER_ACT, False),  # the same day and person, another act
        (VISIT_C, SAME_DAY_OTHER_ACT, False),
    ],
)
def test_same_event(a: str, b: str, same: bool) -> None:
    assert same_event(_sig(a), _sig(b)) is same
    assert same_event(_sig(b), _sig(a)) is same


def test_the_same_words_a_week_apart_are_not_one_event() -> None:
    a = _sig(VISIT_A)
    later = dt.date(2023, 3, 14)
    assert not same_event(a, signature("x", " ".join(sorted(a.names)), later))


def test_ingest_gives_one_story_per_event(indexer: Indexer, db: Database) -> None:
    settings = Settings()
    raws = [
        load_text(t, settings=settings)
        for t in (VISIT_A, SAME_DAY_OTHER_ACT, VISIT_B, WEEK_LATER, VISIT_C)
    ]
    results = list(indexer.ingest_many(raws))
    assert [r.status for r in results] == ["new"] * 5, [r.reason for r in results]
    with db.session() as session:
        story = {r.article_id: session.get(Article, r.article_id).story_id for r in results}
    a, other, b, later, c = (story[r.article_id] for r in results)
    assert a == b == c
    assert len({a, other, later}) == 3
    # another outlet's report is its own article (read for positions), not a copy
    assert results[2].duplicate_of is None and results[4].duplicate_of is None


def test_month_precise_dates_never_group(indexer: Indexer, db: Database) -> None:
    """ "2023-03" says nothing about "within a few days": such articles keep their own."""
    settings = Settings()
    raws = [
        load_text(t.replace('date: "2023-03-07"', 'date: "2023-03"'), settings=settings)
        for t in (VISIT_A, VISIT_B)
    ]
    assert all(r.date_precision == "month" for r in raws)
    results = list(indexer.ingest_many(raws))
    with db.session() as session:
        stories = {session.get(Article, r.article_id).story_id for r in results}
    assert len(stories) == 2
