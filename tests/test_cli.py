"""`python -m bot …` as a user runs it: real subprocesses on a throw-away SQLite file.

The seeds are ingested through the CLI once per module; tests that read or write the
ledger afterwards work on their own copy of that file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

INVENTED = """Envoys from Pakistan and the United States met in Islamabad on Tuesday to discuss the border with Afghanistan.

“We will keep working with Washington on border management because it serves both countries,” Khawaja Asif told reporters after the meeting.

Alice Wells said that Pakistan must act against the Haqqani network before any aid could resume.
"""  # noqa: E501


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def copy_sqlite(src: Path, dst: Path) -> None:
    """Copy a SQLite database with the backup API, so a WAL not yet checkpointed is kept."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def run(db_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = sqlite_url(db_path)
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=240,
        check=False,
    )


@dataclass
class Seeded:
    path: Path
    first: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    path = tmp_path_factory.mktemp("cli") / "seeded.db"
    return Seeded(path, run(path, "ingest", "seeds/"))


@pytest.fixture
def db_copy(seeded: Seeded, tmp_path: Path) -> Path:
    assert seeded.first.returncode == 0, seeded.first.stderr
    target = tmp_path / "copy.db"
    copy_sqlite(seeded.path, target)
    return target


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "Error:" not in proc.stderr.replace("error:", "")  # no exception class names


# ------------------------------------------------------------------ ingest


def test_ingest_seeds_prints_counts(seeded: Seeded) -> None:
    proc = seeded.first
    assert proc.returncode == 0, proc.stderr
    assert_no_traceback(proc)
    lines = proc.stdout.splitlines()
    assert lines[-1] == "5 new, 0 same story, 0 duplicate, 0 failed"
    new = [line for line in lines if line.startswith("new: ")]
    assert len(new) == 5
    assert all(line.endswith(" positions") for line in new)
    assert "metadata.yaml" not in proc.stdout + proc.stderr
    assert "README" not in proc.stdout + proc.stderr


def test_second_ingest_says_already_indexed(db_copy: Path) -> None:
    proc = run(db_copy, "ingest", "seeds/")
    assert proc.returncode == 0, proc.stderr
    assert_no_traceback(proc)
    lines = proc.stdout.splitlines()
    assert lines[-1] == "0 new, 0 same story, 5 duplicate, 0 failed"
    already = [line for line in lines if line.startswith("already indexed: seeds/")]
    assert len(already) == 5
    assert all("(already indexed on " in line for line in already)


