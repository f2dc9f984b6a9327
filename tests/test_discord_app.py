"""The Discord adapter end to end: our interactions endpoint on 127.0.0.1, requests signed
with a test Ed25519 key as Discord signs them, answers captured by a fake Discord API.
Nothing of ours is patched."""

from __future__ import annotations

import datetime as dt
import re
import time

from bot.discord import render
from storage.models import Article, Position, Story
from tests.fake_discord import *  # noqa: F403
from tests.fake_discord import (
    APP_ID,
    ArticleSite,
    DiscordHarness,
    FakeDiscord,
    Signer,
    embed_text,
)

DEFERRED, EPHEMERAL = 5, 64

# Invented for these tests.
PARAGRAPHS = [
    "Officials from both governments met on Monday in a lakeside guest house to talk about "
    "a trade corridor along the river, a plan discussed for several winters without a single "
    "agreement.",
    "“Pakistan will open two more border crossings for lorries and lower its tariffs on "
    "machinery before the end of the year,” Foreign Minister Shah Mehmood Qureshi told "
    "reporters after the meeting.",
    "A United States official said Washington would fund new scanners for the crossings if "
    "the customs reform went ahead on the agreed timetable.",
    "The talks will continue in the spring, according to a short statement issued late in "
    "the evening by the ministry.",
]
TITLE = "Ministers Trade Promises Over River Corridor"


def _assert_within_limits(message: dict) -> None:
    embeds = message.get("embeds") or []
    assert len(embeds) <= 10
    assert len(message.get("content", "")) <= 2000
    total = 0
    for embed in embeds:
        assert len(embed.get("title", "")) <= 256
        assert len(embed.get("description", "")) <= 4096
        assert len(embed.get("fields", [])) <= 25
        total += len(embed.get("title", "")) + len(embed.get("description", ""))
    assert total <= 6000
    rows = message.get("components") or []
    assert len(rows) <= 5
    for row in rows:
        assert len(row["components"]) <= 5
        for button in row["components"]:
            assert len(button["label"]) <= 80 and len(button["custom_id"]) <= 100
    assert message["allowed_mentions"] == {"parse": []}


def test_ping_is_answered_with_pong(discord: DiscordHarness) -> None:
    resp = discord.post(
        {"id": "1", "application_id": APP_ID, "type": 1, "token": "t", "version": 1}
    )
    assert resp.status == 200 and resp.body == {"type": 1}
    assert discord.fake.calls == []


def test_position_haqqani_end_to_end(discord: DiscordHarness) -> None:
    resp = discord.command("position", {"topic": "haqqani"}, token="pos1")
    assert resp.status == 200 and resp.seconds < 3
    assert resp.body == {"type": DEFERRED, "data": {"flags": EPHEMERAL}}
    calls = discord.answers("pos1")
    text = "\n".join(embed_text(c) for c in calls)
    assert "Khawaja Asif" in text and "Rex Tillerson" in text
    assert "no terrorist safe havens in Pakistan" in text  # Asif's verbatim words
    assert "Where they diverge" in text and "Share to channel" in text
    edit = calls[0]
    assert edit.path == f"/webhooks/{APP_ID}/pos1/messages/@original"
    assert "Authorization" not in edit.headers  # interaction webhooks take no bot token
    for call in calls:
        _assert_within_limits(call.body)


def test_structured_options_reach_the_core_as_the_slack_line(discord: DiscordHarness) -> None:
    discord.command("position", {"topic": "haqani", "by": "united states"}, token="by1")
    text = embed_text(discord.answers("by1")[0])
    assert "Rex Tillerson" in text and "Khawaja Asif, " not in text


def test_bad_signature_is_401_and_does_nothing(discord: DiscordHarness) -> None:
    stranger = Signer()  # a valid signature, by the wrong key
    resp = discord.command("position", {"topic": "haqqani"}, sign=stranger.sign)
    assert resp.status == 401
    resp = discord.command("position", {"topic": "haqqani"}, signature="zz" * 64)
    assert resp.status == 401
    resp = discord.post({"type": 1}, signature="00" * 64)
    assert resp.status == 401
    time.sleep(0.5)
    assert discord.fake.calls == []


def test_stale_timestamp_is_401_even_when_correctly_signed(discord: DiscordHarness) -> None:
    resp = discord.command("position", {"topic": "haqqani"}, timestamp=int(time.time()) - 6 * 60)
    assert resp.status == 401
    time.sleep(0.5)
    assert discord.fake.calls == []


def test_slow_ingest_is_deferred_within_three_seconds(
    discord: DiscordHarness, article_site: ArticleSite
) -> None:
    url = article_site.add("/news/slow", TITLE, PARAGRAPHS, delay=4)
    start = time.monotonic()
    resp = discord.command("ingest", {"text": url}, token="slow1")
    assert resp.status == 200 and resp.seconds < 3, resp.seconds
    assert resp.body["type"] == DEFERRED
    call = discord.answers("slow1")[0]
    assert call.at - start >= 4  # the answer came after the slow fetch, not in the response
    assert f"Added: {TITLE}" in embed_text(call)
    with discord.services.db.session() as s:
        row = s.query(Article).filter_by(url=url).one()
        assert row.ingested_by == "500000000000000001"


def test_add_to_briefing_ingests_the_messages_link(
    discord: DiscordHarness, article_site: ArticleSite
) -> None:
    url = article_site.add("/news/corridor", TITLE, PARAGRAPHS)
    resp = discord.message_command({"content": f"worth a read {url}"}, token="add1")
    assert resp.status == 200 and resp.seconds < 3
    assert resp.body == {"type": DEFERRED, "data": {}}  # public, like Slack's thread reply
    text = embed_text(discord.answers("add1")[0])
    assert f"Added: {TITLE}" in text
    with discord.services.db.session() as s:
        gist = s.query(Article).filter_by(url=url).one().gist
    assert render.escape(gist)[:80] in text
    assert "2 positions found" in text and "Shah Mehmood Qureshi" in text


