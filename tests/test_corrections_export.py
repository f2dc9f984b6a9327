"""Corrections as a measure: `python -m bot corrections --json` writes them in the gold
format, the gold loader and scorer read them back, and `python -m bot eval --corrections`
scores a fresh extraction against them (real subprocesses, real spaCy, SQLite files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.core.services import Services
from bot.evaluation import SystemPosition, load_gold_positions
from bot.evaluation_corrections import gold_of, run_corrections_eval, score_against
from bot.evaluation_run import Corpus
from storage import corrections_export, ledger
from storage.models import Position
from tests.conftest import build_settings

ROOT = Path(__file__).resolve().parent.parent
TILLERSON = "Tillerson emphasised on the need for Pakistan to deal with the Haqqani Network"
ASIF_HAVENS = "there are no terrorist safe havens in Pakistan, and we made this clear"
AIZAZ = "totally an absurd suggestion"
SEED_000, SEED_004 = "000_e9300816373098e5.txt", "004_ff92e051ed9ce0df.txt"


@pytest.fixture
def corrected(seeded_copy_url: str) -> Iterator[Services]:
    """The seeded ledger with one correction of a state, a topic and a not-a-stance."""
    services = Services.build(build_settings(seeded_copy_url))
    ctx = Ctx(services, user="U1", channel="C1", platform="console")
    for words, what in (
        (TILLERSON, "state:pakistan"),
        (AIZAZ, "topic:trust"),
        (ASIF_HAVENS, "not-stance"),
    ):
        with services.db.session() as s:
            sid = s.scalars(
                select(Position.statement_id).where(Position.evidence.contains(words))
            ).first()
        assert "recorded" in dispatch(ctx, parse(f"/correct {sid} {what}")).text
    yield services
    services.close()


def ledger_positions(services: Services) -> list[SystemPosition]:
    with services.db.session() as s:
        return [
            SystemPosition(
                corrections_export.article_name(art.source_path, art.content_hash),
                pos.actor,
                pos.topic,
                pos.evidence,
                pos.speaker,
                pos.kind,
            )
            for pos, art in ledger.positions_for_export(s)
        ]


def test_export_describes_each_corrected_statement(corrected: Services) -> None:
    with corrected.db.session() as s:
        lines = corrections_export.annotated(s)
    by_kind = {(a.correction, a.topic): a for a in lines}
    state = by_kind[("state", "haqqani-network")]
    assert (state.article, state.actor, state.speaker) == (SEED_000, "Pakistan", "Rex Tillerson")
    assert TILLERSON in state.evidence and ("state", "safe-havens") in by_kind
    topic = by_kind[("topic", "trust")]
    assert topic.article == SEED_004 and AIZAZ in topic.evidence and topic.actor == "Pakistan"
    hidden = [a for a in lines if a.not_stance]
    assert hidden and all(ASIF_HAVENS in a.evidence for a in hidden)
    assert len(gold_of(lines)) == len(lines) - len(hidden)


def test_the_corrected_ledger_scores_perfectly_and_a_fresh_extraction_does_not(
    corrected: Services,
) -> None:
    with corrected.db.session() as s:
        lines = corrections_export.annotated(s)
    mine = score_against(ledger_positions(corrected), lines)
    assert mine.score.recall == 1.0 and mine.not_stance_extracted == 0
    assert mine.score.matched_gold == mine.score.gold == 3
    fresh = run_corrections_eval(corrected.settings, corrected.db)
    # the extractor still files Tillerson's demand under the United States and still takes
    # a position from the sentence analysts said holds none
    assert fresh.score.gold == 3 and fresh.score.matched_gold < 3
    assert fresh.not_stance == 1 and fresh.not_stance_extracted == 1
    assert fresh.articles == 2 and fresh.precision < mine.precision


def _bot(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env["DATABASE_URL"] = db_url
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_export_round_trips_through_the_gold_loader_and_eval(
    corrected: Services, tmp_path: Path
) -> None:
    url = corrected.settings.database_url
    proc = _bot(url, "corrections", "--json")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    positive = tmp_path / "positions_corrections.jsonl"
    positive.write_text(
        "".join(json.dumps(r) + "\n" for r in records if not r.get("not_stance")), "utf-8"
    )
    with corrected.db.session() as s:
        lines = corrections_export.annotated(s)
    assert load_gold_positions(positive) == gold_of(lines)
    assert {r["correction"] for r in records} == {"state", "topic", "not-stance"}

    out = tmp_path / "corpus"
    assert _bot(url, "corrections", "--out", str(out)).returncode == 0
    corpus = Corpus.at(out, corrected.settings)
    assert sorted(a.source_path.rsplit("/", 1)[-1] for a in corpus.articles if a.source_path) == [
        SEED_000,
        SEED_004,
    ]
    assert corpus.gold == gold_of(lines)

    proc = _bot(url, "eval", "--corrections", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)["corrections"]
    expected = run_corrections_eval(corrected.settings, corrected.db).as_dict()["corrections"]
    assert report == expected
    text = _bot(url, "eval", "--corrections")
    assert "not a stance: 1 of 1 sentences still give a position" in text.stdout
