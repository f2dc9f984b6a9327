"""The chat endpoints under the attacks of issue 11: oversized and half-sent requests, links
that never answer, payloads from disallowed channels, replayed commands.

Real servers on loopback throughout: our waitress endpoints, the fake Slack and Discord
APIs, and a link target that accepts connections and never says a word.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import pytest

from bot.core.workqueue import INGEST, QUERY, FairLine, Refusal, Ticket, WorkQueues
from storage.models import Article, DigestRun
from tests.fake_discord import *  # noqa: F403
from tests.fake_discord import DiscordHarness, FakeDiscord
from tests.fake_slack import FakeSlack
from tests.slack_fixtures import *  # noqa: F403
from tests.slack_fixtures import ArticleSite, SlackHarness, slack_settings

FIFTY_MB = 50 * 1024 * 1024


# ---------------------------------------------------------------------- helpers


class Blackhole:
    """A link target that completes the TCP handshake (the kernel's backlog does) and then
    never answers: the worst kind of slow site."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}{path}"

    def close(self) -> None:
        self.sock.close()  # resets the waiting connections: stuck fetches end


@pytest.fixture
def blackhole() -> Iterator[Blackhole]:
    hole = Blackhole()
    yield hole
    hole.close()


def _raw(host: str, port: int, head: bytes, body: bytes = b"") -> socket.socket:
    sock = socket.create_connection((host, port), timeout=10)
    sock.sendall(head + body)
    return sock


def _head(path: str, length: int, ctype: str = "application/json") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def _first_line(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        pass
    return data.split(b"\r\n", 1)[0]


def _slack(seeded_copy_url: str, fake: FakeSlack, **extra: Any) -> SlackHarness:
    return SlackHarness(slack_settings(seeded_copy_url, fake.api_url, **extra), fake)


# ---------------------------------------------------------------------- 1. the HTTP server


@pytest.mark.parametrize("platform", ["slack", "discord"])
def test_a_50_mb_unsigned_body_gets_413_before_it_is_sent(
    platform: str, seeded_copy_url: str, fake_slack: FakeSlack, fake_discord: FakeDiscord
) -> None:
    harness: SlackHarness | DiscordHarness
    if platform == "slack":
        harness = _slack(seeded_copy_url, fake_slack)
    else:
        harness = DiscordHarness(seeded_copy_url, fake_discord)
    server = harness.server
    try:
        sock = _raw("127.0.0.1", server.port, _head(server.path, FIFTY_MB), b"{" * 65536)
        with sock:
            # the answer comes while 49.9 MB are still unsent: the body was never read
            assert _first_line(sock, 5) == b"HTTP/1.1 413 Request Entity Too Large"
        # and the endpoint still serves signed requests afterwards
        if isinstance(harness, SlackHarness):
            assert harness.command("/help", "").status == 200
        else:
            assert harness.post({"type": 1}).body == {"type": 1}
    finally:
        harness.stop()


def test_half_sent_and_idle_connections_are_closed_after_the_timeout(
    seeded_copy_url: str, fake_slack: FakeSlack
) -> None:
    harness = _slack(seeded_copy_url, fake_slack, http_channel_timeout_seconds=1)
    try:
        port = harness.server.port
        half = _raw("127.0.0.1", port, b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
        idle = _raw("127.0.0.1", port, b"")
        started = time.monotonic()
        for sock in (half, idle):
            with sock:
                sock.settimeout(8)
                assert sock.recv(1024) == b""  # closed by the server, not answered
        assert time.monotonic() - started < 8
        assert harness.command("/help", "").status == 200
    finally:
        harness.stop()


def test_at_the_connection_cap_idle_connections_make_room_and_hold_no_threads(
    seeded_copy_url: str, fake_slack: FakeSlack
) -> None:
    # a timeout far longer than the test: only the cap can free a slot here
    harness = _slack(
        seeded_copy_url, fake_slack, http_connection_limit=6, http_channel_timeout_seconds=60
    )
    try:
        port = harness.server.port
        threads_before = threading.active_count()
        held = [_raw("127.0.0.1", port, b"POST /slack/events HTTP/1.1\r\n") for _ in range(12)]
        time.sleep(1.0)
        # no thread per connection, and never many more than the cap held
        assert threading.active_count() - threads_before < 3
        assert getattr(harness.server, "open_connections", 12) <= 6
        # a real request still gets in at once: the longest-idle ones were closed for it
        answer = harness.command("/help", "")
        assert answer.status == 200 and answer.seconds < 3
        closed = 0
        for sock in held:
            sock.settimeout(0.5)
            with contextlib.suppress(TimeoutError, ConnectionResetError):
                closed += sock.recv(1) == b""
            sock.close()
        assert closed >= 6
    finally:
        harness.stop()


# ---------------------------------------------------------------------- 2. slow work


def test_links_that_never_answer_do_not_delay_another_users_position(
    seeded_copy_url: str, fake_slack: FakeSlack, blackhole: Blackhole
) -> None:
    harness = _slack(seeded_copy_url, fake_slack)
    try:
        for i in range(5):  # five people, five links to a server that never answers
            resp = harness.command(
                "/ingest", blackhole.url(f"/story-{i}"), user=f"U20{i}", response=f"in{i}"
            )
            assert resp.status == 200 and resp.seconds < 3
        time.sleep(0.5)  # the ingests are running (or queued) now
        started = time.monotonic()
        harness.command("/position", "haqqani", user="U999", response="pos")
        answer = fake_slack.wait_for("response_url:pos", timeout=6)[0]
        assert time.monotonic() - started < 6
        assert "Rex Tillerson" in str(answer.body)
    finally:
        blackhole.close()
        harness.stop()


def test_a_user_over_the_ingest_cap_is_told_plainly(
    seeded_copy_url: str, fake_slack: FakeSlack, blackhole: Blackhole
) -> None:
    harness = _slack(seeded_copy_url, fake_slack)
    try:
        acks = [
            harness.command("/ingest", blackhole.url(f"/s{i}"), user="U300", response=f"r{i}")
            for i in range(3)
        ]
        assert all(a.status == 200 for a in acks)
        assert "Adding it" in acks[0].body and "Adding it" in acks[1].body
        assert "You already have 2 ingests running" in acks[2].body
        # another user is not affected by U300's cap
        other = harness.command("/ingest", blackhole.url("/t"), user="U301", response="o")
        assert "Adding it" in other.body
    finally:
        blackhole.close()
        harness.stop()


def test_discord_links_that_never_answer_do_not_delay_another_users_position(
    seeded_copy_url: str, fake_discord: FakeDiscord, blackhole: Blackhole
) -> None:
    harness = DiscordHarness(seeded_copy_url, fake_discord)
    try:
        for i in range(5):
            resp = harness.command(
                "ingest", {"link": blackhole.url(f"/d{i}")}, user=f"50000000000000010{i}"
            )
            assert resp.status == 200 and resp.body["type"] == 5  # deferred
        over = [
            harness.command("ingest", {"link": blackhole.url(f"/e{i}")}, user="500000000000000777")
            for i in range(3)
        ]
        assert "You already have 2 ingests running" in str(over[2].body)
        time.sleep(0.5)
        started = time.monotonic()
        resp = harness.command("position", {"topic": "haqqani"}, token="pos")
        assert resp.body["type"] == 5
        [answer] = harness.answers("pos", timeout=6)
        assert time.monotonic() - started < 6
        assert "Tillerson" in str(answer.body)
    finally:
        blackhole.close()
        harness.stop()


def test_work_queue_caps_per_user_and_releases_slots() -> None:
    queues = WorkQueues(ingest_workers=1, query_workers=1, queue_limit=1, per_user={INGEST: 1})
    try:
        first = queues.reserve(INGEST, "slack", "U1")
        assert isinstance(first, Ticket)
        cases = [  # (lane, platform, user, admitted)
            (INGEST, "slack", "U1", False),  # over U1's cap of one
            (INGEST, "discord", "U1", True),  # the same id on another platform is another user
            (INGEST, "slack", "U2", False),  # the line (1 worker + 1 waiting) is full
            (QUERY, "slack", "U1", True),  # queries have their own pool
        ]
        got = []
        for lane, platform, user, _ in cases:
            ticket = queues.reserve(lane, platform, user)
            got.append((lane, platform, user, isinstance(ticket, Ticket)))
        assert got == cases
        assert isinstance(queues.reserve(INGEST, "slack", "U1"), Refusal)
        first.release()
        first.release()  # twice is harmless: one slot, given back once
        assert isinstance(queues.reserve(INGEST, "slack", "U1"), Ticket)
    finally:
        queues.shutdown()


def test_a_fair_line_serves_users_in_turn() -> None:
    """One runner, user A's ten jobs waiting, then B's one: B's runs second, not
    eleventh — a burst delays only the user who sent it."""
    line = FairLine(1)
    started: list[str] = []
    futures: list[Future[None]] = []

    def job(name: str) -> Callable[[], Future[None]]:
        def launch() -> Future[None]:
            started.append(name)
            futures.append(Future())
            return futures[-1]

        return launch

    for n in range(10):
        line.put("A", job(f"A{n}"))
    line.put("B", job("B0"))
    line.put("C", job("C0"))
    assert started == ["A0"] and line.waiting() == 11
    while len(futures) < 12:
        futures[len(started) - 1].set_result(None)  # the running job ends: the next starts
    assert started[:4] == ["A0", "B0", "C0", "A1"]
    assert started[4:] == [f"A{n}" for n in range(2, 10)]


def test_one_users_burst_of_queries_waits_and_is_answered_in_full() -> None:
    """Thirty queries from one user at once are all admitted (none refused) and all run,
    while another user's one query is not stuck behind them."""
    queues = WorkQueues(query_workers=1)
    done: list[str] = []
    gate = threading.Event()
    try:
        for n in range(30):
            ticket = queues.reserve(QUERY, "slack", "U1")
            assert isinstance(ticket, Ticket), n
            ticket.start(lambda n=n: (gate.wait(10), done.append(f"U1-{n}")))
        other = queues.reserve(QUERY, "slack", "U2")
        assert isinstance(other, Ticket)
        other.start(lambda: done.append("U2"))
        gate.set()
        deadline = time.monotonic() + 10
        while len(done) < 31 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(done) == 31
        assert done.index("U2") <= 1  # right after U1's first, not after all thirty
    finally:
        queues.shutdown()


# ---------------------------------------------------------------------- 3. one gate


def _shortcut(harness: SlackHarness, text: str, channel: str) -> None:
    harness.interaction(
        {
            "type": "message_action",
            "callback_id": "add_to_briefing",
            "trigger_id": f"{time.time_ns()}.sc",
            "user": {"id": "U111", "username": "analyst"},
            "channel": {"id": channel, "name": "elsewhere"},
            "message": {"type": "message", "text": text, "ts": "1700000000.000002"},
            "response_url": harness.fake.response_url("sc"),
        }
    )


def _share(harness: SlackHarness, channel: str) -> None:
    harness.interaction(
        {
            "type": "block_actions",
            "user": {"id": "U111", "username": "analyst"},
            "channel": {"id": channel, "name": "elsewhere"},
            "container": {"type": "message", "is_ephemeral": True},
            "trigger_id": f"{time.time_ns()}.share",
            "response_url": harness.fake.response_url("share"),
            "actions": [
                {
                    "type": "button",
                    "action_id": "briefing_share_0",
                    "block_id": "b1",
                    "value": "/position haqqani",
                    "action_ts": "1700000000.1",
                }
            ],
        }
    )


def test_shortcut_share_and_mention_in_a_disallowed_channel_only_get_a_refusal(
    seeded_copy_url: str, fake_slack: FakeSlack, article_site: ArticleSite
) -> None:
    harness = _slack(seeded_copy_url, fake_slack, allowed_channels=["C999"])
    try:
        url = article_site.add("/gate", "Envoys Meet Again", ["A sentence of my own."] * 30)
        with harness.services.db.session() as s:
            before = s.query(Article).count()
        _shortcut(harness, f"<{url}>", "C100")
        _share(harness, "C100")
        harness.event(
            {
                "type": "app_mention",
                "channel": "C100",
                "user": "U111",
                "text": f"<@UBOT> add <{url}>",
                "ts": "1700000000.000009",
            }
        )
        for name in ("sc", "share"):
            [call] = fake_slack.wait_for(f"response_url:{name}")
            assert "don't answer in this channel" in str(call.body["text"])
            assert call.body["response_type"] == "ephemeral"
        time.sleep(1.0)
        assert fake_slack.received("chat.postMessage") == []  # nothing public, anywhere
        with harness.services.db.session() as s:
            assert s.query(Article).count() == before
        # the same share in an allowed channel still works
        _share(harness, "C999")
        calls = fake_slack.wait_for("response_url:share", count=2)
        assert calls[1].body["response_type"] == "in_channel"
    finally:
        harness.stop()


def test_discord_button_in_a_disallowed_channel_is_refused(
    seeded_copy_url: str, fake_discord: FakeDiscord
) -> None:
    from bot.core.reply import Action
    from bot.discord.render import custom_id

    harness = DiscordHarness(seeded_copy_url, fake_discord, allowed_channels=["1"])
    try:
        share = custom_id(Action("share", "Share to channel", "/position haqqani"), 0)
        resp = harness.button(share)
        assert resp.body["type"] == 4
        assert "don't answer in this channel" in resp.body["data"]["content"]
        time.sleep(0.5)
        assert not [c for c in fake_discord.calls if "webhooks" in c.path]
    finally:
        harness.stop()


# ---------------------------------------------------------------------- 4. replays


def test_a_replayed_digest_now_posts_one_digest(
    seeded_copy_url: str, fake_slack: FakeSlack
) -> None:
    from bot.scheduling.jobs import DigestScheduler
    from tests.digest_helpers import poster_for

    harness = _slack(seeded_copy_url, fake_slack)
    scheduler = DigestScheduler(harness.services, poster_for(fake_slack), sweep_seconds=3600)
    scheduler.start(catch_up=False)
    try:
        harness.command("/digest", "schedule 08:00 Asia/Karachi", response="sched")
        fake_slack.wait_for("response_url:sched")
        ts = int(time.time())
        first = harness.command("/digest", "now", trigger="42.42.now", timestamp=ts)
        assert first.status == 200
        fake_slack.wait_for("chat.postMessage")
        time.sleep(1.5)  # past the second an on-demand run is keyed by
        again = harness.command("/digest", "now", trigger="42.42.now", timestamp=ts)
        assert again.status == 200
        time.sleep(3)
        with harness.services.db.session() as s:
            runs = s.query(DigestRun).all()
        assert len(runs) == 1 and runs[0].status == "posted"
        assert len(fake_slack.posted()) == runs[0].messages_posted
    finally:
        scheduler.stop()
        harness.stop()


def test_a_replayed_slash_command_is_answered_once_across_processes(
    seeded_copy_url: str, fake_slack: FakeSlack
) -> None:
    """The replay check before the ack is this process's memory; the durable one runs
    with the work. A replay to the same process is dropped at once; one that reaches
    another process (a second app over the same ledger) is acknowledged, but its work
    is dropped before it runs: one answer in all."""
    first = _slack(seeded_copy_url, fake_slack)
    other = _slack(seeded_copy_url, fake_slack)
    try:
        ts = int(time.time())
        sent = dict(trigger="77.77.replay", timestamp=ts, response="once")
        assert first.command("/position", "haqqani", **sent).status == 200
        fake_slack.wait_for("response_url:once")
        time.sleep(0.5)  # every message of the answer has arrived
        answered = len(fake_slack.received("response_url:once"))
        again = first.command("/position", "haqqani", **sent)
        assert again.status == 200 and again.body == ""
        elsewhere = other.command("/position", "haqqani", **sent)
        assert elsewhere.status == 200
        fresh = other.command("/position", "haqqani", timestamp=ts, response="fresh")
        assert fresh.status == 200
        fake_slack.wait_for("response_url:fresh")  # the other process answers new commands
        time.sleep(0.5)
        assert len(fake_slack.received("response_url:once")) == answered
    finally:
        first.stop()
        other.stop()


def test_a_replayed_discord_interaction_runs_once(
    seeded_copy_url: str, fake_discord: FakeDiscord
) -> None:
    harness = DiscordHarness(seeded_copy_url, fake_discord)
    try:
        payload = {
            "id": "210000000000000042",
            "application_id": APP_ID,  # noqa: F405
            "type": 2,
            "token": "once",
            "version": 1,
            "channel_id": "300000000000000001",
            "guild_id": "400000000000000001",
            "member": {"user": {"id": "500000000000000001", "username": "analyst"}},
            "data": {"id": "600000000000000001", "name": "help", "type": 1},
        }
        assert harness.post(payload).body["type"] == 5
        replay = harness.post(payload)
        assert "already handled" in replay.body["data"]["content"]
        harness.answers("once")
        time.sleep(0.5)
        patches = [c for c in fake_discord.calls if c.path.endswith("/once/messages/@original")]
        assert len(patches) == 1
    finally:
        harness.stop()
