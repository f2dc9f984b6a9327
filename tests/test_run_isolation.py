"""One bad input fails alone: the good inputs of the same run are stored.

Each run mixes good invented articles with inputs that used to end the whole run with a
traceback (an impossible date, a page whose text is past spaCy's `max_length`) or hang it
(a named pipe), on a real SQLite file with the real model. Runs happen on a thread with a
deadline, so a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from spacy.language import Language

from bot.indexer.pipeline import Indexer, IngestResult
from bot.settings import ROOT, Settings
from storage.db import Database

# Invented for these tests.
GOOD_A = """Officials in Islamabad said on Wednesday that a new customs office would open at the border crossing near the river before the harvest season.

A United States embassy spokesman said Washington welcomed the plan and would send two advisers to help train the staff.
"""  # noqa: E501
GOOD_B = """Farmers in the valley complained on Monday that the canal repairs promised last year had not started, and that the spring planting was now at risk.

The provincial minister told a small crowd outside the district office that the contractor would begin work within a fortnight.
"""  # noqa: E501
_WHO = ["The committee", "A clerk", "The auditor", "An inspector", "The treasurer", "A trader"]
_DID = ["reviewed", "questioned", "copied", "checked", "signed", "filed", "read", "sorted"]
_WHAT = ["harbour accounts", "ferry tickets", "grain receipts", "toll records", "crane logs"]
_WHEN = ["on Monday", "at dawn", "before lunch", "after the storm", "late at night"]


def big_html(characters: int) -> str:
    """A page whose extracted text runs to about `characters` characters, in paragraphs
    that all differ (an extractor drops repeated ones)."""
    sentences = [
        f"{who} {did} the {what} {when} in the {place} office."
        for who in _WHO
        for did in _DID
        for what in _WHAT
        for when in _WHEN
        for place in ("north", "south", "east", "west", "old", "new", "river", "hill")
    ]
    paragraphs, size, n = [], 0, 0
    while size < characters:
        text = " ".join(sentences[(n * 7 + k) % len(sentences)] for k in range(6))
        paragraphs.append(f"<p>{text} Paragraph {n}.</p>")
        size += len(text) + 2
        n += 1
    body = "\n".join(paragraphs)
    head = "<html><head><title>Accounts</title></head>"
    return f"{head}<body><article>{body}</article></body></html>"


def run_with_deadline(work: Callable[[], list[IngestResult]], seconds: float) -> list[IngestResult]:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["results"] = work()
        except BaseException as exc:  # re-raised on the test thread below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the run did not finish within {seconds:.0f} s"
    if "error" in box:
        raise box["error"]
    return box["results"]


@pytest.fixture
def make_indexer(
    make_settings: Callable[..., Settings], nlp: Language
) -> Iterator[Callable[..., Indexer]]:
    databases: list[Database] = []

    def make(**overrides: Any) -> Indexer:
        settings = make_settings(**overrides)
        db = Database(settings.database_url)
        databases.append(db)
        return Indexer(db, settings)

    yield make
    for db in databases:
        db.dispose()


def by_name(results: list[IngestResult]) -> dict[str, IngestResult]:
    return {Path(r.name).name: r for r in results}


def test_bad_files_fail_alone_and_the_good_ones_are_stored(
    tmp_path: Path, make_indexer: Callable[..., Indexer]
) -> None:
    indexer = make_indexer(max_article_bytes=1_500_000)
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "a_good.txt").write_text(GOOD_A, encoding="utf-8")
    (folder / "b_feb30.md").write_text(f"---\ndate: 2018-02-30\n---\n{GOOD_B}", encoding="utf-8")
    (folder / "c_month99.md").write_text(f"---\ndate: 9999-99-99\n---\n{GOOD_B}", "utf-8")
    (folder / "d_huge.html").write_text(big_html(1_100_000), encoding="utf-8")
    (folder / "e_good.txt").write_text(GOOD_B, encoding="utf-8")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)

    results = run_with_deadline(
        lambda: list(indexer.ingest_paths([str(folder), str(fifo)])), seconds=120
    )

    found = by_name(results)
    assert set(found) == {
        "a_good.txt", "b_feb30.md", "c_month99.md", "d_huge.html", "e_good.txt", "pipe.txt"
    }  # fmt: skip
    assert found["a_good.txt"].status == "new" and found["e_good.txt"].status == "new"
    expected = {
        "b_feb30.md": "front matter date '2018-02-30' is not a date",
        "c_month99.md": "front matter date '9999-99-99' is not a date",
        "d_huge.html": "too long for the language model",
        "pipe.txt": "is a named pipe, not a regular file",
    }
    for name, reason in expected.items():
        assert found[name].status == "refused", name
        assert reason in (found[name].reason or ""), (name, found[name].reason)
        assert "\n" not in (found[name].reason or "")


def test_text_extracted_from_a_page_is_held_to_the_article_cap(
    make_indexer: Callable[..., Indexer],
) -> None:
    """A page may be up to the fetch limit (3 MB); the article stored may not be past
    the article limit (1 MB) — checked on the text, after extraction."""
    page = big_html(1_200_000).encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        indexer = make_indexer(fetch_allow_private_hosts=["127.0.0.1"])
        url = f"http://127.0.0.1:{httpd.server_address[1]}/accounts"
        result = run_with_deadline(lambda: [indexer.ingest_url(url)], seconds=120)[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.status == "refused"
    assert result.reason is not None
    assert result.reason.startswith("article text larger than 1 MB after extraction")


@pytest.mark.slow
def test_cli_run_reports_each_failure_and_stores_the_rest(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(GOOD_A, encoding="utf-8")
    bad = tmp_path / "bad.md"
    bad.write_text(f"---\npublished: 2018-02-30\n---\n{GOOD_B}", encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", str(fifo), str(bad), str(good), "-"],
        cwd=ROOT,
        env=env,
        input=b"\xff\xfe\x00not text at all\x00",
        capture_output=True,
        timeout=240,
        check=False,
    )
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in out + err
    assert "1 new, 0 same story, 0 duplicate, 3 failed" in out
    assert f"failed: {fifo}: is a named pipe, not a regular file; not read" in err
    assert f"failed: {bad}: front matter date '2018-02-30' is not a date" in err
    assert "failed: <stdin>: not valid UTF-16" in err
