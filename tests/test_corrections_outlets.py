"""A corrected statement reported again by another outlet: the correction reaches the new
report as it is ingested (the real indexer, spaCy and the ledger's "said once" check), and
undo puts that report back too.

Both articles are invented for this test: two outlets quote one ambassador's warning in
their own framing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from spacy.language import Language
from sqlalchemy import select

from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.core.reply import Reply
from bot.core.services import Services
from bot.indexer.pipeline import Indexer
from bot.indexer.sources import load_text
from storage.models import Position
from tests.conftest import build_settings, sqlite_url

LAKESIDE = """---
title: Envoy warns on aid
source: Lakeside Post
date: 2026-02-02
url: https://lakeside.example/aid-warning
---
A senior American envoy warned Islamabad about security assistance on Monday.

"Washington will withhold the next tranche of security assistance until Pakistan closes \
the militant sanctuaries along the border," US Ambassador Daniel Mercer told reporters on \
Monday.

Officials in Islamabad did not respond immediately to the warning.
"""
HILL = """---
title: Islamabad weighs envoy's warning
source: Hill Gazette
date: 2026-02-03
url: https://hill.example/envoy-warning
---
Pakistan's foreign office studied the remarks of a visiting American envoy this week.

US Ambassador Daniel Mercer said Washington "will withhold the next tranche of security \
assistance until Pakistan closes the militant sanctuaries along the border," according to \
reporters present.

The foreign secretary met the envoy for nearly an hour on Tuesday afternoon.
"""
WORDS = "withhold the next tranche"


class Ledger:
    def __init__(self, path: Path) -> None:
        self.services = Services.build(build_settings(sqlite_url(path)))
        self.indexer = Indexer(self.services.db, self.services.settings)

    def ingest(self, text: str) -> None:
        assert self.indexer.ingest(load_text(text, origin="file")).status == "new"

    def run(self, line: str) -> Reply:
        ctx = Ctx(self.services, user="U1", channel="C1", platform="console")
        return dispatch(ctx, parse(line, user="U1"))

    def reports(self) -> list[tuple[int, str | None, int, bool]]:
        """(article, speaker, statement, is_repeat) of every row quoting the warning."""
        with self.services.db.session() as s:
            rows = s.scalars(
                select(Position).where(Position.evidence.contains(WORDS)).order_by(Position.id)
            ).all()
            return [(p.article_id, p.speaker, p.statement_id, p.is_repeat) for p in rows]


@pytest.fixture
def ledger(tmp_path: Path, nlp: Language) -> Iterator[Ledger]:
    built = Ledger(tmp_path / "outlets.db")
    built.ingest(LAKESIDE)
    yield built
    built.services.close()


def test_a_second_outlets_report_gets_the_speaker_correction(ledger: Ledger) -> None:
    (first, *_rest) = ledger.reports()
    statement = first[2]
    assert "recorded" in ledger.run(f'/correct {statement} speaker:"Dan Mercer"').text
    ledger.ingest(HILL)
    reports = ledger.reports()
    hill = [r for r in reports if r[0] == 2]
    assert hill and {r[1] for r in reports} == {"Dan Mercer"}
    assert {r[2] for r in hill} == {statement} and all(r[3] for r in hill)  # one statement
    answer = ledger.run("/position safe havens").text
    assert answer.count(WORDS) == 1 and "also reported by 1 outlet: Hill Gazette" in answer
    assert "undone" in ledger.run("/correct undo 1").text
    assert {r[1] for r in ledger.reports()} == {"Daniel Mercer"}


def test_a_second_outlets_report_of_a_non_stance_stays_hidden(ledger: Ledger) -> None:
    statement = ledger.reports()[0][2]
    assert "recorded" in ledger.run(f"/correct {statement} not-stance").text
    ledger.ingest(HILL)
    assert ledger.reports() == []
    assert "Statements (" not in ledger.run("/search withhold tranche").text  # articles only
    assert "undone" in ledger.run("/correct undo 1").text
    assert {r[0] for r in ledger.reports()} == {1, 2}  # both outlets' reports back
