"""Gatekeeping: byte-level refusals and content-level refusals, with their reasons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.indexer.clean import clean
from bot.indexer.sources import load_seed_dir
from bot.indexer.types import CleanArticle, IngestRefused
from bot.indexer.validate import check_bytes, check_content, check_text, human_size
from bot.settings import ROOT, Settings

SETTINGS = Settings(max_article_bytes=2_000, min_article_words=25)

ENGLISH = (
    "The two delegations met for three hours on Monday and agreed to set up a joint "
    "working group on border management. A spokesman said the talks had been frank and "
    "that both sides wanted to meet again before the end of the year."
)
FRENCH = (
    "Les deux délégations se sont réunies pendant trois heures lundi et ont convenu de "
    "créer un groupe de travail commun sur la gestion des frontières. Un porte-parole a "
    "déclaré que les discussions avaient été franches et que les deux parties voulaient "
    "se revoir avant la fin de l'année."
)
GERMAN = (
    "Die beiden Delegationen trafen sich am Montag drei Stunden lang und vereinbarten, "
    "eine gemeinsame Arbeitsgruppe zur Grenzverwaltung einzurichten. Ein Sprecher sagte, "
    "die Gespräche seien offen gewesen und beide Seiten wollten sich vor Jahresende "
    "wieder treffen."
)


def article(text: str) -> CleanArticle:
    return CleanArticle(
        title="Test",
        text=text,
        source=None,
        url=None,
        source_path="test.txt",
        origin="file",
        published=dt.date(2030, 1, 1),
        date_precision="day",
        date_basis="ingest-date",
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n\t ", "empty"),
        (b"x" * 2_001, "larger than 2 kB"),
        (b"PK\x03\x04\x00\x00binary", "NUL"),
        (bytes(range(1, 32)) * 3 + b"abc", "control characters"),
    ],
    ids=["empty", "whitespace", "too-big", "nul", "control-chars"],
)
def test_check_bytes_refuses(data: bytes, reason: str) -> None:
    with pytest.raises(IngestRefused) as info:
        check_bytes(data, "f.txt", SETTINGS)
    assert reason in info.value.reason
    assert info.value.name == "f.txt"


@pytest.mark.parametrize(
    "data",
    [ENGLISH.encode(), "Ünïcödé text — fine.\n".encode(), "\ufeffHi".encode("utf-16")],
    ids=["ascii", "utf8", "utf16-bom"],
)
def test_check_bytes_accepts(data: bytes) -> None:
    check_bytes(data, "f.txt", SETTINGS)


def test_check_text_refuses_nul() -> None:
    with pytest.raises(IngestRefused, match="NUL"):
        check_text("abc\x00def", "<chat>", SETTINGS)


@pytest.mark.parametrize(
    ("n", "expected"),
    [(3_000_000, "3 MB"), (1_500_000, "1.5 MB"), (2_000, "2 kB"), (12, "12 bytes")],
)
def test_human_size(n: int, expected: str) -> None:
    assert human_size(n) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Short note. Nothing else here.", "too short: 5 words"),
        ("alpha beta gamma delta " * 10, "no sentences found"),
        ("12 34 56 78 90 " * 40 + ENGLISH, "non-letter"),
        (FRENCH, "looks like French (fr), not English"),
        (GERMAN, "looks like German (de), not English"),
    ],
    ids=["too-short", "no-sentences", "junk", "french", "german"],
)
def test_check_content_refuses(text: str, reason: str) -> None:
    with pytest.raises(IngestRefused) as info:
        check_content(article(text), SETTINGS)
    assert reason in info.value.reason


@pytest.mark.parametrize(
    "text",
    [
        ENGLISH,
        ENGLISH + "\n\n" + ENGLISH.replace("Monday", "Tuesday") + "\n\n" + FRENCH,
        ENGLISH + "\n\nNo comment.",
    ],
    ids=["english", "english-quoting-french", "trailing-short-line"],
)
def test_check_content_accepts(text: str) -> None:
    check_content(article(text), SETTINGS)


def test_seed_articles_pass_content_checks() -> None:
    settings = Settings()
    for raw in load_seed_dir(ROOT / "seeds"):
        check_content(clean(raw), settings)
    assert Path(ROOT / "seeds").is_dir()
