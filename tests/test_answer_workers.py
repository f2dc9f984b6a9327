"""Answer worker processes (bot.answer_workers): read-only answers computed in a process
of their own, everything else where it was.

Real parts throughout: the Bolt app served on loopback and signed requests (tests/
slack_fixtures), the fake Slack Web API recording what reaches each response_url, a
seeded SQLite copy, and real spawned worker processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.answer_workers import AnswerWorkers
from bot.core.events import CommandEvent, Origin
from bot.core.invocation import Plain
from bot.settings import ROOT
from storage.db import in_memory
from tests.fake_discord import *  # noqa: F403
from tests.fake_discord import DiscordHarness, FakeDiscord
from tests.fake_slack import FakeSlack
from tests.slack_fixtures import *  # noqa: F403
from tests.slack_fixtures import BOT_TOKEN, SECRET, SlackHarness, slack_settings
from tests.test_discord_serve import _free_port, _running, _wait_healthy

ADMIN = "UADMIN"


def _harness(url: str, fake: FakeSlack, processes: int) -> SlackHarness:
    return SlackHarness(
        slack_settings(url, fake.api_url, answer_processes=processes, admin_users=[ADMIN]),
        fake,
    )


def _answer(fake: FakeSlack, name: str) -> list[dict[str, Any]]:
    """Every message that reached response_url `name`, once the answer is complete."""
    fake.wait_for(f"response_url:{name}", timeout=60)
    time.sleep(0.5)  # a long answer comes as several messages
    return [c.body for c in fake.received(f"response_url:{name}")]


@pytest.mark.parametrize(
    ("command", "text"),
    [("/position", "haqqani"), ("/brief", ""), ("/search", "trust deficit"), ("/who", "asif")],
)
def test_a_worker_answers_exactly_as_the_serving_process_would(
    seeded_copy_url: str, fake_slack: FakeSlack, command: str, text: str
) -> None:
    here = _harness(seeded_copy_url, fake_slack, 0)
    try:
        assert here.services.answers is None
        assert here.command(command, text, response="here").status == 200
        expected = _answer(fake_slack, "here")
    finally:
        here.stop()
    there = _harness(seeded_copy_url, fake_slack, 1)
    try:
        workers = there.services.answers
        assert workers is not None
        pids = workers.pids()
        assert pids and os.getpid() not in pids
        assert there.command(command, text, response="there").status == 200
        assert _answer(fake_slack, "there") == expected
    finally:
        there.stop()


def test_only_commands_that_only_read_go_to_a_worker() -> None:
    def event(name: str) -> CommandEvent:
        return CommandEvent(Origin("slack", "U1", "C1"), name, Plain(""))

    for name in ("position", "brief", "search", "topics", "help", "who", "timeline"):
        assert AnswerWorkers.takes(event(name)), name
    # these touch the serving process's own state: its schedulers, its indexer, its taxonomy
    for name in ("digest", "ingest", "briefing", "feeds", "correct", "follow", "nosuch"):
        assert not AnswerWorkers.takes(event(name)), name


def test_a_topic_added_in_the_serving_process_resolves_in_the_worker(
    seeded_copy_url: str, fake_slack: FakeSlack
) -> None:
    harness = _harness(seeded_copy_url, fake_slack, 1)
    try:
        assert harness.services.answers is not None
        harness.services.answers.pids()  # the worker has booted with the old taxonomy
        harness.command("/position", "water sharing", response="before")
        before = _answer(fake_slack, "before")
        assert "No topic “water sharing”" in str(before)
        added = harness.command(
            "/briefing", "topic add water-disputes Water sharing disputes", user=ADMIN
        )
        assert added.status == 200
        time.sleep(1.0)  # the admin command is answered in the serving process
        harness.command("/position", "water-disputes", response="after")
        after = str(_answer(fake_slack, "after"))
        assert "Water sharing disputes" in after
    finally:
        harness.stop()


def test_a_killed_worker_costs_no_answer(seeded_copy_url: str, fake_slack: FakeSlack) -> None:
    harness = _harness(seeded_copy_url, fake_slack, 1)
    try:
        workers = harness.services.answers
        assert workers is not None
        (pid,) = workers.pids()
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        for n in range(3):
            assert harness.command("/topics", "", response=f"k{n}").status == 200
        for n in range(3):
            assert _answer(fake_slack, f"k{n}")
        assert pid not in workers.pids()
    finally:
        harness.stop()


def test_an_in_memory_ledger_keeps_answers_in_process() -> None:
    assert in_memory("sqlite://") and in_memory("sqlite:///:memory:")
    assert not in_memory("sqlite:////tmp/ledger.db")
    assert not in_memory("postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.mark.slow
def test_serve_answers_through_a_worker_process(
    seeded_copy_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """`python -m bot serve` as deployed: a worker is spawned (a child of the server) and
    answers; the server's own module is not run again in it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env.update(
        DATABASE_URL=seeded_copy_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.api_url,
        PORT=str(port),
        ANSWER_PROCESSES="1",
        PYTHONPATH=str(ROOT),
    )
    with _running(["serve"], env, tmp_path) as proc:
        _wait_healthy(proc, f"http://127.0.0.1:{port}/health")
        body = urllib.parse.urlencode(
            {
                "command": "/position",
                "text": "haqqani",
                "user_id": "U1",
                "channel_id": "C1",
                "team_id": "T1",
                "trigger_id": "9.9.serve",
                "response_url": fake_slack.response_url("served"),
            }
        )
        ts = str(int(time.time()))
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/slack/events",
            data=body.encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature,
            },
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert resp.status == 200
        answer = str(_answer(fake_slack, "served"))
        assert "Haqqani" in answer
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        if children.exists():  # Linux: the worker is the server's child, and still alive
            kids = children.read_text().split()
            assert kids, "no worker process under the server"
        assert proc.poll() is None


def test_a_worker_answers_a_discord_command_as_the_serving_process_would(
    seeded_copy_url: str, fake_discord: FakeDiscord
) -> None:
    answers: list[list[Any]] = []
    for processes, token in ((0, "here"), (1, "there")):
        harness = DiscordHarness(
            seeded_copy_url, fake_discord, ids_from=1 + 1000 * processes, answer_processes=processes
        )
        try:
            workers = harness.services.answers
            assert (workers is None) == (processes == 0)
            if workers is not None:
                assert os.getpid() not in workers.pids()
            assert harness.command("position", {"topic": "haqqani"}, token=token).status == 200
            answers.append([c.body for c in harness.answers(token)])
        finally:
            harness.stop()
    assert answers[0] == answers[1] and "Haqqani" in str(answers[1])


def test_workers_end_with_a_serving_process_that_dies(seeded_copy_url: str) -> None:
    """A serving process killed without shutting its pool down leaves no worker behind."""
    script = (
        "import os, sys\n"
        "from bot.settings import Settings\n"
        "from bot.answer_workers import AnswerWorkers\n"
        "s = Settings(_env_file=None, answer_processes=1)\n"
        f"workers = AnswerWorkers(s, {seeded_copy_url!r})\n"
        "print(*workers.pids(), flush=True)\n"
        "os._exit(0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    (pid,) = [int(p) for p in proc.stdout.split()]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    assert not _alive(pid), "the worker outlived its serving process"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie has exited; only its parent (here: init) has yet to collect it
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))
