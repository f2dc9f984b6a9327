"""/feeds in chat (the core, Slack and Discord over their fake APIs), `python -m bot feeds`
as a user runs it, and the per-feed APScheduler jobs — all against feeds served from
127.0.0.1, the real spaCy model and real SQLite files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from spacy.language import Language
from sqlalchemy import select

from bot import feed_jobs
from bot.console.poster import ConsolePoster
from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.core.reply import Reply
from bot.core.services import Services
from bot.indexer.feeds import FeedPoller
from bot.scheduling.jobs import DigestScheduler
from bot.settings import Settings
from storage import feeds as store
from storage.models import Article, AuditEntry, Feed
from tests.fake_discord import *  # noqa: F403  (the discord fixtures)
from tests.fake_discord import DiscordHarness, embed_text
from tests.feed_site import *  # noqa: F403  (the feed_site fixture)
from tests.feed_site import FeedSite, Route, items_for, rss
from tests.slack_fixtures import *  # noqa: F403  (the slack fixtures)
from tests.slack_fixtures import SlackHarness

ROOT = Path(__file__).resolve().parent.parent
ADMIN, ANALYST, STRANGER = "UADMIN", "UANALYST", "USTRANGER"


@pytest.fixture
def services(make_settings: Callable[..., Settings], nlp: Language) -> Iterator[Services]:
    settings = make_settings(
        admin_users=[ADMIN],
        ingest_allowed_users=[ANALYST],
        fetch_allow_private_hosts=["127.0.0.1"],
        fetch_timeout_seconds=10,
    )
    built = Services.build(settings)
    yield built
    built.close()


def ask(services: Services, line: str, user: str = ANALYST, platform: str = "slack") -> Reply:
    return dispatch(Ctx(services, user=user, channel="C1", platform=platform), parse(line))


def all_feeds(services: Services) -> list[store.FeedRow]:
    with services.db.session() as s:
        return store.all_feeds(s)


# ---------------------------------------------------------------------------- the core


def test_add_list_remove_in_chat(services: Services, feed_site: FeedSite) -> None:
    urls = feed_site.add_articles(2)
    feed_site.routes["/feed.xml"] = Route(rss("Loopback Ledger", items_for(urls)))
    feed_site.routes["/broken.xml"] = Route(b"down for maintenance", "text/plain", status=500)
    good, broken = feed_site.url("/feed.xml"), feed_site.url("/broken.xml")

    added = ask(services, f"/feeds add {good} haqqani every:45")
    assert "Added feed #1" in added.text and "every 45 min" in added.text
    assert "Only entries on haqqani-network" in added.text
    assert "Added feed #2" in ask(services, f"/feeds add {broken}", user=ADMIN).text
    again = ask(services, f"/feeds add {good}")
    assert "already read that feed as #1" in again.text
    rows = all_feeds(services)
    assert [(r.url, r.topics, r.interval_minutes, r.created_by, r.platform) for r in rows] == [
        (good, ("haqqani-network",), 45, ANALYST, "slack"),
        (broken, (), services.settings.feed_default_interval_minutes, ADMIN, "slack"),
    ]

    poller = FeedPoller(services.db, services.settings, services.indexer, services.taxonomy)
    poller.poll_due()

    listing = ask(services, "/feeds list").text
    first, second = listing.split("#2")
    assert "#1 Loopback Ledger" in first and good in first
    assert "1 article added" in first  # only the Haqqani entry names the feed's topic
    assert "last success " + dt.datetime.now(dt.UTC).strftime("%Y-%m-%d") in first
    assert "last error" not in first
    assert "0 articles added" in second and "last success never" in second
    assert "(1 failure in a row): refusing to fetch" in second and "HTTP 500" in second

    removed = ask(services, "/feeds remove 1", user=ADMIN)
    assert (
        "Removed feed #1" in removed.text and "what it brought in (1 article) stays" in removed.text
    )
    assert [r.id for r in all_feeds(services)] == [2]
    assert "There is no feed #1" in ask(services, "/feeds remove #1").text
    with services.db.session() as s:
        actions = [(a.action, a.user_id) for a in s.scalars(select(AuditEntry))]
        assert s.scalar(select(Article.url)) == feed_site.url("/news/haqqani-warning")
    assert ("feed-add", ANALYST) in actions and ("feed-remove", ADMIN) in actions
    assert ("ingest", "feed:1") in actions


def test_who_may_manage_feeds(services: Services) -> None:
    for line in ("/feeds list", "/feeds add https://example.org/rss.xml", "/feeds remove 1"):
        reply = ask(services, line, user=STRANGER)
        assert "only admins and people who may add articles" in reply.text
        assert "refused" in reply.tags
    assert all_feeds(services) == []
    assert "I read no feeds yet" in ask(services, "/feeds", user=ADMIN).text


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("/feeds add http://10.1.2.3/rss.xml", "Couldn't add that feed: private address."),
        ("/feeds add http://169.254.169.254/latest", "Couldn't add that feed: private address."),
        ("/feeds add file:///etc/passwd", "Give the feed's address"),
        ("/feeds add https://example.org/rss.xml nosuchtopicxyz", "No topic “nosuchtopicxyz”"),
        ("/feeds add https://example.org/rss.xml every:1", "every: must be between 5 minutes"),
        ("/feeds remove", "Give one feed id"),
        ("/feeds remove three", "Give one feed id"),
        ("/feeds frobnicate", "I don't know “frobnicate”"),
    ],
)
def test_bad_feed_commands_get_one_sentence_and_write_nothing(
    services: Services, line: str, answer: str
) -> None:
    reply = ask(services, line)
    assert answer in reply.text and "Traceback" not in reply.text
    assert all_feeds(services) == []


def test_help_lists_feeds(services: Services) -> None:
    text = ask(services, "/help").text
    assert "/feeds add <feed url> [topic…] [every:<minutes>] | list | remove <id>" in text


def test_the_slack_manifest_has_feeds() -> None:
    import yaml

    manifest = yaml.safe_load((ROOT / "config" / "slack_manifest.yaml").read_text())
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert "/feeds" in commands


# ---------------------------------------------------------------------------- platforms


def test_feeds_over_slack(slack: SlackHarness, feed_site: FeedSite) -> None:
    feed_site.routes["/feed.xml"] = Route(rss("Over Slack", []))
    url = feed_site.url("/feed.xml")
    resp = slack.command("/feeds", f"add <{url}> haqqani", response="add1")
    assert resp.status == 200 and resp.seconds < 3
    added = slack.fake.wait_for("response_url:add1", timeout=30)[0]
    assert "Added feed #1" in json.dumps(added.body, ensure_ascii=False)
    slack.command("/feeds", "list", response="list1")
    listing = json.dumps(slack.fake.wait_for("response_url:list1", timeout=30)[0].body)
    assert url in listing and "last success never" in listing
    with slack.services.db.session() as s:
        assert [r.created_by for r in store.all_feeds(s)] == ["U111"]


def test_feeds_over_discord(discord: DiscordHarness, feed_site: FeedSite) -> None:
    feed_site.routes["/feed.xml"] = Route(rss("Over Discord", []))
    url = feed_site.url("/feed.xml")
    resp = discord.command("feeds", {"text": f"add {url}"}, token="fadd")
    assert resp.status == 200
    assert "Added feed #1" in embed_text(discord.answers("fadd")[0])
    discord.command("feeds", {"text": "list"}, token="flist")
    assert url in embed_text(discord.answers("flist")[0])
    with discord.services.db.session() as s:
        assert [r.platform for r in store.all_feeds(s)] == ["discord"]


# ---------------------------------------------------------------------------- the scheduler


def test_each_feed_gets_its_own_job_with_its_interval(services: Services) -> None:
    with services.db.session() as s:
        one = store.add_feed(s, url="https://example.org/a.xml", interval_minutes=45)
        two = store.add_feed(s, url="https://example.org/b.xml", interval_minutes=30)
        assert one is not None and two is not None
        # not due for a while: the jobs must not fire during this test
        for row_id in (one.id, two.id):
            store_feed = s.get(Feed, row_id)
            assert store_feed is not None
            store_feed.next_due_at = dt.datetime(2100, 1, 1)
    scheduler = DigestScheduler(services, ConsolePoster(lambda _: None), sweep_seconds=3600)
    scheduler.start(catch_up=False)
    try:
        jobs = scheduler.feeds
        assert jobs is not None
        assert {j.id for j in scheduler.scheduler.get_jobs()} >= {
            "feed:1",
            "feed:2",
            feed_jobs.SYNC_JOB,
        }
        for feed_id, minutes in ((1, 45), (2, 30)):
            trigger = scheduler.scheduler.get_job(f"feed:{feed_id}").trigger
            assert isinstance(trigger, IntervalTrigger)
            assert trigger.interval == dt.timedelta(minutes=minutes)
        assert jobs.next_run(1) == dt.datetime(2100, 1, 1, tzinfo=dt.UTC)

        with services.db.session() as s:
            store.remove_feed(s, 1)
            store.add_feed(s, url="https://example.org/c.xml", interval_minutes=90)
        assert jobs.sync() == ["feed:2", "feed:3"]
        assert scheduler.scheduler.get_job("feed:1") is None
        trigger = scheduler.scheduler.get_job("feed:3").trigger
        assert trigger.interval == dt.timedelta(minutes=90)
    finally:
        scheduler.stop()


def test_a_due_feeds_job_polls_it_and_then_waits_for_its_next_due_time(
    services: Services, feed_site: FeedSite
) -> None:
    urls = feed_site.add_articles(1)
    feed_site.routes["/feed.xml"] = Route(rss("On a timer", items_for(urls)))
    with services.db.session() as s:
        store.add_feed(s, url=feed_site.url("/feed.xml"), interval_minutes=30)
    scheduler = DigestScheduler(services, ConsolePoster(lambda _: None), sweep_seconds=3600)
    scheduler.start(catch_up=False)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            feed = all_feeds(services)[0]
            if feed.last_success_at is not None:
                break
            time.sleep(0.2)
        assert feed.items_ingested == 1 and feed.last_success_at is not None
        time.sleep(0.3)  # the job moves its next run right after recording the poll
        assert scheduler.feeds is not None
        assert scheduler.feeds.next_run(feed.id) == feed.next_due_at.replace(tzinfo=dt.UTC)
    finally:
        scheduler.stop()
    assert feed_site.hits("/feed.xml") == 1


def test_feed_polling_can_be_left_to_cron(make_settings: Callable[..., Settings]) -> None:
    quiet = Services.build(make_settings(feed_polling=False))
    try:
        scheduler = DigestScheduler(quiet, ConsolePoster(lambda _: None), sweep_seconds=3600)
        scheduler.start(catch_up=False)
        try:
            assert scheduler.feeds is None
            assert scheduler.scheduler.get_job(feed_jobs.SYNC_JOB) is None
        finally:
            scheduler.stop()
    finally:
        quiet.close()


# ---------------------------------------------------------------------------- the CLI


def run_cli(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{db_path}",
        FETCH_ALLOW_PRIVATE_HOSTS="127.0.0.1",
        FETCH_TIMEOUT_SECONDS="10",
        PYTHONIOENCODING="utf-8",
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=240,
        check=False,
    )


@pytest.mark.slow
def test_cli_add_list_poll_remove(tmp_path: Path, feed_site: FeedSite) -> None:
    urls = feed_site.add_articles(2)
    feed_site.routes["/feed.xml"] = Route(rss("From the shell", items_for(urls)), etag='"e1"')
    db = tmp_path / "cli.db"
    url = feed_site.url("/feed.xml")

    added = run_cli(db, "feeds", "add", url, "--every", "20")
    assert added.returncode == 0, added.stderr
    assert "Added feed #1" in added.stdout and "every 20 min" in added.stdout
    private = run_cli(db, "feeds", "add", "http://192.168.1.10/rss")
    assert private.returncode == 2 and "private address" in private.stderr

    # Two cron runs at once: the feed and each entry are fetched once between them.
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "feeds", "poll"],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": f"sqlite:///{db}",
                "FETCH_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outputs]
    said = "".join(out for out, _ in outputs)
    assert said.count("feed 1: ok, 2 new entries, 2 articles added") == 1, said
    assert feed_site.hits("/feed.xml") == 1
    assert [feed_site.hits(u.split(str(feed_site.port), 1)[1]) for u in urls] == [1, 1]

    listed = run_cli(db, "feeds", "list", "--json")
    record = json.loads(listed.stdout.splitlines()[0])
    assert (record["id"], record["url"], record["items_ingested"]) == (1, url, 2)
    assert record["interval_minutes"] == 20 and record["last_error"] is None
    assert "2 articles added" in run_cli(db, "feeds", "list").stdout

    forced = run_cli(db, "feeds", "poll", "--feed", "1")
    assert forced.returncode == 0 and "feed 1: not-modified" in forced.stdout
    assert feed_site.requests_to("/feed.xml")[-1].headers.get("If-None-Match") == '"e1"'

    feed_site.routes["/feed.xml"] = Route(b"<html><body>moved</body></html>", "text/html")
    failed = run_cli(db, "feeds", "poll", "--all")
    assert failed.returncode == 1 and "web page, not an RSS or Atom feed" in failed.stdout

    removed = run_cli(db, "feeds", "remove", "1")
    assert removed.returncode == 0 and "Removed feed #1" in removed.stdout
    assert run_cli(db, "feeds", "list", "--json").stdout == ""


# ---------------------------------------------------------------------------- downstream


def test_a_feeds_article_reaches_alerts_and_the_digest_like_any_other(
    services: Services, feed_site: FeedSite
) -> None:
    from bot.console.render import render
    from bot.core.digest import compose
    from bot.scheduling.runner import DigestRunner
    from storage import follows

    urls = feed_site.add_articles(2)
    feed_site.routes["/feed.xml"] = Route(rss("Downstream", items_for(urls)))
    assert "Added feed #1" in ask(services, f"/feeds add {feed_site.url('/feed.xml')}").text
    with services.db.session() as s:
        follows.add_follow(s, platform="console", user=ANALYST, topic="haqqani-network", actor="")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    poller = FeedPoller(services.db, services.settings, services.indexer, services.taxonomy)
    assert [o.ingested for o in poller.poll_due()] == [2]

    said: list[str] = []
    assert DigestRunner(services, ConsolePoster(said.append)).notify_followers() == 1
    assert "Washington Presses Islamabad on the Haqqani Network" in "\n".join(said)

    with services.db.session() as s:
        result = compose(s, start=start, end=dt.datetime.now(dt.UTC), taxonomy=services.taxonomy)
    digest = "\n".join(render(part) for _, part in result.parts())
    assert "Border Crossing Reopens After Talks" in digest
    assert "Washington Presses Islamabad on the Haqqani Network" in digest


def test_feeds_in_the_console(make_settings: Callable[..., Settings], feed_site: FeedSite) -> None:
    from bot.console.repl import answer

    console = Services.build(make_settings(fetch_allow_private_hosts=["127.0.0.1"]))
    try:
        feed_site.routes["/feed.xml"] = Route(rss("Console", []))
        url = feed_site.url("/feed.xml")
        assert "Added feed #1" in answer(console, f"/feeds add {url} every:2h").text
        listing = answer(console, "/feeds list").text
        assert url in listing and "every 2 hours" in listing
        assert "Removed feed #1" in answer(console, "/feeds remove 1").text
    finally:
        console.close()
