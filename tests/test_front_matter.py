"""YAML metadata (front matter, a metadata.yaml beside files) is read as data, never run.

The alias bomb is run in a child process under a 1 GB address-space limit, so that the
old loader's expansion ends the child with MemoryError instead of taking the test
machine down with it.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.indexer.front_matter import MAX_FRONT_MATTER_CHARS
from bot.indexer.pipeline import Indexer
from bot.indexer.sources import load_file, load_text
from bot.indexer.types import IngestRefused
from bot.settings import ROOT, Settings

SETTINGS = Settings(max_article_bytes=50_000)
BODY = (
    "The river commission met on Tuesday and agreed to publish the flood maps before "
    "the monsoon, after two years of argument over who should pay for the survey.\n"
)


def bomb(levels: int = 9) -> str:
    """The classic exponential alias bomb: each level lists the previous one nine times."""
    lines = ['l0: &l0 ["ha","ha","ha","ha","ha","ha","ha","ha","ha"]']
    for n in range(1, levels):
        lines.append(f"l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * 9) + "]")
    lines.append(f"title: *l{levels - 1}")
    return "---\n" + "\n".join(lines) + "\n---\n" + BODY


def with_front(front: str) -> str:
    return f"---\n{front}---\n{BODY}"


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("title: &t The river\nsource: *t\n", "anchors or aliases"),
        ("title: The river\nsource: *nowhere\n", "anchors or aliases"),
        ("base: &b {source: Post}\n<<: *b\n", "anchors or aliases"),
        ("title: !!python/object:os.system echo\n", "tags"),
        ("title: !!str The river\n", "tags"),
        ("title: ! The river\n", "tags"),
        ("title: [The, river]\n", "'title' must be a single value"),
        ("source:\n  name: Post\n", "'source' must be a single value"),
        ("extra: {a: {b: {c: deep}}}\n", "nests deeper"),
        ("[a, b]: title\n", "keys must be plain words"),
        (f"title: {'x' * 2_500}\n", "longer than 2,000 characters"),
        ("title: [unclosed\n", "not valid YAML"),
        ("title: One\n...\n--- !second\ntitle: Two\n", "a single YAML document"),
        ("date: 2018-02-30\n", "front matter date '2018-02-30' is not a date"),
        ("date: 9999-99-99\n", "front matter date '9999-99-99' is not a date"),
        ("date: 0000-01\n", "front matter date '0000-01' is not a date"),
        ("published: 9999-12-31\n", "is in the future"),
    ],
    ids=[
        "anchor", "alias", "merge-alias", "python-tag", "str-tag", "bang", "list-title",
        "map-source", "deep", "complex-key", "long-value", "bad-yaml", "two-documents",
        "feb-30", "month-99", "year-0", "future",
    ],
)  # fmt: skip
def test_front_matter_refused_with_one_line(front: str, reason: str) -> None:
    with pytest.raises(IngestRefused) as info:
        load_text(with_front(front), origin="chat", settings=SETTINGS)
    assert reason in info.value.reason
    assert "\n" not in info.value.reason and info.value.name == "<chat>"


def test_front_matter_longer_than_the_cap_is_refused() -> None:
    front = "".join(f"note{n}: {'y' * 70}\n" for n in range(MAX_FRONT_MATTER_CHARS // 70))
    with pytest.raises(IngestRefused, match="front matter is longer than 8,000 characters"):
        load_text(with_front(front), settings=SETTINGS)


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: The river\ntags: [floods, maps]\nauthors:\n  - A. Writer\n",
         ("The river", None, None)),
        ("title: null\nsource: ~\ndate: 2019-03-04\n", (None, None, dt.date(2019, 3, 4))),
        ('title: "null"\nsource: \'Post\'\n', ("null", "Post", None)),
        ("title: 1984\ndate: 2019\n", ("1984", None, dt.date(2019, 1, 1))),
        ("date: 2018-01-05T10:30:00+05:00\n", (None, None, dt.date(2018, 1, 5))),
        ("# only a comment\n", (None, None, None)),
    ],
    ids=["tags-list", "nulls", "quoted", "numbers-stay-text", "datetime", "comment-only"],
)  # fmt: skip
def test_plain_front_matter_still_read(front: str, expected: tuple[object, ...]) -> None:
    raw = load_text(with_front(front), settings=SETTINGS)
    assert (raw.title, raw.source, raw.published) == expected
    assert raw.text is not None and raw.text.strip() == BODY.strip()


def test_a_document_opening_with_a_rule_and_prose_keeps_its_text() -> None:
    text = f"---\nA line of prose, not metadata.\n---\n{BODY}"
    raw = load_text(text, settings=SETTINGS)
    assert raw.title is None and raw.text == text


def test_front_matter_with_crlf_line_ends() -> None:
    raw = load_text(with_front("title: The river\n").replace("\n", "\r\n"), settings=SETTINGS)
    assert raw.title == "The river"
    assert raw.text is not None and raw.text.startswith("The river commission")


_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    from bot.indexer.sources import load_text
    from bot.indexer.types import IngestRefused
    from bot.settings import Settings
    text = sys.stdin.read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        load_text(text, origin="chat", settings=Settings(max_article_bytes=50_000))
        outcome = "accepted"
    except IngestRefused as exc:
        outcome = exc.reason
    except MemoryError:
        outcome = "MemoryError"
    ms = (time.perf_counter() - start) * 1000
    grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"outcome": outcome, "ms": ms, "grew_kb": grew}))
    """
)


