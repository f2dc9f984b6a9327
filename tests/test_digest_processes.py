"""Digests across real processes on one SQLite file: two schedulers post one digest; a
process SIGKILLed in the middle of a long digest leaves a sound database, and a restart
finishes it without posting any message twice; the CLI composes a digest.

Each child is `python -m bot …` with DATABASE_URL, SLACK_API_URL (the fake Web API on
127.0.0.1) and CLOCK_OVERRIDE (a ticking clock placed just before or after a fire time).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import Database
from tests.digest_helpers import BOT_TOKEN, add_stories, many_positions, subscribe, utc
from tests.fake_slack import FakeSlack
from tests.slack_fixtures import fake_slack  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


def _env(db: Path, fake: FakeSlack, clock: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_", "DIGEST_", "CLOCK_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=fake.api_url,
        CLOCK_OVERRIDE=clock,
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def _bot(*args: str, env: dict[str, str], tmp: Path, name: str) -> subprocess.Popen[bytes]:
    log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args], cwd=tmp, env=env, stdout=log, stderr=log
    )


def _sql(db: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute(query).fetchall()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "shared.db"
    db = Database(f"sqlite:///{path}")
    subscribe(db, "C1", "08:00", "America/New_York", days="mon", created=utc(2026, 3, 1))
    # twelve stories of four statements: a digest several messages long (one article of
    # 48 statements is now one story whose thread shows a few per side)
    add_stories(db, utc(2026, 3, 8, 9), many_positions(48))
    db.dispose()
    yield path


def _texts(fake: FakeSlack) -> list[str]:
    return [c.body["text"] for c in fake.posted("C1")]


def test_two_schedulers_on_one_database_post_one_digest(
    ledger: Path,
    tmp_path: Path,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    # both processes start four seconds before 08:00 EDT on Monday 9 March (12:00Z)
    env = _env(ledger, fake_slack, "2026-03-09T07:59:56-04:00")
    procs = [
        _bot("digest-worker", "--seconds", "14", "--sweep", "2", env=env, tmp=tmp_path, name=n)
        for n in ("a", "b")
    ]
    for p in procs:
        assert p.wait(timeout=90) == 0, (tmp_path / "a.log").read_text()
    runs = _sql(ledger, "SELECT period, status, messages_posted, attempts FROM digest_runs")
    assert len(runs) == 1
    period, status, posted, attempts = runs[0]
    assert (period, status, attempts) == ("2026-03-09T12:00Z", "posted", 1)
    texts = _texts(fake_slack)
    assert len(texts) == posted - 1  # every part once; the last step was the Monday chart
    assert len(set(texts)) == len(texts)
    assert len(fake_slack.received("files.completeUploadExternal")) == 1


def test_sigkill_mid_digest_then_restart_posts_every_message_exactly_once(
    ledger: Path,
    tmp_path: Path,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    # the first process comes up after 08:00 (a missed run, within the grace) and posts
    # the long digest slowly: one message a second, each answered after 0.3 s
    fake_slack.slow("chat.postMessage", 0.3)
    env = _env(ledger, fake_slack, "2026-03-09T08:20:00-04:00")
    first = _bot("digest-worker", "--seconds", "60", env=env, tmp=tmp_path, name="first")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = _sql(ledger, "SELECT messages_posted FROM digest_runs")
        if rows and int(rows[0][0]) >= 1:  # type: ignore[call-overload]
            break
        time.sleep(0.02)
    else:
        first.kill()
        pytest.fail("the first process never posted:\n" + (tmp_path / "first.log").read_text())
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    before = _texts(fake_slack)
    assert len(before) == 1
    assert _sql(ledger, "PRAGMA integrity_check") == [("ok",)]
    assert _sql(ledger, "SELECT status FROM digest_runs") == [("claimed",)]

    # restart: the dead holder is detected (same host, pid gone) and the run resumed
    fake_slack.slow("chat.postMessage", 0.0)
    env = _env(ledger, fake_slack, "2026-03-09T08:25:00-04:00")
    again = _bot("digest-due", env=env, tmp=tmp_path, name="again")
    assert again.wait(timeout=120) == 0, (tmp_path / "again.log").read_text()
    [(status, posted, attempts, thread)] = _sql(
        ledger, "SELECT status, messages_posted, attempts, thread_ref FROM digest_runs"
    )
    assert (status, attempts) == ("posted", 2)
    texts = _texts(fake_slack)
    assert Counter(texts).most_common(1)[0][1] == 1, "a message was posted twice"
    assert len(texts) == int(posted) - 1 >= 3  # type: ignore[call-overload]
    calls = fake_slack.posted("C1")
    assert all(c.body.get("thread_ts") == thread for c in calls[1:])
    # and a second restart has nothing left to do
    third = _bot("digest-due", env=env, tmp=tmp_path, name="third")
    assert third.wait(timeout=60) == 0
    assert len(_texts(fake_slack)) == len(texts)


def test_cli_digest_print(ledger: Path, tmp_path: Path, fake_slack: FakeSlack) -> None:  # noqa: F811
    env = _env(ledger, fake_slack, "2026-03-09T08:20:00-04:00")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "digest",
            "--channel",
            "C1",
            "--since",
            "2026-03-01",
            "--print",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "──── main message ────" in out.stdout and "Invented statement 3" in out.stdout
    # a Monday: the chart the scheduler would attach to the thread is listed last
    assert out.stdout.rstrip().endswith("[image] Positions per week (the weekly chart)")
    assert fake_slack.calls == []  # printing posts nothing


def test_digest_due_exits_non_zero_until_a_failed_digest_is_posted(
    ledger: Path,
    tmp_path: Path,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    def digest_due(clock: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "digest-due"],
            cwd=tmp_path,
            env=_env(ledger, fake_slack, clock),
            capture_output=True,
            timeout=180,
        )

    fake_slack.server_error("chat.postMessage", times=10_000, status=503)
    down = digest_due("2026-03-09T08:00:30-04:00")
    assert down.returncode == 1, down.stderr[-2000:]
    assert b"could not be posted" in down.stderr
    assert _sql(ledger, "SELECT status FROM digest_runs") == [("failed",)]
    fake_slack.server_error("chat.postMessage", times=0, after=10**9)  # Slack is back
    back = digest_due("2026-03-09T08:05:00-04:00")  # past the backoff, within the grace
    assert back.returncode == 0, back.stderr[-2000:]
    assert _sql(ledger, "SELECT status, attempts FROM digest_runs") == [("posted", 2)]
    parts = [c.body["metadata"]["event_payload"]["part"] for c in fake_slack.posted("C1")]
    assert parts == list(range(len(parts))) and parts
