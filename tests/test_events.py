"""Retry dedupe that survives a restart: delivery keys live in `processed_events`.

Two real Bolt apps over loopback HTTP share one SQLite file; the second stands for the
process that came up after the first died (or another machine behind the balancer). A
retried delivery reaching it must not be handled again."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from storage.db import Database
from storage.events import KEY_CHARS, ProcessedEvents, normalise_key
from storage.models import ProcessedEvent
from tests.fake_slack import FakeSlack
from tests.slack_fixtures import *  # noqa: F403
from tests.slack_fixtures import SlackHarness, slack_settings


def _dm(text: str, ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": "D0DM",
        "channel_type": "im",
        "user": "U111",
        "text": text,
        "ts": ts,
    }


def test_retry_after_restart_is_not_handled_twice(
    seeded_copy_url: str, fake_slack: FakeSlack
) -> None:
    settings = slack_settings(seeded_copy_url, fake_slack.api_url)
    first = SlackHarness(settings, fake_slack)
    try:
        assert first.event(_dm("hello", "1700000001.000100"), event_id="EvRESTART").status == 200
        fake_slack.wait_for("chat.postMessage")
    finally:
        first.stop()  # the process goes away; its in-memory SeenKeys with it
    second = SlackHarness(settings, fake_slack)
    try:
        retry = second.event(
            _dm("hello", "1700000001.000100"),
            event_id="EvRESTART",
            headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
        )
        assert retry.status == 200
        # the same message delivered under a new event id (app_mention + message.im) too
        other_id = second.event(_dm("hello", "1700000001.000100"), event_id="EvOTHER")
        assert other_id.status == 200
        # a genuinely new message is still answered
        second.event(_dm("hello again", "1700000002.000100"), event_id="EvNEW")
        calls = fake_slack.wait_for("chat.postMessage", count=2)
        time.sleep(1.0)
        assert len(fake_slack.received("chat.postMessage")) == 2
        assert calls[1].body["thread_ts"] == "1700000002.000100"
    finally:
        second.stop()


def test_two_live_apps_race_for_one_delivery(seeded_copy_url: str, fake_slack: FakeSlack) -> None:
    """The same delivery hitting two processes at once is handled by exactly one."""
    settings = slack_settings(seeded_copy_url, fake_slack.api_url)
    apps = [SlackHarness(settings, fake_slack), SlackHarness(settings, fake_slack)]
    try:
        statuses: list[int] = []
        barrier = threading.Barrier(len(apps) * 4)

        def send(h: SlackHarness, n: int) -> None:
            barrier.wait()
            ev = _dm(f"hi {n}", f"1700000100.{n:06d}")
            statuses.append(h.event(ev, event_id=f"EvRACE{n}").status)

        threads = [threading.Thread(target=send, args=(h, n)) for h in apps for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert statuses == [200] * 8
        fake_slack.wait_for("chat.postMessage", count=4)
        time.sleep(1.0)
        posted = [c.body["thread_ts"] for c in fake_slack.received("chat.postMessage")]
        assert sorted(posted) == [f"1700000100.{n:06d}" for n in range(4)]
    finally:
        for h in apps:
            h.stop()


def test_keys_are_claimed_once_and_pruned(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'e.db'}")
    now = [dt.datetime(2024, 1, 1, 12, 0)]
    events = ProcessedEvents(db, keep=dt.timedelta(hours=1), prune_every=0, clock=lambda: now[0])
    try:
        assert events.first_time(["event:A", "msg:C:1"])
        assert not events.first_time(["event:A"])
        # partly seen: refused, and the unseen key is not recorded either
        assert not events.first_time(["event:B", "msg:C:1"])
        assert events.first_time(["event:B"])
        assert events.first_time([])
        long_key = "event:" + "x" * 500
        assert len(normalise_key(long_key)) <= KEY_CHARS
        assert events.first_time([long_key]) and not events.first_time([long_key])
        now[0] += dt.timedelta(hours=2)
        # the next claim prunes first: the old keys are gone, so A is new again
        assert events.first_time(["event:A"])
        with db.session() as s:
            keys = set(s.scalars(select(ProcessedEvent.key)))
        assert keys == {"event:A"}
        assert events.prune(older_than=dt.timedelta(0)) == 0  # same instant: not older
    finally:
        db.dispose()


def test_claims_from_many_threads_at_once_each_win_once(tmp_path: Path) -> None:
    """Twenty threads claim at the same moment (SQLite writes them as a group): each
    unique delivery is new, and of twenty claims of one key exactly one wins."""
    db = Database(f"sqlite:///{tmp_path / 'claims.db'}")
    events = ProcessedEvents(db)
    start = threading.Barrier(20)
    results: dict[int, tuple[bool, bool]] = {}

    def claim(n: int) -> None:
        start.wait()
        own = events.first_time([f"delivery:{n}"])
        shared = events.first_time(["delivery:shared", f"also:{n}"])
        results[n] = (own, shared)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(own for own, _shared in results.values())
    assert sum(shared for _own, shared in results.values()) == 1
    with db.session() as s:
        keys = set(s.scalars(select(ProcessedEvent.key)))
    # a losing claim records none of its keys
    assert len([k for k in keys if k.startswith("also:")]) == 1
    assert len([k for k in keys if k.startswith("delivery:") and k != "delivery:shared"]) == 20
    db.dispose()
