"""The indexer end to end on a real SQLite file: raw input in, ledger rows out.

Article texts here are invented for the tests (names are real officials so that the actor
directory resolves them; the sentences are not quotations of anything). The seed set is
used as it ships.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from spacy.language import Language
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from bot.indexer import dedup
from bot.indexer.clean import clean
from bot.indexer.dating import KINDS, period_start
from bot.indexer.pipeline import Indexer, IngestResult
from bot.indexer.sources import load_text
from bot.indexer.summarize import _sentences
from bot.indexer.types import ExtractedPosition
from bot.settings import Settings
from storage import ledger
from storage.db import Database

URL = "https://example.org/invented/border-fence"

BODY = """Pakistan and the United States traded sharp words on Thursday over the fencing of the border with Afghanistan and the fate of the Haqqani network.

“We will finish the border fence this year whatever anyone says, because it protects our people,” Khawaja Asif told reporters in Islamabad.

Alice Wells said that Pakistan must act against the Haqqani network before any aid could resume.

The talks ended without a joint statement, and officials on both sides said another round was planned for the spring.

Asif added that trust between the two countries had been damaged by years of public accusations.
"""  # noqa: E501

ARTICLE = f"""---
title: Envoys trade words over border fencing
source: The Invented Herald
date: 2019-03-14
url: {URL}
---
{BODY}"""

# The same story lightly edited (a day changed, a clause added, one word swapped), no URL.
EDITED = (
    BODY.replace("on Thursday", "on Friday")
    .replace("for the spring.", "for the spring in Washington.")
    .replace("sharp words", "harsh words")
)

# An unrelated invented story, for "the database already has something in it".
OTHER = """---
title: Refugee deadline extended again
source: The Invented Herald
date: 2019-06-02
---
Pakistan extended the deadline for registered Afghan refugees to remain in the country by another six months, officials in Peshawar announced on Sunday.

Shah Mehmood Qureshi insisted that the refugees must eventually return home with dignity and that the world should share the burden.

