"""Crashes: a bulk ingest killed with SIGKILL leaves a sound database, no partial article,
and a rerun finishes the work without duplicates. Real subprocesses, real SQLite files."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Invented sentences; each article draws a different handful, so no two are near-duplicates.
SUBJECTS = [
    "The finance ministry",
    "A provincial governor",
    "The shipping authority",
    "A trade delegation",
    "The central bank",
    "A river commission",
    "The weather office",
    "A rail operator",
    "The customs service",
    "A farmers' union",
    "The port authority",
    "A textile exporter",
    "The energy regulator",
    "A road builder",
    "The census bureau",
]
VERBS = [
    "published figures on",
    "announced a review of",
    "warned about delays in",
    "signed an agreement covering",
    "opened an inquiry into",
    "reported progress on",
    "set a deadline for",
    "cut the budget of",
    "expanded funding for",
    "praised the work on",
]
OBJECTS = [
    "cotton exports",
    "wheat storage",
    "the coastal highway",
    "flood defences",
    "electricity tariffs",
    "the northern rail line",
    "cold storage depots",
    "fishing permits",
    "solar farms",
    "the grain market",
    "water pipelines",
    "mobile coverage",
    "bus depots",
    "school repairs",
    "hospital supplies",
    "cargo inspections",
]


def _article(rng: random.Random, n: int) -> str:
    sentences = [
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
        f"in district {rng.randint(1, 999)} on day {rng.randint(1, 28)} of month {n}."
        for _ in range(9)
    ]
    return f"Local report number {n}\n\n" + "\n\n".join(sentences) + "\n"


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env["DATABASE_URL"] = f"sqlite:///{db}"
    return env


def _count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _snapshot(db: Path) -> dict[str, tuple[int, str]]:
    """content hash → (number of positions, summary) for every article."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT a.content_hash, count(p.id), a.summary FROM articles a "
            "LEFT JOIN positions p ON p.article_id = a.id GROUP BY a.id"
        ).fetchall()
    finally:
        conn.close()
    return {h: (n, s) for h, n, s in rows}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    rng = random.Random(20181)
    for n in range(1, 61):
        (folder / f"report_{n:03}.txt").write_text(_article(rng, n), encoding="utf-8")
    # a few articles with positions, so positions are part of what must not be half-written
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        (folder / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


@pytest.mark.slow
def test_sigkill_mid_ingest_leaves_no_partial_article_and_rerun_completes(
    corpus: Path, tmp_path: Path
) -> None:
    reference = tmp_path / "reference.db"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "-q", str(corpus)],
        env=_env(reference),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    expected = _snapshot(reference)
    assert len(expected) == 65

    victim = tmp_path / "victim.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", "-q", str(corpus)],
        env=_env(victim),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            if victim.exists():
                try:
                    if _count(victim, "SELECT count(*) FROM articles") >= 5:
                        break
                except sqlite3.OperationalError:
                    pass  # tables not created yet
            time.sleep(0.05)
        else:
            pytest.fail("ingest did not store 5 articles in time")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    partial = _snapshot(victim)
    assert 5 <= len(partial) < len(expected), "the kill landed mid-ingest"
    assert _integrity(victim) == "ok"
    assert (
        _count(
            victim,
            "SELECT count(*) FROM positions WHERE article_id NOT IN (SELECT id FROM articles)",
        )
        == 0
    )
    for content_hash, stored in partial.items():
        # every stored article is whole: all its positions and its summary are there
        assert stored == expected[content_hash]

    rerun = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "-q", str(corpus)],
        env=_env(victim),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(expected) - len(partial)} new" in rerun.stdout
    assert f"{len(partial)} duplicate" in rerun.stdout
    assert _snapshot(victim) == expected
    assert _integrity(victim) == "ok"


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_backup_of_a_live_database_is_consistent(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    seeds = [str(p) for p in sorted(corpus.glob("0*.txt"))]
    subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "-q", *seeds],
        env=_env(db),
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    # a reader holds the database open (as the bot would) while the backup runs
    holder = sqlite3.connect(db)
    holder.execute("BEGIN")
    holder.execute("SELECT count(*) FROM articles").fetchone()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bot", "backup", str(tmp_path / "copy.db")],
            env=_env(db),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        holder.rollback()
        holder.close()
    assert out.returncode == 0, out.stderr
    copy = tmp_path / "copy.db"
    assert _integrity(copy) == "ok"
    assert _snapshot(copy) == _snapshot(db)
    assert not (tmp_path / "copy.db.partial").exists()
