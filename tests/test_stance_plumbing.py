"""Stance fields travel from the extractor's record to the ledger, the queries and the
JSON export (the stance classifier itself lives elsewhere; this is the plumbing)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.indexer import dedup
from bot.indexer.types import CleanArticle, ExtractedPosition
from storage import ledger, queries
from storage.db import Database
from tests.conftest import build_settings, sqlite_url

TEXT = "The spokesman said the border talks were a waste of everyone's time."


@pytest.mark.parametrize(
    ("stance", "cue", "stated_on", "basis"),
    [
        ("critical", "a waste of everyone's time", "2024-05-02", "relative date: on Thursday"),
        (None, None, None, None),  # nothing classified or dated: stays empty / article date
    ],
)
def test_stance_and_stated_date_reach_queries_and_json(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stance: str | None,
    cue: str | None,
    stated_on: str | None,
    basis: str | None,
) -> None:
    url = sqlite_url(tmp_path / "s.db")
    db = Database(url)
    article = CleanArticle(
        title="Border talks",
        text=TEXT,
        source="Test Wire",
        url=None,
        source_path="fixtures/border.txt",
        origin="file",
        published=dt.date(2024, 5, 4),
        date_precision="day",
        date_basis="front-matter",
    )
    position = ExtractedPosition(
        "Pakistan", "Spokesman", None, "trust", "Talks are a waste", TEXT, "reported",
        stated_on=stated_on, stated_basis=basis, stance=stance, stance_cue=cue,
    )  # fmt: skip
    with db.session() as s:
        ledger.add_article(
            s, article, fingerprint=dedup.fingerprint(TEXT), summary=TEXT, gist=TEXT,
            positions=[position],
        )  # fmt: skip
    with db.session() as s:
        [row] = queries.positions_on(s, "trust")
    assert (row.stance, row.stance_cue) == (stance, cue)
    assert (row.stated_on, row.stated_basis) == (
        stated_on or "2024-05-04",
        basis or "article date",
    )

    from bot import bootstrap, cli

    monkeypatch.setattr(bootstrap, "load_settings", lambda: build_settings(url))
    result = CliRunner().invoke(cli.app, ["positions", "--json"])
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert (record["stance"], record["stance_cue"]) == (stance, cue)
    assert record["stated_on"] == (stated_on or "2024-05-04")
    assert record["statement_id"] == row.statement_id
    db.dispose()