Aid agencies welcomed the extension but warned that families needed far more certainty than a series of short reprieves.
"""  # noqa: E501

FRENCH = (
    "Les deux gouvernements ont échangé des propos très vifs jeudi au sujet de la frontière "
    "avec l'Afghanistan et de l'avenir des négociations.\n\n"
    "Le ministre a déclaré que la clôture serait terminée cette année, quoi qu'en disent "
    "les autres pays de la région, parce qu'elle protège la population.\n\n"
    "Les discussions se sont achevées sans déclaration commune, et une nouvelle session "
    "est prévue pour le printemps prochain dans la capitale.\n"
)

# Long enough and mostly letters, but nothing that reads as a sentence.
_WORDS = "border fence talks envoy aid network trust region spring statement round officials"
NO_SENTENCES = " ".join([_WORDS] * 4) + "\n"

TABLES = ("stories", "articles", "positions")


# ------------------------------------------------------------------ helpers


def snapshot(db: Database) -> dict[str, tuple[int, str]]:
    """Row count and a content hash of every row, per table (search indexes included)."""
    out: dict[str, tuple[int, str]] = {}
    with db.session() as session:
        for table in TABLES:
            rows = [tuple(r) for r in session.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
            out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        for fts in ("articles_fts", "positions_fts"):
            n = session.execute(text(f"SELECT count(*) FROM {fts}")).scalar_one()
            out[fts] = (n, "")
    return out


def count(db: Database, table: str) -> int:
    with db.session() as session:
        return session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def article_row(db: Database, article_id: int) -> dict[str, object]:
    with db.session() as session:
        row = session.execute(
            text("SELECT * FROM articles WHERE id = :id"), {"id": article_id}
        ).one()
        return dict(row._mapping)


def positions_of(db: Database, article_id: int) -> list[dict[str, object]]:
    with db.session() as session:
        rows = session.execute(
            text("SELECT * FROM positions WHERE article_id = :id ORDER BY id"), {"id": article_id}
        )
        return [dict(r._mapping) for r in rows]


def ingest_file(indexer: Indexer, path: Path) -> IngestResult:
    (result,) = indexer.ingest_paths([str(path)])
    return result


@pytest.fixture
def article_file(tmp_path: Path) -> Path:
    path = tmp_path / "fence.md"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


# ------------------------------------------------------------------ a new article


def test_new_article_is_stored_with_everything(
    indexer: Indexer, db: Database, article_file: Path, nlp: Language
) -> None:
    result = ingest_file(indexer, article_file)
    assert result.status == "new", result.reason
    assert result.article_id is not None
    row = article_row(db, result.article_id)

    expected = {
        "title": "Envoys trade words over border fencing",
        "source": "The Invented Herald",
        "url": URL,
        "origin": "file",
        "published": "2019-03-14",
        "date_precision": "day",
        "date_basis": "front-matter",
        "text": BODY.strip(),
    }
    assert {k: row[k] for k in expected} == expected
    assert row["source_path"].endswith("fence.md")
    assert row["word_count"] == len(BODY.split())
    assert row["content_hash"] == dedup.content_hash(BODY)

    # summary: three whole sentences of the stored text, in the order they appear there
    sentences = [s.text.strip() for s in _sentences(nlp(row["text"]))]
    chosen = [s for s in sentences if s in row["summary"]]
    assert len(chosen) == 3
    assert row["summary"] == " ".join(chosen)
    # gist: one line, the article's news sentence (issue 10: who did or said what, early
    # in the article — here the opening, which the summary need not include)
    assert row["gist"] in sentences
    assert row["gist"].startswith("Pakistan and the United States traded sharp words")
    assert result.gist == row["gist"]

    stored = positions_of(db, result.article_id)
    assert len(stored) == len(result.positions) >= 3
    for p in stored:
        assert p["evidence"] in row["text"], p["evidence"]
        assert p["published"] == "2019-03-14"
        assert p["kind"] in ("quote", "reported", "action")
        assert p["claim"]
    found = {(p["actor"], p["speaker"], p["topic"]) for p in stored}
    assert {
        ("Pakistan", "Khawaja Asif", "border-management"),
        ("United States", "Alice Wells", "haqqani-network"),
        ("Pakistan", "Khawaja Asif", "trust"),
    } <= found


def test_text_without_front_matter_gets_title_and_ingest_date(
    indexer: Indexer, db: Database
) -> None:
    result = indexer.ingest_text(BODY, origin="chat", ingested_by="U123")
    assert result.status == "new", result.reason
    row = article_row(db, result.article_id)  # type: ignore[arg-type]
    assert row["origin"] == "chat"
    assert row["ingested_by"] == "U123"
    assert row["title"]
    assert row["url"] is None
    assert row["date_basis"] == "ingest-date"
    assert row["published"] == dt.date.today().isoformat()


# ------------------------------------------------------------------ idempotency


def _same_file(indexer: Indexer, path: Path) -> IngestResult:
    return ingest_file(indexer, path)


def _other_path_same_content(indexer: Indexer, path: Path) -> IngestResult:
    copy = path.with_name("copy-of-fence.txt")
    copy.write_bytes(path.read_bytes())
    return ingest_file(indexer, copy)


def _respaced_requoted(indexer: Indexer, _path: Path) -> IngestResult:
    # No URL (so only the text can match): straight quotes, doubled spaces, CRLF endings.
    body = BODY.replace("“", '"').replace("”", '"').replace(" the ", "  the ")
    return indexer.ingest_text(body.replace("\n", "\r\n") + "\n\n", origin="stdin")


def _same_url_other_text(indexer: Indexer, _path: Path) -> IngestResult:
    return indexer.ingest_text(OTHER.replace("---\n", f"---\nurl: {URL}\n", 1), origin="stdin")


def _ingest_url(indexer: Indexer, _path: Path) -> IngestResult:
    # Already stored: answered from the ledger, nothing is fetched.
    return indexer.ingest_url(URL)


@pytest.mark.parametrize(
    "again",
    [
        _same_file,
        _other_path_same_content,
        _respaced_requoted,
        _same_url_other_text,
        _ingest_url,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_second_ingest_is_a_duplicate(
    indexer: Indexer,
    db: Database,
    article_file: Path,
    again: Callable[[Indexer, Path], IngestResult],
) -> None:
    first = ingest_file(indexer, article_file)
    assert first.status == "new"
    before = snapshot(db)

    result = again(indexer, article_file)

    assert result.status == "duplicate"
    assert result.duplicate_of == first.article_id
    assert result.article_id == first.article_id
    assert result.title == first.title
    assert result.indexed_on == dt.datetime.now(dt.UTC).date()
    assert result.reason and result.reason.startswith("already indexed on ")
    assert snapshot(db) == before
    assert count(db, "articles") == 1


def test_duplicates_within_one_batch_store_once(
    indexer: Indexer, db: Database, make_settings: Callable[..., Settings]
) -> None:
    """Both copies pass the screen before either is written; the write re-checks."""
    settings = make_settings()
    raws = [
        load_text(ARTICLE, settings=settings),
        load_text(ARTICLE.replace("“", '"').replace("”", '"'), settings=settings),
    ]
    statuses = [r.status for r in indexer.ingest_many(raws)]
    assert statuses == ["new", "duplicate"]
    assert count(db, "articles") == 1


# ------------------------------------------------------------------ near-duplicates


def test_lightly_edited_copy_joins_the_story(
    indexer: Indexer, db: Database, article_file: Path
) -> None:
    assert dedup.content_hash(EDITED) != dedup.content_hash(BODY)
    first = ingest_file(indexer, article_file)
    positions_before = count(db, "positions")

    result = indexer.ingest_text(EDITED, origin="stdin")

    assert result.status == "near-duplicate", result.reason
    assert result.duplicate_of == first.article_id
    assert result.article_id != first.article_id
    assert result.positions == []
    assert count(db, "articles") == 2
    assert count(db, "stories") == 1
    assert count(db, "positions") == positions_before
    a = article_row(db, first.article_id)  # type: ignore[arg-type]
    b = article_row(db, result.article_id)  # type: ignore[arg-type]
    assert a["story_id"] == b["story_id"]
    assert b["summary"] and b["gist"]


def test_unrelated_article_starts_its_own_story(
    indexer: Indexer, db: Database, article_file: Path
) -> None:
    ingest_file(indexer, article_file)
    result = indexer.ingest_text(OTHER, origin="stdin")
    assert result.status == "new"
    assert count(db, "stories") == 2


# ------------------------------------------------------------------ refusals


REFUSALS: list[tuple[str, bytes, dict[str, object], str]] = [
    # (case, file bytes, settings overrides, expected words in the reason)
    ("empty", b"", {}, "empty input"),
    ("whitespace only", b"  \n\n\t \n", {}, "empty input"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), {}, "binary"),
    ("control characters", bytes(range(1, 9)) * 40, {}, "binary"),
    ("latin-1", ARTICLE.replace("“", "\xe9").encode("latin-1", "replace"), {}, "not UTF-8"),
    ("oversize", ARTICLE.encode(), {"max_article_bytes": 200}, "larger than 200 bytes"),
    ("non-English", FRENCH.encode(), {}, "looks like French"),
    ("no sentences", NO_SENTENCES.encode(), {}, "no sentences found"),
    ("too short", b"Asif said the talks went well.\n", {}, "too short"),
    ("bad front matter", b"---\ntitle: [unclosed\n---\n" + BODY.encode(), {}, "front matter"),
]


@pytest.mark.parametrize(
    ("payload", "overrides", "reason"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_refusal_leaves_database_unchanged(
    tmp_path: Path,
    db: Database,
    indexer: Indexer,
    make_settings: Callable[..., Settings],
    payload: bytes,
    overrides: dict[str, object],
    reason: str,
) -> None:
    # something already stored, so "unchanged" is not trivially "empty"
    assert indexer.ingest_text(OTHER).status == "new"
    before = snapshot(db)
    path = tmp_path / "input.txt"
    path.write_bytes(payload)

    result = ingest_file(Indexer(db, make_settings(**overrides)), path)

    assert result.status == "refused"
    assert not result.ok
    assert reason in (result.reason or ""), result.reason
    assert result.name.endswith("input.txt")
    assert result.article_id is None
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("text_in", "reason"),
    [("", "empty input"), ("abc\x00def " * 10, "binary"), (FRENCH, "French")],
    ids=["empty", "nul", "french"],
)
def test_refused_pasted_text(indexer: Indexer, db: Database, text_in: str, reason: str) -> None:
    before = snapshot(db)
    result = indexer.ingest_text(text_in, origin="chat")
    assert result.status == "refused"
    assert reason in (result.reason or "")
    assert result.name == "<chat>"
    assert snapshot(db) == before


# ------------------------------------------------------------------ atomic writes


def test_failure_mid_write_rolls_back_the_whole_article(
    db: Database, make_settings: Callable[..., Settings], indexer: Indexer
) -> None:
    indexer.ingest_text(OTHER, origin="stdin")
    before = snapshot(db)
    article = clean(load_text(ARTICLE, settings=make_settings()))
    good = ExtractedPosition(
        "Pakistan", "Khawaja Asif", None, "border-management", "Fence", "We will finish", "quote"
    )
    bad = ExtractedPosition(
        None,  # type: ignore[arg-type]
        None,
        None,
        "trust",
        "Trust damaged",
        "Asif added that trust",
        "reported",
    )

    with pytest.raises(IntegrityError), db.session() as session:
        row = ledger.add_article(
            session,
            article,
            fingerprint=dedup.fingerprint(article.text),
            summary="s",
            gist="g",
            positions=[good, bad],
        )
        assert row.id is not None  # the story and article rows were flushed before the failure

    assert snapshot(db) == before
    with db.session() as session:
        assert (
            ledger.find_duplicate(session, url=URL, content_hash=dedup.content_hash(BODY)) is None
        )

    # and the same article still goes in cleanly afterwards
    assert indexer.ingest_text(ARTICLE).status == "new"


# ------------------------------------------------------------------ directories


def test_directory_ingest_carries_on_past_bad_files(indexer: Indexer, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / "a_fence.md").write_text(ARTICLE, encoding="utf-8")
    (folder / "b_empty.txt").write_bytes(b"")
    (folder / "c_binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "d_latin1.txt").write_bytes("caf\xe9 ".encode("latin-1") * 30)
    (folder / "sub" / "e_other.txt").write_text(OTHER, encoding="utf-8")
    (folder / "sub" / "f_fence_again.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "README.md").write_text("Not an article.", encoding="utf-8")
    (folder / "meta.yaml").write_text("a: 1\n", encoding="utf-8")
    (folder / ".hidden.txt").write_text(OTHER, encoding="utf-8")

    results = list(indexer.ingest_paths([str(folder), str(tmp_path / "missing.txt")]))

    by_name = {Path(r.name).name: r for r in results}
    assert {k: v.status for k, v in by_name.items()} == {
        "a_fence.md": "new",
        "b_empty.txt": "refused",
        "c_binary.txt": "refused",
        "d_latin1.txt": "refused",
        "e_other.txt": "new",
        "f_fence_again.txt": "duplicate",
        "missing.txt": "refused",
    }
    assert by_name["missing.txt"].reason == "no such file"
    assert len(results) == 7  # README, metadata and hidden files are not articles


# ------------------------------------------------------------------ the seed set


def test_seeds_ingest_to_five_articles_with_positions(seeded_db_url: str) -> None:
    db = Database(seeded_db_url)
    try:
        with db.session() as session:
            articles = list(ledger.articles_for_export(session))
            assert len(articles) == 5
            for art in articles:
                assert art.origin == "seed"
                assert art.positions, art.source_path
                assert art.summary and art.gist
                assert art.published.year in (2017, 2018)
                for pos in art.positions:
                    assert pos.evidence in art.text, (art.source_path, pos.evidence)
            assert len({a.story_id for a in articles}) == 5
            haqqani = list(ledger.positions_for_export(session, topic="haqqani-network"))
    finally:
        db.dispose()
    assert {pos.actor for pos, _art in haqqani} >= {"Pakistan", "United States"}


def test_seed_metadata_applied(seeded_db_url: str) -> None:
    db = Database(seeded_db_url)
    try:
        with db.session() as session:
            by_file = {Path(a.source_path).name[:3]: a for a in ledger.articles_for_export(session)}
    finally:
        db.dispose()
    assert by_file["003"].source == "UPI"
    assert by_file["003"].published == dt.date(2018, 9, 6)
    assert (by_file["000"].published, by_file["000"].date_precision) == (
        dt.date(2017, 10, 1),
        "month",
    )
    assert by_file["000"].title == "Huge trust deficit between Pakistan and US: Khawaja Asif"


# ------------------------------------------------------------------ positions --json


def test_positions_json_record_shape(seeded_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import bootstrap, cli

    settings = Settings(_env_file=None, database_url=seeded_db_url)  # type: ignore[call-arg]
    monkeypatch.setattr(bootstrap, "load_settings", lambda: settings)
    result = CliRunner().invoke(cli.app, ["positions", "--topic", "haqqani", "--json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records
    for rec in records:
        assert set(rec) == {
            "actor",
            "speaker",
            "speaker_office",
            "topic",
            "claim",
            "evidence",
            "kind",
            "published",
            "stated_on",
            "stated_basis",
            "statement_id",
            "stance",
            "stance_cue",
            "article",
        }
        assert isinstance(rec["statement_id"], int)
        assert rec["stated_on"] <= rec["published"]  # never said after it was reported
        assert rec["stated_basis"].split(":")[0] in KINDS
        assert set(rec["article"]) == {"id", "title", "source", "url", "source_path"}
        assert rec["topic"] == "haqqani-network"
        assert rec["kind"] in ("quote", "reported", "action")
        assert isinstance(rec["article"]["id"], int)
        dt.date.fromisoformat(rec["published"])
        assert rec["article"]["source_path"].startswith("seeds/")
    # newest said first (a year-precise "2018" sorts as 2018-01-01)
    dates = [period_start(rec["stated_on"]) for rec in records]
    assert dates == sorted(dates, reverse=True)


# ------------------------------------------------------------------ claims


def test_reported_claim_keeps_the_clause_subject(indexer: Indexer) -> None:
    result = indexer.ingest_text(ARTICLE)
    claims = [
        p.claim
        for p in result.positions
        if p.speaker == "Alice Wells" and p.topic == "haqqani-network"
    ]
    assert claims
    assert all("Pakistan must act" in c for c in claims), claims
