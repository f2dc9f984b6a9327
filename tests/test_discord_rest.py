"""Talking to Discord unprompted: the poster (channels, replies, PNGs, DMs), rate limits
and transient errors, and `discord-register` — all against the fake Discord API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.poster import Poster, PostFailed
from bot.core.reply import Action, Buttons, Header, Quote, Reply, Section
from bot.discord.poster import DiscordPoster
from bot.discord.rest import DiscordError, DiscordRest, route_key
from bot.settings import ROOT
from tests.fake_discord import *  # noqa: F403
from tests.fake_discord import APP_ID, BOT_TOKEN, FakeDiscord

CHANNEL = "300000000000000009"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

DIGEST = Reply(
    (
        Header("Daily briefing — @everyone"),
        Section.plain("Two new statements on border management."),
        Quote("We will keep the crossings open.", "An official (Pakistan)", "2019-03-04"),
        Buttons((Action("more", "Show more", "/position border-management page:2"),)),
    ),
    ephemeral=False,
    summary="Daily briefing",
)


@pytest.fixture
def rest(fake_discord: FakeDiscord) -> Iterator[DiscordRest]:
    client = DiscordRest(fake_discord.api_url, BOT_TOKEN, backoff=0.05)
    yield client
    client.close()


@pytest.fixture
def poster(rest: DiscordRest) -> DiscordPoster:
    return DiscordPoster(rest)


def test_poster_is_a_core_poster(poster: DiscordPoster) -> None:
    typed: Poster = poster  # the protocol the digest and alert code sees
    assert typed.platform == "discord"


def test_post_sends_embeds_with_bot_token_and_no_mentions(
    poster: DiscordPoster, fake_discord: FakeDiscord
) -> None:
    ids = poster.post(CHANNEL, DIGEST)
    call = fake_discord.received("POST", f"/channels/{CHANNEL}/messages")[0]
    assert ids == [str(json.loads(json.dumps(ids[0])))] and ids[0].isdigit()
    assert call.headers["Authorization"] == f"Bot {BOT_TOKEN}"
    assert call.headers["User-Agent"].startswith("DiscordBot (")
    assert call.body["allowed_mentions"] == {"parse": []}
    assert call.body["embeds"][0]["title"] == "Daily briefing — @\u200beveryone"
    assert call.body["components"][0]["components"][0]["label"] == "Show more"
    assert "message_reference" not in call.body


def test_post_in_thread_replies_to_the_first_message(
    poster: DiscordPoster, fake_discord: FakeDiscord
) -> None:
    poster.post(CHANNEL, DIGEST, thread="800000000000000001")
    call = fake_discord.received("POST", f"/channels/{CHANNEL}/messages")[0]
    assert call.body["message_reference"] == {
        "message_id": "800000000000000001",
        "channel_id": CHANNEL,
        "fail_if_not_exists": False,
    }


def test_upload_png_is_multipart_files0(poster: DiscordPoster, fake_discord: FakeDiscord) -> None:
    message_id = poster.upload_png(CHANNEL, PNG, title="Positions this week")
    call = fake_discord.received("POST", f"/channels/{CHANNEL}/messages")[0]
    assert message_id.isdigit()
    part = call.parts["files[0]"]
    assert part.data == PNG and part.filename == "chart.png" and part.content_type == "image/png"
    assert call.body["attachments"][0]["filename"] == "chart.png"
    assert call.body["allowed_mentions"] == {"parse": []}


def test_direct_message_opens_the_dm_channel_once(
    poster: DiscordPoster, fake_discord: FakeDiscord
) -> None:
    poster.direct_message("500000000000000002", DIGEST)
    poster.direct_message("500000000000000002", DIGEST)
    opened = fake_discord.received("POST", "/users/@me/channels")
    assert len(opened) == 1 and opened[0].body == {"recipient_id": "500000000000000002"}
    assert len(fake_discord.received("POST", "/channels/5500000000000000002/messages")) == 2


def test_refusal_becomes_post_failed_with_a_reason(
    poster: DiscordPoster, fake_discord: FakeDiscord
) -> None:
    fake_discord.refuse("POST", f"/channels/{CHANNEL}/", 403, "Missing Permissions", code=50013)
    with pytest.raises(PostFailed, match=r"403.*Missing Permissions.*permission"):
        poster.post(CHANNEL, DIGEST)
    assert len(fake_discord.received("POST")) == 1  # a 4xx is not retried


def test_429_with_retry_after_in_the_body_is_retried(
    poster: DiscordPoster, fake_discord: FakeDiscord
) -> None:
    fake_discord.rate_limit_once("POST", f"/channels/{CHANNEL}/messages", retry_after=1.0)
    ids = poster.post(CHANNEL, DIGEST)
    calls = fake_discord.received("POST", f"/channels/{CHANNEL}/messages")
    assert len(calls) == 2 and len(ids) == 1
    assert calls[1].at - calls[0].at >= 1.0


def test_429_with_only_a_retry_after_header_is_retried(
    poster: DiscordPoster, fake_discord: FakeDiscord
) -> None:
    fake_discord.rate_limit_once("POST", "/messages", retry_after=1, in_header=True)
    poster.post(CHANNEL, DIGEST)
    calls = fake_discord.received("POST", "/messages")
    assert len(calls) == 2 and calls[1].at - calls[0].at >= 1.0


def test_exhausted_bucket_waits_for_reset_after(
    poster: DiscordPoster, fake_discord: FakeDiscord
) -> None:
    fake_discord.exhaust_bucket_once("POST", f"/channels/{CHANNEL}/messages", reset_after=1.0)
    poster.post(CHANNEL, DIGEST)
    poster.post(CHANNEL, DIGEST)
    calls = fake_discord.received("POST", f"/channels/{CHANNEL}/messages")
    assert len(calls) == 2 and calls[1].at - calls[0].at >= 0.9
    # another channel is another bucket: no wait
    poster.post("300000000000000010", DIGEST)


def test_gateway_errors_are_retried_with_backoff(
    rest: DiscordRest, fake_discord: FakeDiscord
) -> None:
    fake_discord.refuse("POST", "/channels/", 502, "Bad Gateway", times=2)
    result = rest.request("POST", f"/channels/{CHANNEL}/messages", json_body={"content": "x"})
    assert result["id"]
    assert len(fake_discord.received("POST")) == 3


def test_gateway_errors_give_up_after_the_attempts(fake_discord: FakeDiscord) -> None:
    rest = DiscordRest(fake_discord.api_url, BOT_TOKEN, attempts=2, backoff=0.01)
    fake_discord.refuse("POST", "/channels/", 503, "Unavailable")
    with pytest.raises(DiscordError) as info:
        rest.request("POST", f"/channels/{CHANNEL}/messages", json_body={})
    assert info.value.status == 503 and len(fake_discord.received("POST")) == 2


def test_route_keys_keep_the_major_parameter() -> None:
    assert route_key("post", "/channels/1/messages") == "POST /channels/1/messages"
    assert route_key("PATCH", "/channels/1/messages/99") == "PATCH /channels/1/messages/:id"
    assert route_key("PATCH", "/webhooks/5/tok/messages/@original").startswith(
        "PATCH /webhooks/5/tok"
    )


# ---------------------------------------------------------------------- discord-register


def _register(fake: FakeDiscord, tmp_path: Path, *args: str, guild: str = "") -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env.update(
        DISCORD_APPLICATION_ID=APP_ID,
        DISCORD_BOT_TOKEN=BOT_TOKEN,
        DISCORD_API_URL=fake.api_url,
        DISCORD_GUILD_ID=guild,
        DATABASE_URL=f"sqlite:///{tmp_path / 'r.db'}",
        PYTHONPATH=str(ROOT),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "discord-register", *args],
        cwd=tmp_path,  # no developer .env
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_discord_register_for_a_guild(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    from bot.core.commands import REGISTRY

    out = _register(fake_discord, tmp_path, "--guild", "400000000000000001")
    call = fake_discord.received("PUT")[0]
    assert call.path == f"/applications/{APP_ID}/guilds/400000000000000001/commands"
    assert call.headers["Authorization"] == f"Bot {BOT_TOKEN}"
    names = {c["name"] for c in call.body}
    assert {c.name for c in REGISTRY} <= names and "Add to briefing" in names
    assert {"position", "brief", "search", "ingest", "topics", "help"} <= names
    menu = next(c for c in call.body if c["name"] == "Add to briefing")
    assert menu == {"type": 3, "name": "Add to briefing"}
    assert f"registered {len(call.body)} commands for guild 400000000000000001" in out


def test_discord_register_globally_and_from_the_guild_setting(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    _register(fake_discord, tmp_path)
    _register(fake_discord, tmp_path, guild="400000000000000002")
    paths = [c.path for c in fake_discord.received("PUT")]
    assert paths == [
        f"/applications/{APP_ID}/commands",
        f"/applications/{APP_ID}/guilds/400000000000000002/commands",
    ]


def test_poster_from_settings_uses_discord_api_url(fake_discord: FakeDiscord) -> None:
    from tests.fake_discord import discord_settings

    settings = discord_settings("sqlite://", fake_discord.api_url, "00" * 32)
    DiscordPoster.from_settings(settings).post(CHANNEL, DIGEST)
    assert fake_discord.received("POST", f"/channels/{CHANNEL}/messages")
