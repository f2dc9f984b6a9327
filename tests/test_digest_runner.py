"""Digests and alerts posted to the fake Slack Web API (127.0.0.1) by the real runner and
the real APScheduler, on a controllable clock: right local time across DST, quiet days,
threads, catch-up, Slack failing, resuming, alerts, the chart, and the chat commands."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.core.schedule import FixedClock, ShiftedClock
from bot.core.services import Services
from bot.scheduling.jobs import DigestScheduler
from bot.scheduling.runner import DigestRunner
from storage import claims, subscriptions
from storage.models import DigestRun
from tests.digest_helpers import (
    PK,
    US,
    Art,
    P,
    add_article,
    add_stories,
    digest_settings,
    many_positions,
    poster_for,
    subscribe,
    utc,
)
from tests.fake_slack import FakeSlack
from tests.slack_fixtures import fake_slack  # noqa: F401


@pytest.fixture
def services(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[Services]:  # noqa: F811
    svc = Services.build(digest_settings(f"sqlite:///{tmp_path / 'd.db'}", fake_slack.api_url))
    yield svc
    svc.db.dispose()


def _runner(services: Services, fake: FakeSlack, clock: FixedClock, **kw: object) -> DigestRunner:
    return DigestRunner(services, poster_for(fake, **kw), clock)  # type: ignore[arg-type]


def _runs(services: Services) -> list[DigestRun]:
    with services.db.session() as s:
        return list(s.query(DigestRun).order_by(DigestRun.id))


def _news(services: Services, at: dt.datetime, n: int = 1, title: str = "Aid talks") -> None:
    add_article(services.db, Art(f"{title} {at:%d%H%M}", at, positions=many_positions(n)))


def test_scheduled_run_posts_at_local_time_across_dst(
    services: Services,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    ny = subscribe(services.db, "CNY", "08:00", "America/New_York", created=utc(2026, 3, 1))
    khi = subscribe(services.db, "CKHI", "08:00", "Asia/Karachi", created=utc(2026, 3, 1))
    clock = FixedClock(utc(2026, 3, 7, 2, 59))
    runner = _runner(services, fake_slack, clock)
    _news(services, utc(2026, 3, 6, 20))
    expected = [
        # (now, channel posting or None)
        (utc(2026, 3, 7, 2, 59), None),
        (utc(2026, 3, 7, 3, 0, 1), "CKHI"),  # 08:00 PKT
        (utc(2026, 3, 7, 12, 59), None),  # 07:59 EST
        (utc(2026, 3, 7, 13, 0, 1), "CNY"),  # 08:00 EST, before the change
        (utc(2026, 3, 8, 3, 0, 1), "CKHI"),  # Karachi: still 03:00Z
        (utc(2026, 3, 8, 12, 0, 1), "CNY"),  # 08:00 EDT, the day of the change
        (utc(2026, 3, 9, 11, 59), None),
        (utc(2026, 3, 9, 12, 0, 1), "CNY"),
    ]
    for now, channel in expected:
        clock.set(now)
        before = len(fake_slack.posted())
        outcomes = [o for o in runner.run_due() if o.status != "skipped"]
        posted = fake_slack.posted()[before:]
        if channel is None:
            assert outcomes == [], now
        else:
            assert {c.body["channel"] for c in posted} == {channel}, now
    periods = {(r.subscription_id, r.period) for r in _runs(services)}
    assert periods == {
        (khi.id, "2026-03-07T03:00Z"),
        (khi.id, "2026-03-08T03:00Z"),
        (ny.id, "2026-03-07T13:00Z"),
        (ny.id, "2026-03-08T12:00Z"),
        (ny.id, "2026-03-09T12:00Z"),
    }


def test_quiet_day_posts_one_line(services: Services, fake_slack: FakeSlack) -> None:  # noqa: F811
    subscribe(services.db, "C1", "08:00", "UTC", created=utc(2026, 3, 1))
    clock = FixedClock(utc(2026, 3, 10, 8, 0, 5))
    [outcome] = _runner(services, fake_slack, clock).run_due()
    assert outcome.status == "empty"
    [post] = fake_slack.posted()
    assert post.body["text"].startswith("Nothing new since Mon 9 Mar 2026 08:00 UTC")


def test_quiet_day_can_post_nothing(tmp_path: Path, fake_slack: FakeSlack) -> None:  # noqa: F811
    settings = digest_settings(
        f"sqlite:///{tmp_path / 'q.db'}", fake_slack.api_url, digest_post_when_quiet=False
    )
    svc = Services.build(settings)
    subscribe(svc.db, "C1", created=utc(2026, 3, 1))
    [outcome] = _runner(svc, fake_slack, FixedClock(utc(2026, 3, 10, 8, 1))).run_due()
    assert outcome.status == "empty" and fake_slack.posted() == []
    assert [r.status for r in _runs(svc)] == ["empty"]
    svc.db.dispose()


def test_long_digest_continues_in_a_thread_at_one_message_per_second(
    services: Services,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    subscribe(services.db, "C1", "08:00", "UTC", days="tue", created=utc(2026, 3, 1))
    add_stories(services.db, utc(2026, 3, 9, 9), many_positions(40))
    clock = FixedClock(utc(2026, 3, 10, 8, 0, 5))
    [outcome] = _runner(services, fake_slack, clock, min_interval=1.0).run_due()
    posts = fake_slack.posted()
    assert outcome.status == "posted" and outcome.messages == len(posts) >= 3
    first = posts[0]
    assert "thread_ts" not in first.body or not first.body["thread_ts"]
    assert {p.body["thread_ts"] for p in posts[1:]} == {"1700000000.000001"}
    assert all(len(p.body["blocks"]) <= 50 for p in posts)
    gaps = [b.at - a.at for a, b in itertools.pairwise(posts)]
    assert min(gaps) >= 0.95
    assert len({p.body["text"] for p in posts}) == len(posts)  # (2/n), (3/n)…
    [run] = _runs(services)
    assert (run.status, run.messages_posted, run.thread_ref) == (
        "posted",
        len(posts),
        posts[0].body.get("ts") or "1700000000.000001",
    )


def test_missed_runs_are_coalesced_once_on_start_up_within_grace(
    services: Services,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    sub = subscribe(services.db, "C1", "08:00", "UTC", created=utc(2026, 3, 1))
    _news(services, utc(2026, 3, 8, 9), title="Sunday")
    runner = _runner(services, fake_slack, FixedClock(utc(2026, 3, 9, 8, 1)))
    runner.run_due()  # Monday's digest, then the bot goes down
    _news(services, utc(2026, 3, 9, 12), title="Monday")
    _news(services, utc(2026, 3, 10, 12), title="Tuesday")
    # back up on Wednesday 09:30: Tuesday's and Wednesday's runs were missed
    runner = _runner(services, fake_slack, FixedClock(utc(2026, 3, 11, 9, 30)))
    before = len(fake_slack.posted())
    outcomes = runner.run_due()
    assert [(o.period, o.status) for o in outcomes] == [("2026-03-11T08:00Z", "posted")]
    text = " ".join(str(c.body["blocks"]) for c in fake_slack.posted()[before:])
    assert "Monday" in text and "Tuesday" in text and "Sunday" not in text
    assert runner.run_due() == []  # a restart changes nothing
    # outside the grace (180 min): skipped, and Thursday's digest covers it
    late = _runner(services, fake_slack, FixedClock(utc(2026, 3, 12, 11, 30)))
    assert late.run_due() == []
    with services.db.session() as s:
        assert claims.last_periods(s, [sub.id]) == {sub.id: "2026-03-11T08:00Z"}


def test_slack_5xx_is_retried_and_posted_once(services: Services, fake_slack: FakeSlack) -> None:  # noqa: F811
    subscribe(services.db, "C1", created=utc(2026, 3, 1))
    _news(services, utc(2026, 3, 9, 9))
    fake_slack.server_error("chat.postMessage", times=2, status=503)
    [outcome] = _runner(services, fake_slack, FixedClock(utc(2026, 3, 10, 8, 1))).run_due()
    assert outcome.status == "posted"
    assert len(fake_slack.received("chat.postMessage")) == len(fake_slack.posted()) + 2
    assert len(fake_slack.posted()) == outcome.messages


def test_slack_down_for_good_records_a_failed_run_shown_in_status(
    services: Services,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    subscribe(services.db, "C1", created=utc(2026, 3, 1))
    _news(services, utc(2026, 3, 9, 9))
    fake_slack.server_error("chat.postMessage", times=100, status=502)
    clock = FixedClock(utc(2026, 3, 10, 8, 1))
    [outcome] = _runner(services, fake_slack, clock, attempts=3).run_due()
    assert outcome.status == "failed" and "502" in (outcome.error or "")
    assert len(fake_slack.received("chat.postMessage")) == 3 and fake_slack.posted() == []
    reply = dispatch(
        Ctx(services, user="U1", channel="C1", platform="slack"), parse("/digest status")
    )
    assert "failed" in reply.text and "HTTP 502" in reply.text and "attempts" in reply.text
    # the next digest covers the failed one's window
    fake_slack.server_error("chat.postMessage", times=0)
    clock.set(utc(2026, 3, 11, 8, 1))
    [nxt] = _runner(services, fake_slack, clock).run_due()
    assert nxt.status == "posted"
    assert "2 stories" not in fake_slack.posted()[0].body["text"]
    assert "Since Mon 9 Mar" in str(fake_slack.posted()[0].body["blocks"])


def test_rate_limit_is_waited_out(services: Services, fake_slack: FakeSlack) -> None:  # noqa: F811
    subscribe(services.db, "C1", created=utc(2026, 3, 1))
    fake_slack.rate_limit_once("chat.postMessage", retry_after=1)
    [outcome] = _runner(services, fake_slack, FixedClock(utc(2026, 3, 10, 8, 1))).run_due()
    calls = fake_slack.received("chat.postMessage")
    assert outcome.status == "empty" and len(calls) == 2 and len(fake_slack.posted()) == 1
    assert calls[1].at - calls[0].at >= 1.0


def test_a_dead_holders_run_resumes_in_its_thread(
    services: Services,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    sub = subscribe(services.db, "C1", "08:00", "UTC", days="tue", created=utc(2026, 3, 1))
    add_stories(services.db, utc(2026, 3, 9, 9), many_positions(40))
    # another process claimed the run, posted its first part, and died (pid 1 is not ours;
    # the lease has lapsed)
    now = utc(2026, 3, 10, 8, 0, 5)
    claim = claims.claim_run(
        services.db,
        subscription_id=sub.id,
        period="2026-03-10T08:00Z",
        worker="elsewhere:1:dead",
        now=now - dt.timedelta(minutes=30),
        window_start=utc(2026, 3, 3, 8),
        window_end=utc(2026, 3, 10, 8),
        lease=dt.timedelta(minutes=15),
    )
    assert claim is not None
    claims.record_progress(
        services.db,
        claim.run.id,
        worker="elsewhere:1:dead",
        messages_posted=1,
        thread_ref="1699999999.000001",
        now=now - dt.timedelta(minutes=30),
    )
    [outcome] = _runner(services, fake_slack, FixedClock(now)).run_due()
    posts = fake_slack.posted()
    assert outcome.status == "posted" and outcome.messages == len(posts) >= 2
    assert {p.body["thread_ts"] for p in posts} == {"1699999999.000001"}
    assert "(2/" in posts[0].body["text"]
    [run] = _runs(services)
    assert run.attempts == 2 and run.messages_posted == len(posts) + 1


def test_monday_digest_attaches_the_chart_in_its_thread(
    services: Services,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    subscribe(services.db, "C1", "08:00", "Asia/Karachi", created=utc(2026, 3, 1))
    _news(services, utc(2026, 3, 8, 9), n=3)
    [outcome] = _runner(services, fake_slack, FixedClock(utc(2026, 3, 9, 3, 1))).run_due()
    assert outcome.status == "posted"
    [done] = fake_slack.received("files.completeUploadExternal")
    assert done.body["thread_ts"] == "1700000000.000001" and done.body["channel_id"] == "C1"
    [png] = fake_slack.uploads.values()
    assert png.startswith(b"\x89PNG")
    # Tuesday: no chart
    _news(services, utc(2026, 3, 9, 9))
    _runner(services, fake_slack, FixedClock(utc(2026, 3, 10, 3, 1))).run_due()
    assert len(fake_slack.received("files.completeUploadExternal")) == 1


def test_alerts_one_message_per_article_never_for_own_ingest_never_twice(
    services: Services,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    ctx = Ctx(services, user="U7", channel="C1", platform="slack")
    assert "Following security-aid" in dispatch(ctx, parse("/follow security aid")).text
    dispatch(Ctx(services, user="U8", platform="slack"), parse("/follow trust by:pakistan"))
    now = dt.datetime.now(dt.UTC)
    add_article(
        services.db,
        Art(
            "Three statements",
            now,
            positions=[
                P(US, "security-aid", "a", "“The first invented aid remark,” he said."),
                P(US, "security-aid", "b", "“The second invented aid remark,” he said."),
                P(US, "trust", "c", "“An invented remark on trust,” he said."),
            ],
        ),
    )
    add_article(
        services.db, Art("Own", now, positions=many_positions(1, "security-aid"), ingested_by="U7")
    )
    add_article(
        services.db,
        Art("Trust by Pakistan", now, positions=[P(PK, "trust", "t", "“Invented trust words.”")]),
    )
    runner = _runner(services, fake_slack, FixedClock(now + dt.timedelta(seconds=5)))
    assert runner.notify_followers() == 2
    assert runner.notify_followers() == 0
    dms = fake_slack.posted()
    assert sorted(d.body["channel"] for d in dms) == ["DU7", "DU8"]
    u7 = next(d for d in dms if d.body["channel"] == "DU7")
    blocks = str(u7.body["blocks"])
    assert "first invented aid remark" in blocks and "second invented aid remark" in blocks
    assert "Own" not in blocks
    assert (
        "trust" not in next(d for d in dms if d.body["channel"] == "DU8").body["text"].lower()[:0]
    )


def test_follow_commands(services: Services) -> None:
    ctx = Ctx(services, user="U1", channel="C1", platform="slack")
    assert (
        "Following haqqani-network by United States"
        in dispatch(ctx, parse("/follow haqqani by:us")).text
    )
    assert "already follow" in dispatch(ctx, parse("/follow haqqani by:us")).text
    assert "No topic" in dispatch(ctx, parse("/follow quantum widgets")).text
    listing = dispatch(ctx, parse("/following")).text
    assert "haqqani-network" in listing and "by United States" in listing
    assert "Stopped following haqqani-network" in dispatch(ctx, parse("/unfollow haqqani")).text
    assert "follow no topics" in dispatch(ctx, parse("/following")).text
    help_text = dispatch(ctx, parse("/help")).text
    assert "/digest schedule" in help_text and "/follow <topic>" in help_text


def test_digest_commands_schedule_status_off(services: Services) -> None:
    ctx = Ctx(services, user="U1", channel="C9", platform="slack")
    reply = dispatch(ctx, parse("/digest schedule 08:00 Asia/Karachi weekdays topics:aid"))
    assert "08:00 Asia/Karachi, weekdays, topics security-aid" in reply.text
    assert "PKT" in reply.text
    status = dispatch(ctx, parse("/digest status")).text
    assert "Next run:" in status and "No runs yet" in status
    assert "not a time zone" in dispatch(ctx, parse("/digest schedule 08:00 Mars/Base")).text
    assert "Usage" in dispatch(ctx, parse("/digest")).text
    preview = dispatch(ctx, parse("/digest preview"))
    assert preview.ephemeral and "Preview" in preview.text
    assert "switched off" in dispatch(ctx, parse("/digest off")).text
    assert "(off)" in dispatch(ctx, parse("/digest status")).text
    assert "written to" in dispatch(ctx, parse("/digest chart")).text  # no scheduler here


def test_real_apscheduler_posts_on_time_and_follows_chat_changes(
    services: Services,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    # the process lives three seconds before 08:00 EDT on the Monday after the change
    clock = ShiftedClock(utc(2026, 3, 9, 11, 59, 57))
    sub = subscribe(services.db, "C1", "08:00", "America/New_York", created=utc(2026, 3, 1))
    _news(services, utc(2026, 3, 8, 20))
    scheduler = DigestScheduler(services, poster_for(fake_slack), clock, sweep_seconds=60)
    scheduler.start()
    try:
        assert scheduler.scheduler.get_job(f"digest:{sub.id}") is not None
        assert fake_slack.posted() == []
        fake_slack.wait_for("chat.postMessage", timeout=15)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
            r.status == "posted" for r in _runs(services)
        ):
            time.sleep(0.1)
        [run] = _runs(services)
        assert (run.period, run.status) == ("2026-03-09T12:00Z", "posted")
        # a chat change reaches the jobs at once (no sweep needed)
        ctx = Ctx(services, user="U1", channel="C2", platform="slack")
        dispatch(ctx, parse("/digest schedule 09:30 Europe/London"))
        with services.db.session() as s:
            other = subscriptions.subscription_for(s, "slack", "C2")
        assert other is not None and scheduler.scheduler.get_job(f"digest:{other.id}")
        dispatch(ctx, parse("/digest off"))
        assert scheduler.scheduler.get_job(f"digest:{other.id}") is None
        # /digest now is handed to the running scheduler
        before = len(fake_slack.posted())
        reply = dispatch(
            Ctx(services, user="U1", channel="C1", platform="slack"), parse("/digest now")
        )
        assert "Posting" in reply.text
        fake_slack.wait_for("chat.postMessage", count=before + 1, timeout=15)
    finally:
        scheduler.stop()


def test_only_admins_or_the_scheduler_may_switch_a_digest_off(tmp_path: Path) -> None:
    svc = Services.build(digest_settings(f"sqlite:///{tmp_path / 'o.db'}", admin_users=["UADMIN"]))
    try:

        def say(user: str, line: str, channel: str = "C7") -> str:
            return dispatch(
                Ctx(svc, user=user, channel=channel, platform="slack"), parse(line)
            ).text

        assert "scheduled" in say("UOWNER", "/digest schedule 08:00 UTC")
        cases = [  # (who, command, what they get) — in order, each on the state before it
            ("UOTHER", "/digest off", "Only an admin or whoever scheduled"),
            ("UOTHER", "/digest schedule 09:00 UTC", "Only an admin or whoever scheduled"),
            ("UOWNER", "/digest off", "switched off"),
            ("UOTHER", "/digest schedule 10:00 UTC", "Digest scheduled"),  # off: open again
            ("UOWNER", "/digest off", "Only an admin or whoever scheduled"),  # UOTHER's now
            ("UADMIN", "/digest off", "switched off"),
        ]
        got = [(who, line, say(who, line)) for who, line, _ in cases]
        for (who, line, expected), (_, _, text) in zip(cases, got, strict=True):
            assert expected in text, (who, line, text)
        with svc.db.session() as s:
            sub = subscriptions.subscription_for(s, "slack", "C7")
        assert sub is not None and not sub.active and sub.created_by == "UOTHER"
    finally:
        svc.close()


# ---------------------------------------------------------------------- no blind re-posts


def _part_keys(fake: FakeSlack, channel: str = "C1") -> list[tuple[int, int, int]]:
    """(run, part, page) of every message in the channel, from its message metadata."""
    keys = []
    for m in fake.channel_messages(channel):
        assert m["metadata"]["event_type"] == "briefing_digest_part"
        payload = m["metadata"]["event_payload"]
        keys.append((payload["run"], payload["part"], payload["page"]))
    return keys


def test_a_post_that_timed_out_but_was_posted_is_not_posted_again(
    services: Services,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    from slack_sdk import WebClient

    from bot.slack.app import retry_handlers
    from bot.slack.poster import SlackPoster

    subscribe(services.db, "C1", "08:00", "UTC", created=utc(2026, 3, 1))
    add_stories(services.db, utc(2026, 3, 9, 9), many_positions(40))
    client = WebClient(
        token="xoxb-test-token", base_url=fake_slack.api_url, timeout=1,
        retry_handlers=retry_handlers(),
    )  # fmt: skip
    poster = SlackPoster(client, min_interval=0.0, backoff=0.01, backoff_max=0.05)
    # Slack posts the first part, but answers after the client has given up
    fake_slack.slow_once("chat.postMessage", 2.5)
    runner = DigestRunner(services, poster, FixedClock(utc(2026, 3, 10, 8, 1)))
    [outcome] = runner.run_due()
    assert outcome.status == "posted"
    keys = _part_keys(fake_slack)
    [run] = _runs(services)
    assert len(keys) == len(set(keys)) == run.messages_posted >= 3  # each part exactly once
    assert [k[1] for k in keys] == list(range(len(keys)))
    assert fake_slack.received("conversations.history")  # it looked before posting again
    # the thread hangs off the part that timed out: its ts was read from the channel
    assert run.thread_ref == fake_slack.channel_messages("C1")[0]["ts"]
    assert {m.get("thread_ts") for m in fake_slack.channel_messages("C1")[1:]} == {run.thread_ref}


def test_without_the_look_up_a_timed_out_post_would_have_been_doubled(
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    """The same timeout with no PartKey (a plain post): the retry posts a second copy.
    This is what every digest part did before, and why parts now carry metadata."""
    from slack_sdk import WebClient

    from bot.core.reply import message
    from bot.slack.poster import SlackPoster

    client = WebClient(token="xoxb-test-token", base_url=fake_slack.api_url, timeout=1)
    poster = SlackPoster(client, min_interval=0.0, backoff=0.01, backoff_max=0.05)
    fake_slack.slow_once("chat.postMessage", 2.5)
    poster.post("C2", message("Hello"))
    assert len(fake_slack.channel_messages("C2")) == 2


# ---------------------------------------------------------------------- failed digests retried


def test_a_failed_digest_is_retried_with_backoff_within_the_grace_from_where_it_stopped(
    tmp_path: Path,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    settings = digest_settings(
        f"sqlite:///{tmp_path / 'r.db'}", fake_slack.api_url, digest_retry_base_seconds=60
    )
    svc = Services.build(settings)
    try:
        subscribe(svc.db, "C1", "08:00", "UTC", created=utc(2026, 3, 1))
        add_stories(svc.db, utc(2026, 3, 9, 9), many_positions(40))
        clock = FixedClock(utc(2026, 3, 10, 8, 0, 5))
        runner = _runner(svc, fake_slack, clock, attempts=2)
        # the first part goes out, then Slack answers 503 for a good while
        fake_slack.server_error("chat.postMessage", times=1000, status=503, after=1)
        steps = [  # (seconds later, statuses of this tick's outcomes)
            (0, ["failed"]),
            (30, ["retry-pending"]),  # 60 s backoff not over
            (40, ["failed"]),  # retry 1, still down
            (60, ["retry-pending"]),  # backoff now 120 s
        ]
        for seconds, expected in steps:
            clock.advance(seconds=seconds)
            assert [o.status for o in runner.run_due()] == expected, seconds
        [run] = _runs(svc)
        assert (run.status, run.messages_posted, run.attempts) == ("failed", 1, 2)
        fake_slack.server_error("chat.postMessage", times=0, after=10_000)  # Slack is back
        clock.advance(seconds=90)
        [outcome] = runner.run_due()
        assert outcome.status == "posted"
        [run] = _runs(svc)
        assert (run.status, run.attempts) == ("posted", 3)
        keys = _part_keys(fake_slack)
        assert [k[1] for k in keys] == list(range(run.messages_posted))  # none twice
        assert {m.get("thread_ts") for m in fake_slack.channel_messages("C1")[1:]} == {
            run.thread_ref
        }
        assert runner.run_due() == []  # done: nothing left to retry
    finally:
        svc.close()


def test_a_failed_digest_is_not_retried_past_the_grace(
    services: Services,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    subscribe(services.db, "C1", "08:00", "UTC", created=utc(2026, 3, 1))
    _news(services, utc(2026, 3, 9, 9))
    fake_slack.server_error("chat.postMessage", times=1000, status=502)
    clock = FixedClock(utc(2026, 3, 10, 8, 1))
    runner = _runner(services, fake_slack, clock, attempts=2)
    assert [o.status for o in runner.run_due()] == ["failed"]
    fake_slack.server_error("chat.postMessage", times=0, after=10_000)
    clock.set(utc(2026, 3, 10, 11, 2))  # 181 minutes after the fire: past the 180 of grace
    assert runner.run_due() == []
    assert fake_slack.posted() == [] and _runs(services)[0].status == "failed"


def test_a_part_posted_just_before_its_holder_died_is_not_posted_again(
    services: Services,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    from bot.core.poster import PartKey
    from bot.core.reply import message

    sub = subscribe(services.db, "C1", "08:00", "UTC", days="tue", created=utc(2026, 3, 1))
    add_stories(services.db, utc(2026, 3, 9, 9), many_positions(40))
    now = utc(2026, 3, 10, 8, 0, 5)
    claim = claims.claim_run(
        services.db,
        subscription_id=sub.id,
        period="2026-03-10T08:00Z",
        worker="elsewhere:1:dead",
        now=now - dt.timedelta(minutes=30),
        window_start=utc(2026, 3, 3, 8),
        window_end=utc(2026, 3, 10, 8),
        lease=dt.timedelta(minutes=15),
    )
    assert claim is not None
    # the holder's first part reached Slack, then it died before recording it
    [first] = poster_for(fake_slack).post("C1", message("part one"), key=PartKey(claim.run.id, 0))
    [outcome] = _runner(services, fake_slack, FixedClock(now)).run_due()
    assert outcome.status == "posted"
    keys = _part_keys(fake_slack)
    assert [k[1] for k in keys] == list(range(len(keys))) and len(keys) >= 3  # part 0 once
    [run] = _runs(services)
    assert run.thread_ref == first and run.messages_posted == len(keys)