def test_add_to_briefing_reads_a_link_only_in_the_embed(
    discord: DiscordHarness, article_site: ArticleSite
) -> None:
    url = article_site.add("/news/embedded", TITLE, PARAGRAPHS)
    discord.message_command({"content": "", "embeds": [{"type": "link", "url": url}]}, token="e1")
    assert f"Added: {TITLE}" in embed_text(discord.answers("e1")[0])


def test_add_to_briefing_on_a_chatty_message_hints_at_once(discord: DiscordHarness) -> None:
    resp = discord.message_command({"content": "see you tomorrow"})
    assert resp.body["type"] == 4 and resp.body["data"]["flags"] == EPHEMERAL
    assert "Send me a link" in resp.body["data"]["content"]
    time.sleep(0.3)
    assert discord.fake.calls == []


def _large_ledger(discord: DiscordHarness, evidence: str) -> None:
    with discord.services.db.session() as s:
        story = Story()
        s.add(story)
        s.flush()
        art = Article(
            story_id=story.id,
            title="Synthetic " * 80,
            source=None,
            url=None,
            source_path=None,
            origin="chat",
            published=dt.date(2019, 1, 1),
            date_basis="test",
            text="x",
            summary="x",
            gist="x",
            word_count=1,
            content_hash="d" * 64,
            simhash=0,
            band0=0,
            band1=0,
            band2=0,
            band3=0,
        )
        s.add(art)
        s.flush()
        for i in range(40):
            s.add(
                Position(
                    article_id=art.id,
                    actor="United States" if i % 2 else "Pakistan",
                    speaker=f"Speaker {i} @here",
                    speaker_office="Office",
                    topic="nuclear",
                    claim="c",
                    evidence=evidence,
                    kind="quote",
                    published=art.published,
                )
            )
        s.commit()


def test_large_answer_respects_embed_limits_and_pages_with_buttons(
    discord: DiscordHarness,
) -> None:
    evidence = (
        "The delegation said @everyone <@123456> <@&777> [click](https://evil.example) **loud** "
        + "word " * 700
    )
    _large_ledger(discord, evidence)
    discord.command("position", {"topic": "nuclear", "by": "us"}, token="big1")
    calls = discord.answers("big1")
    for call in calls:
        _assert_within_limits(call.body)
        for embed in call.body["embeds"]:
            description = embed.get("description", "")
            assert "@everyone" not in description and "@here" not in description
            assert "<@123456>" not in description.replace("\\<@123456>", "")
            assert "[click](https://evil.example)" not in description
    text = "\n".join(embed_text(c) for c in calls)
    assert "@\u200beveryone" in text and "@\u200bhere" in text
    assert len(calls) >= 2  # eight long quotes overflow one message's 6,000 characters
    first = set(re.findall(r"Speaker (\d+) ", text))
    assert len(first) == 8
    # "Show more" pages through the rest: a component interaction, answered in turn
    more = next(
        b
        for row in calls[-1].body["components"]
        for b in row["components"]
        if b["label"] == "Show more"
    )
    assert render.decode_custom_id(more["custom_id"]) == ("more", "/position nuclear by:us page:2")
    resp = discord.button(more["custom_id"], token="big2")
    assert resp.status == 200 and resp.body == {"type": DEFERRED, "data": {"flags": EPHEMERAL}}
    page2 = discord.answers("big2")
    text2 = "\n".join(embed_text(c) for c in page2)
    assert "Page 2" in text2
    second = set(re.findall(r"Speaker (\d+) ", text2))
    assert len(second) == 8 and not first & second


def test_share_button_posts_publicly_without_a_share_button(discord: DiscordHarness) -> None:
    custom_id = render.custom_id(render.Action("share", "Share to channel", "/position haqqani"), 1)
    resp = discord.button(custom_id, token="share1")
    assert resp.body == {"type": DEFERRED, "data": {}}
    text = embed_text(discord.answers("share1")[0])
    assert "Rex Tillerson" in text and "Shared by @Analyst" in text
    assert "Share to channel" not in text


def test_expired_long_button_says_so(discord: DiscordHarness) -> None:
    resp = discord.button("bb#0:more:" + "f" * 24)
    assert resp.body["type"] == 4 and "expired" in resp.body["data"]["content"]


def test_direct_messages_are_answered_where_channels_are_restricted(
    seeded_copy_url: str, fake_discord: FakeDiscord
) -> None:
    harness = DiscordHarness(seeded_copy_url, fake_discord, allowed_channels=["999"])
    try:
        refused = harness.command("topics", token="g1")
        assert refused.body["type"] == 4 and "don't answer in this channel" in str(refused.body)
        dm = harness.command("topics", token="dm1", guild=False)
        assert dm.body["type"] == DEFERRED
        assert "Topics" in embed_text(harness.answers("dm1")[0])
    finally:
        harness.stop()


def test_health_and_unknown_paths(discord: DiscordHarness) -> None:
    import urllib.error
    import urllib.request

    base = discord.server.url.rsplit("/", 1)[0]
    with urllib.request.urlopen(base + "/health", timeout=5) as resp:
        assert resp.status == 200
    try:
        urllib.request.urlopen(base + "/nope", timeout=5)
    except urllib.error.HTTPError as exc:
        assert exc.code == 404
