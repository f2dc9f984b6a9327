"""Cleaning: furniture removed, real content never dropped, title/outlet/date settled."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.indexer.clean import clean, cut_dateline
from bot.indexer.sources import load_file, load_seed_dir, load_text
from bot.indexer.types import IngestRefused, RawArticle
from bot.settings import ROOT

SEEDS = ROOT / "seeds"
GOLD_ARTICLES = {
    json.loads(line)["article"]: json.loads(line)
    for line in (SEEDS / "gold" / "articles_seeds.jsonl").read_text("utf-8").splitlines()
}
GOLD_POSITIONS = [
    json.loads(line)
    for line in (SEEDS / "gold" / "positions_seeds.jsonl").read_text("utf-8").splitlines()
]
TODAY = dt.date(2031, 5, 17)

# Invented body paragraphs used to surround furniture in the table tests.
P1 = (
    "The harbour authority said on Monday that the new ferry route would open in the "
    "spring after two years of delays."
)
P2 = "“We are ready to start as soon as the weather allows,” the port director told reporters."
P3 = (
    "Local traders welcomed the decision but warned that the fares announced so far were "
    "too high for most families on the island."
)


def seed_articles(with_metadata: bool) -> list[RawArticle]:
    if with_metadata:
        return load_seed_dir(SEEDS)
    return [load_file(p, origin="seed") for p in sorted(SEEDS.glob("*.txt"))]


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def cleaned(body: str, **raw: object) -> tuple[list[str], tuple[str, ...]]:
    article = clean(RawArticle(origin="file", text=body, **raw), today=TODAY)  # type: ignore[arg-type]
    return paragraphs(article.text), article.removed


@pytest.mark.parametrize("with_metadata", [True, False], ids=["seed-metadata", "bare-file"])
@pytest.mark.parametrize("name", sorted(GOLD_ARTICLES))
def test_seed_boilerplate_removed(name: str, with_metadata: bool) -> None:
    raw = next(r for r in seed_articles(with_metadata) if (r.source_path or "").endswith(name))
    article = clean(raw, today=TODAY)
    kept = paragraphs(article.text)
    for line in GOLD_ARTICLES[name]["boilerplate"]:
        assert line not in kept, line
        assert line in article.removed or line.strip() in " ".join(article.removed)
    title = GOLD_ARTICLES[name]["title"]
    if title:
        assert article.title == title
        assert title not in kept


@pytest.mark.parametrize("with_metadata", [True, False], ids=["seed-metadata", "bare-file"])
@pytest.mark.parametrize("name", sorted(GOLD_ARTICLES))
def test_seed_evidence_kept_verbatim(name: str, with_metadata: bool) -> None:
    """The essential check: no sentence that a gold position quotes is ever dropped."""
    raw = next(r for r in seed_articles(with_metadata) if (r.source_path or "").endswith(name))
    article = clean(raw, today=TODAY)
    evidence = [
        sentence
        for position in GOLD_POSITIONS
        if position["article"] == name
        for sentence in [position["evidence"], *position.get("alt_evidence", [])]
    ]
    assert evidence
    for sentence in evidence:
        assert sentence in article.text, sentence


def test_seed_000_deck_is_furniture() -> None:
    raw = next(r for r in load_seed_dir(SEEDS) if (r.source_path or "").startswith("seeds/000"))
    article = clean(raw)
    deck = "Foreign Minister stresses that Pakistan did not terrorist safe havens"
    assert deck not in article.text
    assert deck in article.removed
    assert article.text.startswith("There is a “huge trust deficit”")


@pytest.mark.parametrize(
    ("name", "published", "precision", "basis"),
    [
        ("000", dt.date(2017, 10, 1), "month", "inferred: "),
        ("001", dt.date(2018, 1, 5), "day", "inferred: "),
        ("002", dt.date(2018, 1, 19), "day", "inferred: "),
        ("003", dt.date(2018, 9, 6), "day", "text"),
        ("004", dt.date(2017, 7, 1), "month", "inferred: "),
    ],
)
def test_seed_dates(name: str, published: dt.date, precision: str, basis: str) -> None:
    raw = next(r for r in load_seed_dir(SEEDS) if (r.source_path or "").startswith(f"seeds/{name}"))
    article = clean(raw, today=TODAY)
    assert (article.published, article.date_precision) == (published, precision)
    assert article.date_basis.startswith(basis)


def test_seed_outlets() -> None:
    outlets = {Path(r.source_path or "").name[:3]: clean(r).source for r in load_seed_dir(SEEDS)}
    assert outlets == {
        "000": None,
        "001": None,
        "002": None,
        "003": "UPI",
        "004": "The Cipher Brief",
    }


def test_outlet_from_copyright_line_when_unknown() -> None:
    raw = next(
        r
        for r in seed_articles(False)
        if (r.source_path or "").endswith("003_d1dfb1c7f525a25e.txt")
    )
    assert clean(raw).source == "UPI"


@pytest.mark.parametrize(
    ("furniture", "where"),
    [
        ("By", "header"),
        ("By Jane Q. Writer", "header"),
        ("By: Staff Reporter", "header"),
        ("News Desk", "header"),
        ("|", "header"),
        ("• • •", "body"),
        ("Published March 3rd, 2031 - 10:15 GMT", "header"),
        ("Updated: Mar 4, 2031", "header"),
        ("Posted on 3 March 2031", "header"),
        ("The new ferry at its berth. (JANE ROE / EXAMPLE PRESS)", "header"),
        ("The new ferry at its berth. (Photo courtesy of the port)", "body"),
        ("Photo: Harbour authority", "body"),
        ("File photo", "body"),
        ("Copyright © Example Press, 2031. All Rights Reserved.", "footer"),
        ("© 2031 Island Gazette", "footer"),
        ("This story has been adapted from its original source.", "footer"),
        ("This article was originally published by the Island Gazette.", "footer"),
        ("You may also like", "footer"),
        ("Read more: Ferry fares to rise", "footer"),
        ("Related Articles", "footer"),
        ("Share your point of view", "footer"),
        ("Share this article", "footer"),
        ("Your comment will be published after review by a moderator.", "footer"),
        ("Required fields are marked *", "footer"),
        ("Leave a Reply", "footer"),
        ("Learn more about our newsletter here.", "footer"),
        ("Tags: ferries, islands, transport", "footer"),
        ("Travel Analysis", "category"),
        ("Harbour affairs correspondent", "header"),
        ("Ferry row deepens as fares climb", "deck"),
        ("Officials promise the route will open before summer despite the delays", "deck"),
    ],
)
def test_furniture_removed(furniture: str, where: str) -> None:
    headline = "Island Ferry Route to Open in Spring"
    if where == "category":
        body = f"{furniture}\n\n{headline}\n\n{P1}\n\n{P2}\n\n{P3}"
    elif where in ("header", "deck"):
        body = f"{headline}\n\n{furniture}\n\n{P1}\n\n{P2}\n\n{P3}"
    elif where == "body":
        body = f"{headline}\n\n{P1}\n\n{furniture}\n\n{P2}\n\n{P3}"
    else:
        body = f"{headline}\n\n{P1}\n\n{P2}\n\n{P3}\n\n{furniture}"
    kept, removed = cleaned(body)
    assert kept == [P1, P2, P3]
    assert furniture in removed
    assert headline in removed


def test_author_box_and_bio_removed() -> None:
    bio = (
        "Jane Roe has covered island transport for a decade. She previously edited the "
        "business pages of a regional weekly."
    )
    body = f"{P1}\n\n{P2}\n\n{P3}\n\nThe Author is Jane Roe\n\n{bio}"
    kept, removed = cleaned(body, title="Ferry")
    assert kept == [P1, P2, P3]
    assert "The Author is Jane Roe" in removed and bio in removed


def test_sentence_about_an_author_at_the_end_is_kept() -> None:
    line = "The author is expected to testify before the committee next week, her lawyer said."
    kept, _ = cleaned(f"{P1}\n\n{P2}\n\n{P3}\n\n{line}", title="Ferry")
    assert kept == [P1, P2, P3, line]


def test_writer_line_removed_but_following_content_kept() -> None:
    body = f"{P1}\n\n{P2}\n\nThe writer is a former harbour master.\n\n{P3}"
    kept, removed = cleaned(body, title="Ferry")
    assert "The writer is a former harbour master." in removed
    assert P3 in kept


@pytest.mark.parametrize(
    "credit",
    ["(Additional inputs from PTI)", "(With inputs from agencies)", "(Reporting by Jane Roe)"],
)
def test_agency_credit_stripped_from_content_line(credit: str) -> None:
    kept, removed = cleaned(f"{P1}\n\n{P2}\n\n{P3} {credit}", title="Ferry")
    assert kept == [P1, P2, P3]
    assert credit in removed
    kept, removed = cleaned(f"{P1}\n\n{P2}\n\n{P3}\n\n{credit}", title="Ferry")
    assert kept == [P1, P2, P3]


def test_repeated_lines_and_repeated_headline_removed() -> None:
    body = f"Ferry Route Opens\n\n{P1}\n\n{P2}\n\nFerry Route Opens\n\n{P2}\n\n{P3}"
    kept, removed = cleaned(body)
    assert kept == [P1, P2, P3]
    assert removed.count("Ferry Route Opens") == 2
    assert P2 in removed


@pytest.mark.parametrize(
    "content",
    [
        "He declined to comment.",
        "No.",
        "“We will not be pushed around,” the mayor said.",
        "“We will not be pushed around”",
        "“Never again.”",
        "The statement read:",
        "Why now?",
        "Prices rose by 4.5% in March, according to the port's figures.",
        "The ferry will carry 300 passengers a day and 40 cars each crossing in summer",
        "Published reports suggest the deal is off.",
        "Updated timetables will follow, the director said.",
        "Copyright reform was also on the agenda, the minister said.",
        "More from the ministry is expected later today, officials said.",
        "Photographs of the vessel were shown to the council on Monday.",
        "The author is expected to testify before the committee next week, her lawyer said.",
    ],
)
def test_real_content_kept(content: str) -> None:
    body = f"Island Ferry Route to Open in Spring\n\n{P1}\n\n{content}\n\n{P2}\n\n{P3}"
    kept, _ = cleaned(body)
    assert kept == [P1, content, P2, P3]


def test_content_that_looks_like_a_byline_sentence_is_kept() -> None:
    line = "By the end of the week, the harbour authority expects to publish the timetable."
    kept, _ = cleaned(f"{P1}\n\n{line}\n\n{P3}", title="Ferry")
    assert line in kept


def test_title_from_first_line_when_no_metadata() -> None:
    article = clean(RawArticle(origin="stdin", text=f"Ferry Route Opens\n\n{P1}\n\n{P2}"))
    assert article.title == "Ferry Route Opens"
    assert paragraphs(article.text) == [P1, P2]


def test_title_derived_without_dropping_first_sentence() -> None:
    article = clean(RawArticle(origin="stdin", text=f"{P1}\n{P2}\n{P3}"))
    assert article.title.startswith("The harbour authority said on Monday")
    assert paragraphs(article.text) == [P1, P2, P3]


def test_title_precedence_front_matter_then_html_then_first_line() -> None:
    raw = load_text(f"---\ntitle: From Front Matter\n---\nFerry Route Opens\n\n{P1}")
    assert clean(raw).title == "From Front Matter"
    assert P1 in clean(raw).text


@pytest.mark.parametrize(
    ("body", "expected", "basis"),
    [
        (
            f"Ferry\n\nPublished September 6th, 2019 - 08:21 GMT\n\n{P1}",
            dt.date(2019, 9, 6),
            "text",
        ),
        (f"Ferry\n\nUpdated: Jan 5, 2019\n\n{P1}", dt.date(2019, 1, 5), "text"),
        (
            f"Ferry\n\nPublished 3 March 2019\nUpdated 4 March 2019\n\n{P1}",
            dt.date(2019, 3, 3),
            "text",
        ),
        (f"Ferry\n\n5 January 2019\n\n{P1}", dt.date(2019, 1, 5), "text"),
        (f"PORT ROYAL, 5 January 2019: {P1}", dt.date(2019, 1, 5), "text"),
        (f"PORT ROYAL (Jan. 5, 2019) — {P1}", dt.date(2019, 1, 5), "text"),
        (f"Ferry\n\n{P1} The route was first proposed on 5 January 2018.", TODAY, "ingest-date"),
        (f"Ferry\n\nPublished 3 March 2099\n\n{P1}", TODAY, "ingest-date"),
    ],
    ids=[
        "published",
        "updated",
        "published-wins",
        "lone-date",
        "dateline",
        "dateline-paren",
        "event-date-ignored",
        "future-ignored",
    ],
)
def test_text_dates(body: str, expected: dt.date, basis: str) -> None:
    article = clean(RawArticle(origin="file", text=body), today=TODAY)
    # the basis now also says which words gave the date ("text: dateline “…”")
    assert (article.published, article.date_basis.split(":")[0]) == (expected, basis)
    assert P1 in article.text


def test_date_precedence() -> None:
    body = f"Ferry\n\nPublished 3 March 2019\n\n{P1}"
    front = RawArticle(
        origin="file",
        text=body,
        published=dt.date(2019, 2, 1),
        date_precision="month",
        date_basis="front-matter",
    )
    assert (clean(front).published, clean(front).date_basis) == (
        dt.date(2019, 2, 1),
        "front-matter",
    )
    assert clean(front).date_precision == "month"
    seeded = RawArticle(
        origin="seed", text=body, published=dt.date(2019, 2, 1), date_basis="inferred: x"
    )
    # a stated date beats an inferred one
    assert clean(seeded).date_basis == "text: published line “Published 3 March 2019”"
    seeded_no_text_date = RawArticle(
        origin="seed", text=P1, published=dt.date(2019, 2, 1), date_basis="inferred: x"
    )
    assert clean(seeded_no_text_date).date_basis == "inferred: x"


def test_whitespace_collapsed_but_characters_kept() -> None:
    line = "“Ready,”  she said\t\tof Pakistan´s port\u00a0— again."
    kept, _ = cleaned(f"{P1}\n\n{line}", title="Ferry")
    assert kept[1] == "“Ready,” she said of Pakistan´s port\u00a0— again."


def test_hard_wrapped_paragraph_rejoined() -> None:
    wrapped = (
        "The harbour authority said on Monday that the new\n"
        "ferry route would open in the spring after two years\n"
        "of delays.\n\nNext paragraph starts here and ends here."
    )
    kept, _ = cleaned(wrapped, title="Ferry")
    assert kept[0] == P1


def test_html_extracted_with_metadata() -> None:
    html = f"""<!DOCTYPE html><html><head>
      <title>Ferry Route to Open | Island Gazette</title>
      <meta property="og:title" content="Ferry Route to Open">
      <meta property="og:site_name" content="Island Gazette">
      <meta property="article:published_time" content="2019-04-02T09:00:00Z">
    </head><body>
      <nav><a href="/">Home</a> | <a href="/news">News</a></nav>
      <article><h1>Ferry Route to Open</h1><p>By Jane Roe</p>
        <p>{P1}</p><p>{P2}</p><p>He declined to comment.</p><p>{P3}</p>
      </article>
      <footer><p>Copyright 2019 Island Gazette. All rights reserved.</p></footer>
    </body></html>"""
    article = clean(
        RawArticle(origin="url", html=html, url="https://gazette.example/a"), today=TODAY
    )
    assert article.title == "Ferry Route to Open"
    assert article.source == "Island Gazette"
    assert (article.published, article.date_basis) == (dt.date(2019, 4, 2), "html-metadata")
    assert paragraphs(article.text) == [P1, P2, "He declined to comment.", P3]
    assert article.url == "https://gazette.example/a"


def test_only_short_lines_are_kept_when_they_are_all_there_is() -> None:
    kept, _ = cleaned("Ferry Route Opens\n\nislanders cheer\n\nfares still high")
    assert kept == ["islanders cheer", "fares still high"]


def test_nothing_but_furniture_is_refused() -> None:
    with pytest.raises(IngestRefused, match="no article text"):
        clean(RawArticle(origin="file", text="By\nWeb Desk\n|\nYou may also like\n"))


@pytest.mark.parametrize(
    ("paragraph", "body", "dateline"),
    [
        ("(AP) — President Smith says the border will stay open.", "President Smith", "(AP) —"),
        ("WASHINGTON: The State Department said on Monday that", "The State", "WASHINGTON:"),
        ("ISLAMABAD, March 3 (Reuters) - Pakistan said on Tuesday", "Pakistan said", "(Reuters) -"),
        ("(Bloomberg Opinion) -- Over the weekend the administration", "Over the", "--"),
        ("NEW DELHI — India lodged a protest with the envoy today.", "India lodged", "NEW DELHI —"),
        # not datelines: a transcript's speaker label, a question label, ordinary prose
        ("SECRETARY SMITH: Good afternoon, everyone, and welcome.", "SECRETARY SMITH:", None),
        ("QUESTION: Is the aid going to be restored this year?", "QUESTION:", None),
        ("US officials said the talks would resume next week.", "US officials", None),
    ],
)
def test_opening_dateline_is_cut(paragraph: str, body: str, dateline: str | None) -> None:
    rest, cut = cut_dateline(paragraph)
    assert rest.startswith(body)
    if dateline is None:
        assert cut is None and rest == paragraph
    else:
        assert cut is not None and cut.endswith(dateline)