def test_alias_bomb_refused_in_milliseconds_with_flat_memory() -> None:
    text = bomb()
    assert len(text.split("---")[1].encode()) < 1_000  # under 1 KB of YAML
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["outcome"] == "front matter may not use YAML anchors or aliases (& and *)"
    assert result["ms"] < 50
    assert result["grew_kb"] < 5_000  # peak RSS grew by less than 5 MB


def test_alias_bomb_in_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.md"
    path.write_text(bomb(), encoding="utf-8")
    with pytest.raises(IngestRefused, match="anchors or aliases"):
        load_file(path, settings=SETTINGS)


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ("a.txt: &m {title: T}\nb.txt: *m\n", "metadata.yaml may not use YAML anchors"),
        ("a.txt: {published: 2018-02-30}\n", "metadata.yaml date '2018-02-30' is not a date"),
        ("a.txt: {published: 9999-99-99}\n", "metadata.yaml date '9999-99-99' is not a date"),
        ("a.txt: {title: [x, y]}\n", "metadata.yaml nests deeper than metadata ever does"),
        ("- a.txt\n", "metadata.yaml must map each file name to its metadata"),
        ("a.txt: {title: !!binary aGk=}\n", "metadata.yaml may not use YAML tags"),
    ],
    ids=["alias", "feb-30", "month-99", "list-title", "not-a-map", "tag"],
)
def test_bad_sidecar_metadata_refuses_the_file(tmp_path: Path, metadata: str, reason: str) -> None:
    (tmp_path / "metadata.yaml").write_text(metadata, encoding="utf-8")
    path = tmp_path / "a.txt"
    path.write_text(BODY, encoding="utf-8")
    with pytest.raises(IngestRefused) as info:
        load_file(path, settings=SETTINGS)
    assert reason in info.value.reason and "\n" not in info.value.reason


def test_alias_bomb_pasted_in_chat_is_refused_by_the_indexer(indexer: Indexer) -> None:
    """The path a DM, /ingest or the message shortcut takes: Indexer.ingest_text."""
    started = time.perf_counter()
    result = indexer.ingest_text(bomb(), origin="chat", ingested_by="U1")
    assert result.status == "refused"
    assert result.reason == "front matter may not use YAML anchors or aliases (& and *)"
    assert time.perf_counter() - started < 1
