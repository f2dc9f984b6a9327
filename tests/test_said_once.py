"""Said once: one statement reported by several outlets is one statement with several
sources, on SQLite and PostgreSQL.

The three fixture articles are invented for this test: three outlets quote one
presidential post in their own framing (full quote, split quote, partial quote with the
words reordered); the third also reports a different statement by the same speaker on the
same topic two days later, which must stay apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.core.reply import Quote, Reply, Section
from bot.core.services import Services
from bot.indexer.pipeline import Indexer
from bot.indexer.sources import load_text
from storage import digest_reads, follows
from storage.db import Database
from storage.ledger import StatementReport
from storage.models import Position
from tests.conftest import build_settings

HARBOUR = """---
title: President rebukes Islamabad over aid
source: Harbour Times
date: 2026-01-02
url: https://harbour.example/aid-post
---
The American president accused Pakistan of deceit in a message posted on Monday.

"The United States has foolishly given Pakistan more than 33 billion dollars in aid over \
the last 15 years, and they have given us nothing but lies and deceit," President Trump \
wrote on Twitter on Monday.

Officials in Islamabad did not respond immediately to the message.
"""
VALLEY = """---
title: Pakistan summons envoy after presidential post
source: Valley Courier
date: 2026-01-03
url: https://valley.example/envoy
---
Pakistan's foreign office summoned the American ambassador after a sharp online message \
from Washington.

President Trump said the United States had "foolishly given Pakistan more than 33 billion \
dollars in aid over the last 15 years," adding that Pakistan had given "nothing but lies \
& deceit."

The ambassador met the foreign secretary for nearly an hour.
"""
NORTHERN = """---
title: Aid row deepens
source: Northern Ledger
date: 2026-01-04
url: https://northern.example/aid-row
---
The row over American assistance deepened this week as both capitals traded statements.

"They have given us nothing but lies and deceit," Trump wrote in his post, saying the \
United States had foolishly given Pakistan 33 billion dollars in aid over 15 years.

