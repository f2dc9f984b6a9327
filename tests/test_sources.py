"""Turning files, text, directories and the seed set into RawArticle (fetching: test_fetch)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.indexer.sources import (
    expand_inputs,
    load_file,
    load_seed_dir,
    load_seed_metadata,
    load_text,
    parse_date,
)
from bot.indexer.types import IngestRefused
from bot.settings import ROOT, Settings

SETTINGS = Settings(max_article_bytes=5_000)
BODY = "The council met on Monday and agreed to review the trade rules before the summer.\n"


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def test_plain_text_file(tmp_path: Path) -> None:
    raw = load_file(write(tmp_path, "a.txt", BODY), settings=SETTINGS)
    assert raw.origin == "file"
    assert raw.text == BODY
    assert raw.html is None
    assert raw.title is None and raw.published is None
    assert raw.source_path and raw.source_path.endswith("a.txt")


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        (
            "title: Council reviews rules\nsource: The Example Post\n"
            "url: https://example.org/a\ndate: 2018-01-05\n",
            (
                "Council reviews rules",
                "The Example Post",
                "https://example.org/a",
                dt.date(2018, 1, 5),
                "day",
            ),
        ),
        ("title: Rules\ndate: 2018-01\n", ("Rules", None, None, dt.date(2018, 1, 1), "month")),
        ("date: '2018'\n", (None, None, None, dt.date(2018, 1, 1), "year")),
        (
            "published: 5 January 2018\noutlet: Daily\n",
            (None, "Daily", None, dt.date(2018, 1, 5), "day"),
        ),
        ("date: 2018-01-05T10:30:00Z\n", (None, None, None, dt.date(2018, 1, 5), "day")),
    ],
    ids=["full", "year-month", "year", "aliases", "datetime"],
)
def test_front_matter(tmp_path: Path, front: str, expected: tuple[object, ...]) -> None:
    raw = load_file(write(tmp_path, "a.md", f"---\n{front}---\n{BODY}"), settings=SETTINGS)
    assert (raw.title, raw.source, raw.url, raw.published, raw.date_precision) == expected
    assert raw.date_basis == "front-matter"
    assert raw.text is not None and raw.text.strip() == BODY.strip()
    assert "---" not in raw.text


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.html", "<p>Hello</p>"),
        ("page.htm", "<p>Hello</p>"),
        ("page.txt", "<!DOCTYPE html><html><body><p>Hello</p></body></html>"),
        ("page", "  <!-- saved --> <html><p>Hello</p></html>"),
    ],
)
def test_html_files(tmp_path: Path, name: str, data: str) -> None:
    raw = load_file(write(tmp_path, name, data), settings=SETTINGS)
    assert raw.html == data
    assert raw.text is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\n  \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Caf\u00e9 society met today.".encode("latin-1"), "not UTF-8 text (byte 0xe9"),
        (b"x" * 5_001, "larger than 5 kB"),
        (b"---\ntitle: [unclosed\n---\nBody text here.\n", "front matter is not valid YAML"),
        (b"---\ndate: someday soon-ish maybe\n---\nBody text here.\n", "is not a date"),
    ],
    ids=["empty", "blank", "png", "latin1", "too-big", "bad-yaml", "bad-date"],
)
def test_load_file_refuses(tmp_path: Path, data: bytes, reason: str) -> None:
    path = write(tmp_path, "bad.txt", data)
    with pytest.raises(IngestRefused) as info:
        load_file(path, settings=SETTINGS)
    assert reason in info.value.reason
    assert info.value.name == str(path)


def test_missing_file_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestRefused, match="no such file"):
        load_file(tmp_path / "nope.txt", settings=SETTINGS)


@pytest.mark.parametrize(
    "data",
    [("\ufeff" + BODY).encode("utf-8"), ("\ufeff" + BODY).encode("utf-16")],
    ids=["utf8-bom", "utf16-bom"],
)
def test_byte_order_marks(tmp_path: Path, data: bytes) -> None:
    assert load_file(write(tmp_path, "bom.txt", data), settings=SETTINGS).text == BODY


def test_characters_kept_verbatim(tmp_path: Path) -> None:
    text = "“Quoted,” he said\u00a0— Pakistan´s view.\n"
    assert load_file(write(tmp_path, "q.txt", text), settings=SETTINGS).text == text


@pytest.mark.parametrize("origin", ["stdin", "chat"])
def test_load_text(origin: str) -> None:
    raw = load_text(f"---\ntitle: Pasted\n---\n{BODY}", origin=origin, ingested_by="U123")  # type: ignore[arg-type]
    assert (raw.origin, raw.title, raw.ingested_by) == (origin, "Pasted", "U123")
    assert raw.text is not None and raw.text.strip() == BODY.strip()
    html = load_text("<html><body><p>Hi</p></body></html>", origin="chat")
    assert html.html is not None


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "empty"), ("  \n", "empty"), ("a\x00b", "NUL"), ("x" * 5_001, "larger")],
)
def test_load_text_refuses(text: str, reason: str) -> None:
    with pytest.raises(IngestRefused, match=reason):
        load_text(text, settings=SETTINGS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-01-05", (dt.date(2018, 1, 5), "day")),
        ("2018-01", (dt.date(2018, 1, 1), "month")),
        ("2018", (dt.date(2018, 1, 1), "year")),
        (dt.date(2017, 7, 6), (dt.date(2017, 7, 6), "day")),
        ("September 6th, 2018", (dt.date(2018, 9, 6), "day")),
        ("2018-13", None),
        ("not a date at all", None),
        (None, None),
    ],
)
def test_parse_date(value: object, expected: object) -> None:
    assert parse_date(value) == expected


def test_expand_inputs(tmp_path: Path) -> None:
    for name in [
        "b.txt", "a.md", "c.html", "d.htm", "noext", "e.pdf", ".hidden.txt",
        "meta.jsonl", "meta.json", "meta.yaml", "meta.yml", "README.md",
        "sub/f.txt", "sub/g.jsonl", ".git/h.txt",
    ]:  # fmt: skip
        write(tmp_path, name, BODY)
    explicit = write(tmp_path / "elsewhere", "notes.data", BODY)
    got = list(
        expand_inputs([str(tmp_path), "-", "https://example.org/x", "ftp://x/y", str(explicit)])
    )
    names = [p.relative_to(tmp_path).as_posix() if isinstance(p, Path) else p for p in got]
    assert names == [
        "a.md", "b.txt", "c.html", "d.htm", "noext", "sub/f.txt",
        "-", "https://example.org/x", "ftp://x/y", "elsewhere/notes.data",
    ]  # fmt: skip


def test_expand_inputs_yields_missing_paths_for_load_file_to_refuse(tmp_path: Path) -> None:
    assert list(expand_inputs([str(tmp_path / "missing.txt")])) == [tmp_path / "missing.txt"]


def test_seed_dir_applies_metadata() -> None:
    seeds = load_seed_dir(ROOT / "seeds")
    assert [Path(r.source_path or "").name for r in seeds] == sorted(
        p.name for p in (ROOT / "seeds").glob("*.txt")
    )
    gold = {
        json.loads(line)["article"]: json.loads(line)
        for line in (ROOT / "seeds" / "gold" / "articles_seeds.jsonl").read_text().splitlines()
    }
    for raw in seeds:
        name = Path(raw.source_path or "").name
        assert raw.origin == "seed"
        assert raw.source_path == f"seeds/{name}"
        assert raw.title == gold[name]["title"]
        assert raw.source == gold[name]["source_publication"]
        expected = parse_date(gold[name]["published"])
        assert (raw.published, raw.date_precision) == expected
        basis = gold[name]["published_basis"]
        assert (
            raw.date_basis == "stated"
            if basis == "stated"
            else raw.date_basis.startswith("inferred: ")
        )


def test_seed_metadata_file_covers_every_seed() -> None:
    metadata = load_seed_metadata(ROOT / "seeds")
    assert set(metadata) == {p.name for p in (ROOT / "seeds").glob("*.txt")}
    for entry in metadata.values():
        assert set(entry) == {"title", "source", "published", "date_basis"}
