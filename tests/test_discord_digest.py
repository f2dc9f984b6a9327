"""Scheduled digests reach Discord channels through the REST API with the digest code's
own claims: a period is posted once, however many runners try it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.core.services import Services
from bot.discord.poster import DiscordPoster
from bot.scheduling.runner import DigestRunner
from storage.subscriptions import save_subscription
from tests.fake_discord import *  # noqa: F403
from tests.fake_discord import FakeDiscord, discord_settings

CHANNEL = "300000000000000042"
PERIOD = "2019-03-05T08:00Z"


@pytest.fixture
def services(seeded_copy_url: str, fake_discord: FakeDiscord) -> Iterator[Services]:
    settings = discord_settings(seeded_copy_url, fake_discord.api_url, "00" * 32)
    built = Services.build(settings)
    yield built
    built.db.dispose()


def test_a_discord_digest_is_posted_once_by_competing_runners(
    services: Services, fake_discord: FakeDiscord
) -> None:
    with services.db.session() as s:
        sub = save_subscription(
            s,
            platform="discord",
            channel=CHANNEL,
            time_of_day="08:00",
            timezone="UTC",
            days="daily",
            user="500000000000000001",
            now=dt.datetime(2019, 1, 1, tzinfo=dt.UTC),
        )
        s.commit()

    def runner(name: str) -> DigestRunner:
        poster = DiscordPoster.from_settings(services.settings)
        return DigestRunner(services, poster, worker=name)

    first = runner("a").run_digest(sub.id, PERIOD)
    second = runner("b").run_digest(sub.id, PERIOD)
    assert first.status in ("posted", "empty") and second.status == "skipped"
    posts = fake_discord.received("POST", f"/channels/{CHANNEL}/messages")
    assert len(posts) == max(first.messages, 1)
    for call in posts:
        assert call.headers["Authorization"].startswith("Bot ")
        assert call.body["allowed_mentions"] == {"parse": []}
        assert call.body.get("embeds") or call.parts
