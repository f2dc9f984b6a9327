"""The composition root: which platforms a process runs on, and commands that post to
every one of them — Slack and Discord alike, from cron or from a running scheduler."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bootstrap import Boot, enabled_platforms
from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.slack.platform import SERVE_ERROR as SLACK_SERVE_ERROR
from storage.db import Database
from storage.subscriptions import save_subscription
from tests.conftest import build_settings
from tests.digest_helpers import BOT_TOKEN, add_stories, digest_settings, many_positions, subscribe
from tests.fake_discord import FakeDiscord, fake_discord  # noqa: F401
from tests.fake_slack import FakeSlack
from tests.slack_fixtures import fake_slack  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
DISCORD_CHANNEL = "300000000000000042"
DISCORD_TOKEN = "discord-bot-token-for-tests"


def _names(settings_kw: dict[str, object]) -> list[tuple[str, bool, bool, str | None]]:
    settings = build_settings("sqlite://", **settings_kw)
    return [(p.name, p.serves, p.posts, p.serve_error) for p in enabled_platforms(settings)]


def test_platforms_follow_the_credentials_set() -> None:
    assert _names({}) == []  # no chat credentials: the console
    assert _names({"slack_bot_token": "xoxb-1", "slack_signing_secret": "s"}) == [
        ("slack", True, True, None)
    ]
    # a bot token alone posts digests, but cannot answer: `serve` must say what is missing
    assert _names({"slack_bot_token": "xoxb-1"}) == [("slack", False, True, SLACK_SERVE_ERROR)]
    assert _names({"discord_bot_token": DISCORD_TOKEN}) == [("discord", False, True, None)]
    both = {
        "slack_bot_token": "xoxb-1",
        "slack_app_token": "xapp-1",
        "discord_application_id": "100000000000000001",
        "discord_public_key": "00" * 32,
    }
    assert _names(both) == [("slack", True, True, None), ("discord", True, False, None)]


def _two_platform_ledger(path: Path, at: dt.datetime) -> None:
    db = Database(f"sqlite:///{path}")
    subscribe(db, "C1", "08:00", "UTC", created=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    with db.session() as s:
        save_subscription(
            s,
            platform="discord",
            channel=DISCORD_CHANNEL,
            time_of_day="08:00",
            timezone="UTC",
            days="daily",
            user="500000000000000001",
            now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        )
    add_stories(db, at, many_positions(8))
    db.dispose()


@pytest.mark.slow
def test_digest_due_posts_to_slack_and_discord_alike(
    tmp_path: Path,
    fake_slack: FakeSlack,  # noqa: F811
    fake_discord: FakeDiscord,  # noqa: F811
) -> None:
    path = tmp_path / "both.db"
    _two_platform_ledger(path, dt.datetime(2026, 3, 10, 6, tzinfo=dt.UTC))  # a Tuesday
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DISCORD_", "DATABASE_", "DIGEST_", "CLOCK_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{path}",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=fake_slack.api_url,
        DISCORD_BOT_TOKEN=DISCORD_TOKEN,
        DISCORD_API_URL=fake_discord.api_url,
        CLOCK_OVERRIDE="2026-03-10T08:00:30+00:00",
        PYTHONPATH=str(ROOT),
    )

    def bot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    due = bot("digest-due")
    assert due.returncode == 0, due.stderr[-2000:]
    with sqlite3.connect(path) as conn:
        runs = conn.execute(
            "SELECT s.platform, r.status FROM digest_runs r "
            "JOIN subscriptions s ON s.id = r.subscription_id ORDER BY s.platform"
        ).fetchall()
    assert runs == [("discord", "posted"), ("slack", "posted")]
    assert fake_slack.posted("C1")
    assert fake_discord.received("POST", f"/channels/{DISCORD_CHANNEL}/messages")

    # a one-off digest to a Discord channel, part by part through the same runner
    before = len(fake_discord.received("POST", f"/channels/{DISCORD_CHANNEL}/messages"))
    once = bot("digest", "--channel", DISCORD_CHANNEL, "--platform", "discord", "--since", "7d")
    assert once.returncode == 0, once.stderr[-2000:]
    assert once.stdout.strip() == "posted"
    assert len(fake_discord.received("POST", f"/channels/{DISCORD_CHANNEL}/messages")) > before


def test_digest_now_reaches_the_scheduler_of_its_own_platform(
    tmp_path: Path,
    fake_slack: FakeSlack,  # noqa: F811
    fake_discord: FakeDiscord,  # noqa: F811
) -> None:
    # both schedulers run in one process on one database; a Slack channel's /digest now
    # must be posted by Slack's (hooks were once one per database, the last one winning)
    path = tmp_path / "now.db"
    _two_platform_ledger(path, dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC))
    settings = digest_settings(
        f"sqlite:///{path}",
        fake_slack.api_url,
        discord_bot_token=DISCORD_TOKEN,
        discord_api_url=fake_discord.api_url,
        clock_override="2026-03-10T15:00:00+00:00",  # long past 08:00: nothing is due
    )
    boot = Boot(settings)
    assert [p.name for p in boot.posting()] == ["slack", "discord"]
    schedulers = boot.start_schedulers(sweep_seconds=3600)
    try:
        assert [s.platform for s in schedulers] == ["slack", "discord"]
        ctx = Ctx(boot.services, user="U1", channel="C1", platform="slack")
        assert "Posting" in dispatch(ctx, parse("/digest now")).text
        fake_slack.wait_for("chat.postMessage", timeout=15)
    finally:
        for scheduler in schedulers:
            scheduler.stop()
        boot.services.close()
    assert fake_discord.received("POST") == []  # nothing at all went through Discord