@pytest.mark.parametrize(
    ("name", "payload", "reason"),
    [
        ("blob.txt", b"\x00\x01\x02\x03" * 64, "binary"),
        ("latin.txt", "caf\xe9 au lait ".encode("latin-1") * 20, "not UTF-8"),
    ],
    ids=["binary", "latin-1"],
)
def test_ingest_of_a_bad_file_fails_with_one_line(
    tmp_path: Path, name: str, payload: bytes, reason: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(payload)
    proc = run(tmp_path / "t.db", "ingest", str(bad))
    assert proc.returncode != 0
    assert_no_traceback(proc)
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, proc.stderr
    assert name in errors[0]
    assert reason in errors[0]
    assert proc.stdout.splitlines()[-1] == "0 new, 0 same story, 0 duplicate, 1 failed"


def test_ingest_of_a_missing_file_fails(tmp_path: Path) -> None:
    proc = run(tmp_path / "t.db", "ingest", str(tmp_path / "nope.txt"))
    assert proc.returncode != 0
    assert_no_traceback(proc)
    assert "nope.txt: no such file" in proc.stderr


def test_ingest_stdin(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    proc = run(db, "ingest", "-", stdin=INVENTED)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "1 new, 0 same story, 0 duplicate, 0 failed"
    again = run(db, "ingest", "-", stdin=INVENTED.replace("“", '"').replace("”", '"'))
    assert again.returncode == 0, again.stderr
    assert "already indexed: <stdin>" in again.stdout
    arts = [json.loads(x) for x in run(db, "articles", "--json").stdout.splitlines()]
    assert len(arts) == 1
    assert arts[0]["source_path"] is None


def test_ingest_empty_stdin_fails(tmp_path: Path) -> None:
    proc = run(tmp_path / "t.db", "ingest", "-", stdin="")
    assert proc.returncode != 0
    assert_no_traceback(proc)
    assert "<stdin>: empty input" in proc.stderr


# ------------------------------------------------------------------ positions and articles


def test_positions_topic_json(db_copy: Path) -> None:
    proc = run(db_copy, "positions", "--topic", "haqqani", "--json")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert records
    for rec in records:
        assert {"actor", "speaker", "topic", "claim", "evidence", "kind", "published"} <= set(rec)
        assert set(rec["article"]) >= {"id", "title", "source", "url", "source_path"}
        assert rec["topic"] == "haqqani-network"
        assert rec["evidence"]
    assert {r["actor"] for r in records} >= {"Pakistan", "United States"}


def test_positions_actor_filter(db_copy: Path) -> None:
    proc = run(db_copy, "positions", "--actor", "Pakistan", "--json")
    assert proc.returncode == 0, proc.stderr
    actors = {json.loads(line)["actor"] for line in proc.stdout.splitlines()}
    assert actors == {"Pakistan"}


def test_positions_unknown_topic(db_copy: Path) -> None:
    proc = run(db_copy, "positions", "--topic", "nosuchthing")
    assert proc.returncode != 0
    assert_no_traceback(proc)
    assert proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert "no topic 'nosuchthing'" in line
    assert "nearest:" in line


def test_articles_json(db_copy: Path) -> None:
    proc = run(db_copy, "articles", "--json")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(records) == 5
    for rec in records:
        assert {"summary", "gist", "story_id", "title", "published", "positions"} <= set(rec)
        assert rec["summary"] and rec["gist"]
        assert isinstance(rec["story_id"], int)
        assert rec["positions"] > 0
    assert len({r["story_id"] for r in records}) == 5


def test_ingest_seeds_dir_applies_seed_metadata(db_copy: Path) -> None:
    """`ingest seeds/` reads seeds/metadata.yaml beside the files, as `seed` does."""
    proc = run(db_copy, "articles", "--json")
    records = {
        Path(r["source_path"]).name[:3]: r for r in map(json.loads, proc.stdout.splitlines())
    }
    assert records["000"]["published"] == "2017-10-01"
    assert records["004"]["source"] == "The Cipher Brief"
    assert all(r["date_basis"] != "ingest-date" for r in records.values())


def test_actor_aliases_agree_between_cli_and_chat(db_copy: Path) -> None:
    """`--actor pk` and `by:pk` name the same actor: both read config/actors.yaml."""
    full = run(db_copy, "positions", "--actor", "Pakistan", "--json")
    short = run(db_copy, "positions", "--actor", "pk", "--json")
    assert short.returncode == 0, short.stderr
    assert short.stdout == full.stdout and short.stdout
    chat = run(db_copy, "ask", "/position haqqani by:pk")
    assert chat.returncode == 0, chat.stderr
    assert "I don't know the actor" not in chat.stdout and "Pakistan" in chat.stdout


@pytest.mark.skipif(not hasattr(os, "nice"), reason="no CPU niceness on this platform")
@pytest.mark.parametrize(("setting", "lowered"), [(7, 7), (0, 0)])
def test_bulk_indexing_lowers_its_own_cpu_priority(setting: int, lowered: int) -> None:
    """BATCH_NICE lowers the priority of the process that indexes in bulk (0: unchanged),
    so a bulk ingest beside a live bot never competes with its acks on equal terms."""
    probe = (
        "import os; from bot.priority import lower_priority; "
        f"before = os.nice(0); lower_priority({setting}); print(os.nice(0) - before)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) == lowered


def test_batch_nice_out_of_range_is_refused_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "BATCH_NICE": "25", "DATABASE_URL": sqlite_url(tmp_path / "x.db")}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "-"],
        cwd=ROOT,
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "BATCH_NICE" in proc.stderr.upper()
    assert_no_traceback(proc)