On Wednesday, Trump said the United States would review all security assistance to \
Pakistan before the spring budget.
"""
POST = "nothing but lies"
REVIEW = "review all security assistance"


class Ledger:
    def __init__(self, url: str) -> None:
        self.settings = build_settings(url)
        self.db = Database(url)
        with self.db.session() as s:  # followed before anything arrives, to test alerts
            follows.add_follow(s, platform="slack", user="U9", topic="security-aid")
        self.indexer = Indexer(self.db, self.settings)
        self.services = Services.build(self.settings, self.db)
        self.after_first: dt.datetime | None = None
        for i, text in enumerate((HARBOUR, VALLEY, NORTHERN)):
            result = self.indexer.ingest(load_text(text, origin="file"))
            assert result.status == "new", result
            if i == 0:
                self.after_first = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def rows(self) -> list[Position]:
        with self.db.session() as s:
            return list(s.scalars(select(Position).order_by(Position.id)))

    def run(self, line: str) -> Reply:
        return dispatch(Ctx(self.services, user="U1", channel="C1"), parse(line, user="U1"))


@pytest.fixture
def ledger(engine_url: str, nlp: object) -> Iterator[Ledger]:
    built = Ledger(engine_url)
    yield built
    built.db.dispose()


def test_three_outlets_one_post_is_one_statement_with_three_sources(ledger: Ledger) -> None:
    rows = ledger.rows()
    post = [r for r in rows if POST in r.evidence or "lies" in r.evidence]
    review = [r for r in rows if REVIEW in r.evidence]
    assert {r.article_id for r in post} == {1, 2, 3}
    assert len({r.statement_id for r in post}) == 1  # one statement…
    assert {r.topic for r in post} >= {"trust", "security-aid"}  # …filed under both topics
    # the post is dated by the one outlet that says when it was made, for every report
    assert {(r.stated_on, r.stated_basis) for r in post} == {
        ("2025-12-29", "relative date: on Monday")
    }
    # a different statement by the same speaker on the same topic stays apart
    assert review and {r.statement_id for r in review}.isdisjoint({post[0].statement_id})
    assert {r.stated_on for r in review} == {"2025-12-31"}
    # and so does the unattributed summary line above the post
    assert all(r.statement_id != post[0].statement_id for r in rows if r.speaker is None)


def test_position_shows_the_statement_once_with_the_other_outlets(ledger: Ledger) -> None:
    reply = ledger.run("/position aid by:us")
    quotes = [b for b in reply.blocks if isinstance(b, Quote)]
    # newest said first, and when each report ran
    assert [q.date for q in quotes] == [
        "2025-12-31, reported 2026-01-04",
        "2025-12-29, reported 2026-01-02",
    ]
    assert REVIEW in quotes[0].text and "lies" in quotes[1].text
    assert quotes[1].link == "https://harbour.example/aid-post"  # the first report
    also = [b for b in reply.blocks if isinstance(b, Section) and "also reported" in b.text]
    assert len(also) == 1
    assert also[0].text == "also reported by 2 outlets: Valley Courier · Northern Ledger"
    assert [s.url for s in also[0].spans if s.url] == [
        "https://valley.example/envoy",
        "https://northern.example/aid-row",
    ]
    assert "2 positions by United States" in reply.text  # statements, not reports


def test_brief_names_the_other_outlets_too(ledger: Ledger) -> None:
    reply = ledger.run("/brief aid")
    quotes = [b for b in reply.blocks if isinstance(b, Quote)]
    assert [q.date for q in quotes] == ["2025-12-31, reported 2026-01-04"]  # latest said
    assert "also reported" not in reply.text  # that statement had one source
    from storage import admin

    with ledger.db.session() as s:
        admin.retract(s, 3)  # the Northern Ledger: the later statement goes with it
    reply = ledger.run("/brief aid")
    quotes = [b for b in reply.blocks if isinstance(b, Quote)]
    assert [q.date for q in quotes] == ["2025-12-29, reported 2026-01-02"]  # now the latest
    also = [b.text for b in reply.blocks if isinstance(b, Section) and "also reported" in b.text]
    assert also == ["also reported by 1 outlet: Valley Courier"]


def test_search_shows_the_sentence_once_with_all_its_topics(ledger: Ledger) -> None:
    with ledger.db.session() as s:
        from storage import queries

        _articles, hits = queries.search(s, "foolishly given billion")
    assert len(hits) == 1
    assert hits[0].topic is not None
    assert set(hits[0].topic.split(", ")) == {"security-aid", "trust"}


def test_digest_does_not_repeat_a_statement_already_recorded(ledger: Ledger) -> None:
    assert ledger.after_first is not None
    end = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=1)
    with ledger.db.session() as s:
        new = digest_reads.new_positions(s, ledger.after_first, end)
    texts = [p.evidence for p in new]
    assert any(REVIEW in t for t in texts)
    assert not any(POST in t for t in texts)  # other outlets quoting a known post


def test_alert_not_repeated_for_another_outlets_report(ledger: Ledger) -> None:
    with ledger.db.session() as s:
        due = follows.alerts_due(s, platform="slack", not_before=dt.datetime(2000, 1, 1))
    by_article = {a.article_id: [p.evidence for p in a.positions] for a in due}
    assert set(by_article) == {1, 3}  # the Valley Courier only re-reports the post
    assert len(by_article[3]) == 1 and REVIEW in by_article[3][0]


def test_positions_json_gives_every_report_the_same_statement_id(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from bot import bootstrap, cli

    monkeypatch.setattr(bootstrap, "load_settings", lambda: ledger.settings)
    result = CliRunner().invoke(cli.app, ["positions", "--topic", "trust", "--json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    ids = {r["statement_id"] for r in records if "lies" in r["evidence"]}
    outlets = {r["article"]["source"] for r in records if "lies" in r["evidence"]}
    assert len(ids) == 1 and outlets == {"Harbour Times", "Valley Courier", "Northern Ledger"}
    assert all(r["stated_on"] == "2025-12-29" for r in records if "lies" in r["evidence"])


def report(evidence: str, claim: str = "claim") -> StatementReport:
    return StatementReport(
        1, 1, 1, "United States", "Donald Trump", "trust", claim, evidence,
        "2026-01-02", dt.date(2026, 1, 2), "article date",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("new", "earlier", "same"),
    [
        # the same quoted words in different framings
        ('"We will not be pushed around by anyone," the minister said.',
         'The minister said Pakistan "will not be pushed around by anyone" again.', True),
        # the same sentence, punctuation and case apart
        ("The minister said the border would reopen on Friday for all trucks.",
         "the minister said the border would re-open on Friday for all trucks", True),
        # same speaker, same topic, different things said
        ("The minister said the border would reopen on Friday for all trucks.",
         "The minister said the ban on imports would stay until the summer.", False),
        # a short shared phrase is not a shared statement
        ('"Do more," the envoy said, asking for arrests in the border districts.',
         '"Do more," the envoy said after the talks on refugees collapsed.', False),
        ('"We have done more than anyone in this war on terror," the minister said.',
         '"Our patience is running out with those who shelter militants," he said.', False),
    ],
)  # fmt: skip
def test_same_statement_cases(new: str, earlier: str, same: bool) -> None:
    from bot.indexer.statements import same_statement
    from bot.indexer.types import ExtractedPosition

    position = ExtractedPosition("United States", "Donald Trump", None, "trust", "c", new, "quote")
    assert same_statement(position, report(earlier, claim="other")) is same


def test_retracting_the_first_report_shows_the_next_one(ledger: Ledger) -> None:
    from storage import admin

    with ledger.db.session() as s:
        assert admin.retract(s, 1) is not None  # the Harbour Times article
    reply = ledger.run("/position aid by:us")
    quotes = [b for b in reply.blocks if isinstance(b, Quote)]
    assert [q.link for q in quotes] == [
        "https://northern.example/aid-row",  # the later statement
        "https://valley.example/envoy",  # the post, now shown by its next report
    ]
    also = [b.text for b in reply.blocks if isinstance(b, Section) and "also reported" in b.text]
    assert also == ["also reported by 1 outlet: Northern Ledger"]
