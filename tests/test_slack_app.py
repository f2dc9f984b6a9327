"""The Slack adapter end to end: a real Bolt app over HTTP on 127.0.0.1, requests signed as
Slack signs them, answers captured by a fake Web API / response_url server. Nothing of
ours or of slack_sdk is patched."""

from __future__ import annotations

import json
import time
from typing import Any

from storage.models import Article, Position, Story
from tests.fake_slack import Call, FakeSlack
from tests.slack_fixtures import *  # noqa: F403
from tests.slack_fixtures import ArticleSite, SlackHarness, signed, slack_settings

ARTICLE_PARAGRAPHS = [
    "Officials from both capitals met in a quiet hotel on the edge of the lake district on "
    "Tuesday to discuss the long list of grievances that has built up over the winter months.",
    "“We came here to listen, and we will go home with a clearer picture of what can be done "
    "about the border crossings,” the visiting envoy told reporters after the session ended.",
    "The talks covered trade corridors, the timetable for customs reform and the future of a "
    "jointly funded training programme for police officers in the northern districts.",
    "A second round is expected before the summer, according to a short statement released "
    "by the ministry late in the evening.",
]


def _blocks_text(call: Call) -> str:
    body = call.body
    parts = [str(body.get("text", ""))]
    for block in body.get("blocks") or []:
        parts.append(json.dumps(block, ensure_ascii=False))
    return "\n".join(parts)


def _dm(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": "D0DM",
        "channel_type": "im",
        "user": "U111",
        "text": text,
        "ts": f"{time.time():.6f}",
        **extra,
    }


def test_position_haqqani_names_both_sides_with_quotes_and_sources(slack: SlackHarness) -> None:
    resp = slack.command("/position", "haqqani")
    assert resp.status == 200 and resp.seconds < 3
    call = slack.fake.wait_for("response_url:r1")[0]
    assert call.body["response_type"] == "ephemeral"
    text = _blocks_text(call)
    assert "Khawaja Asif" in text and "Rex Tillerson" in text
    assert "no terrorist safe havens in Pakistan" in text  # Asif's verbatim words
    assert "deal with the Haqqani Network" in text  # what Tillerson asked for
    assert "Huge trust deficit between Pakistan and US" in text  # the source
    assert "seeds/000_" in text
    assert "Share to channel" in text
    assert "Where they diverge" in text


def test_typo_in_topic_is_tolerated(slack: SlackHarness) -> None:
    slack.command("/position", "haqani by:us")
    text = _blocks_text(slack.fake.wait_for("response_url:r1")[0])
    assert "Rex Tillerson" in text and "Khawaja Asif, " not in text  # the title names him


def test_unknown_topic_suggests_and_searches(slack: SlackHarness) -> None:
    slack.command("/position", "quantum computing")
    text = _blocks_text(slack.fake.wait_for("response_url:r1")[0])
    assert "No topic" in text
    slack.command("/position", "deficit", response="r2")
    text2 = _blocks_text(slack.fake.wait_for("response_url:r2")[0])
    assert "No topic “deficit”" in text2
    assert "Full-text matches" in text2 and "trust deficit" in text2.lower()


def test_bad_signature_is_401_and_does_nothing(slack: SlackHarness) -> None:
    resp = slack.command("/position", "haqqani", signature="v0=" + "0" * 64)
    assert resp.status == 401
    time.sleep(0.5)
    assert slack.fake.calls == []


def test_stale_timestamp_is_401_even_when_correctly_signed(slack: SlackHarness) -> None:
    old = int(time.time()) - 6 * 60
    body = "command=%2Fposition&text=haqqani&user_id=U1&channel_id=C1"
    resp = slack.post(
        body,
        "application/x-www-form-urlencoded",
        timestamp=old,
        signature=signed("test-signing-secret", str(old), body),
    )
    assert resp.status == 401
    time.sleep(0.5)
    assert slack.fake.calls == []


def test_hand_computed_signature_matches_sdk() -> None:
    from slack_sdk.signature import SignatureVerifier

    ts, body = "1531420618", "token=xyz&team_id=T1"
    assert SignatureVerifier("s3cret").generate_signature(timestamp=ts, body=body) == signed(
        "s3cret", ts, body
    )


def test_forwarded_link_in_dm_is_ingested_and_confirmed_in_thread(
    slack: SlackHarness, article_site: ArticleSite
) -> None:
    url = article_site.add("/news/lake-talks", "Envoys Meet at the Lake", ARTICLE_PARAGRAPHS)
    event = _dm(f"worth reading <{url}>")
    resp = slack.event(event)
    assert resp.status == 200 and resp.seconds < 3
    post = slack.fake.wait_for("chat.postMessage")[0]
    assert post.body["channel"] == "D0DM"
    assert post.body["thread_ts"] == event["ts"]
    assert "Envoys Meet at the Lake" in _blocks_text(post)
    with slack.services.db.session() as s:
        row = s.query(Article).filter_by(url=url).one()
        assert row.ingested_by == "U111" and row.origin == "url"


def test_shared_message_carries_the_link_in_its_attachment(
    slack: SlackHarness, article_site: ArticleSite
) -> None:
    url = article_site.add("/news/shared", "Envoys Meet at the Lake", ARTICLE_PARAGRAPHS)
    event = _dm(
        "",
        attachments=[
            {
                "is_share": True,
                "is_msg_unfurl": True,
                "from_url": "https://test.slack.com/archives/C1/p1700000000000100",
                "text": f"have a look <{url}|Envoys Meet>",
                "fallback": "[message] have a look",
            }
        ],
    )
    slack.event(event)
    post = slack.fake.wait_for("chat.postMessage")[0]
    assert "Added: Envoys Meet at the Lake" in _blocks_text(post)


def test_duplicate_ingest_says_when_it_was_indexed(
    slack: SlackHarness, article_site: ArticleSite
) -> None:
    url = article_site.add("/news/twice", "Envoys Meet at the Lake", ARTICLE_PARAGRAPHS)
    slack.command("/ingest", url, response="first")
    assert "Added" in _blocks_text(slack.fake.wait_for("response_url:first", timeout=60)[0])
    resp = slack.command("/ingest", url, response="second")
    assert resp.status == 200
    text = _blocks_text(slack.fake.wait_for("response_url:second")[0])
    assert f"already indexed on {time.strftime('%Y-%m-%d', time.gmtime())}" in text


def test_retried_delivery_neither_ingests_nor_posts_twice(
    slack: SlackHarness, article_site: ArticleSite
) -> None:
    url = article_site.add("/news/retry", "Envoys Meet at the Lake", ARTICLE_PARAGRAPHS, delay=1)
    event = _dm(f"<{url}>")
    first = slack.event(event, event_id="EvRETRY1")
    retry = slack.event(
        event,
        event_id="EvRETRY1",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert first.status == 200 and retry.status == 200
    slack.fake.wait_for("chat.postMessage")
    time.sleep(2)
    assert len(slack.fake.received("chat.postMessage")) == 1
    with slack.services.db.session() as s:
        assert s.query(Article).filter_by(url=url).count() == 1


def test_slow_ingest_is_acked_within_three_seconds(
    slack: SlackHarness, article_site: ArticleSite
) -> None:
    url = article_site.add("/news/slow", "Envoys Meet at the Lake", ARTICLE_PARAGRAPHS, delay=4)
    start = time.monotonic()
    resp = slack.command("/ingest", url)
    assert resp.status == 200
    assert resp.seconds < 3, resp.seconds
    assert "Adding it to the briefing" in resp.body
    call = slack.fake.wait_for("response_url:r1", timeout=60)[0]
    assert call.at - start >= 4  # the answer came after the slow fetch, not in the ack
    assert "Added: Envoys Meet at the Lake" in _blocks_text(call)


def test_message_without_article_gets_a_hint_not_an_ingest(slack: SlackHarness) -> None:
    slack.event(_dm("thanks!"))
    post = slack.fake.wait_for("chat.postMessage")[0]
    assert "Send me a link" in _blocks_text(post)
    with slack.services.db.session() as s:
        assert s.query(Article).count() == 5


def test_shortcut_on_message_without_article_answers_ephemerally(slack: SlackHarness) -> None:
    resp = slack.interaction(
        {
            "type": "message_action",
            "callback_id": "add_to_briefing",
            "trigger_id": "1.2.3",
            "user": {"id": "U111", "username": "analyst"},
            "channel": {"id": "C100", "name": "briefing"},
            "message": {"type": "message", "text": "see you tomorrow", "ts": "1700000000.000001"},
            "response_url": slack.fake.response_url("sc"),
        }
    )
    assert resp.status == 200
    assert "Send me a link" in _blocks_text(slack.fake.wait_for("response_url:sc")[0])


def test_shortcut_with_link_posts_confirmation_in_thread(
    slack: SlackHarness, article_site: ArticleSite
) -> None:
    url = article_site.add("/news/shortcut", "Envoys Meet at the Lake", ARTICLE_PARAGRAPHS)
    slack.interaction(
        {
            "type": "message_action",
            "callback_id": "add_to_briefing",
            "trigger_id": "1.2.3",
            "user": {"id": "U111", "username": "analyst"},
            "channel": {"id": "C100", "name": "briefing"},
            "message": {"type": "message", "text": f"<{url}>", "ts": "1700000000.000002"},
            "response_url": slack.fake.response_url("sc"),
        }
    )
    post = slack.fake.wait_for("chat.postMessage", timeout=60)[0]
    assert post.body["thread_ts"] == "1700000000.000002"
    assert "Envoys Meet at the Lake" in _blocks_text(post)


def test_mention_with_link_in_channel_ingests(
    slack: SlackHarness, article_site: ArticleSite
) -> None:
    url = article_site.add("/news/mention", "Envoys Meet at the Lake", ARTICLE_PARAGRAPHS)
    slack.event(
        {
            "type": "app_mention",
            "channel": "C100",
            "user": "U111",
            "text": f"<@UBOT> please add <{url}>",
            "ts": "1700000000.000003",
        }
    )
    post = slack.fake.wait_for("chat.postMessage", timeout=60)[0]
    assert post.body["channel"] == "C100" and post.body["thread_ts"] == "1700000000.000003"


def test_rate_limited_post_is_retried_after_retry_after(slack: SlackHarness) -> None:
    slack.fake.rate_limit_once("chat.postMessage", retry_after=1)
    slack.event(_dm("hello there"))
    calls = slack.fake.wait_for("chat.postMessage", count=2, timeout=15)
    assert calls[1].at - calls[0].at >= 1.0
    assert len(calls) == 2


def test_share_button_reposts_in_channel(slack: SlackHarness) -> None:
    resp = slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": "U111", "username": "analyst"},
            "channel": {"id": "C100", "name": "briefing"},
            "container": {"type": "message", "is_ephemeral": True},
            "trigger_id": "1.2.3",
            "response_url": slack.fake.response_url("share"),
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
    assert resp.status == 200
    call = slack.fake.wait_for("response_url:share")[0]
    assert call.body["response_type"] == "in_channel"
    text = _blocks_text(call)
    assert "Rex Tillerson" in text and "Shared by @analyst" in text
    assert "Share to channel" not in text


def test_large_answer_respects_block_kit_limits(slack: SlackHarness) -> None:
    evidence = "The delegation said <!channel> & <https://evil.example|click> " + "word " * 700
    with slack.services.db.session() as s:
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
            published=__import__("datetime").date(2019, 1, 1),
            date_basis="test",
            text="x",
            summary="x",
            gist="x",
            word_count=1,
            content_hash="h" * 64,
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
                    speaker=f"Speaker {i}",
                    speaker_office="Office",
                    topic="nuclear",
                    claim="c",
                    evidence=evidence,
                    kind="quote",
                    published=art.published,
                )
            )
    slack.command("/position", "nuclear by:us")
    calls = slack.fake.wait_for("response_url:r1")
    for call in calls:
        blocks = call.body["blocks"]
        assert len(blocks) <= 50
        for block in blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
                assert "<!channel>" not in block["text"]["text"]
                assert "<https://evil.example" not in block["text"]["text"]
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= 150
    text = _blocks_text(calls[0])
    assert "&lt;!channel&gt;" in text and "Show more" in text


def test_disallowed_channel_is_refused_politely(
    seeded_copy_url: str, fake_slack: FakeSlack
) -> None:
    settings = slack_settings(seeded_copy_url, fake_slack.api_url, allowed_channels=["C999"])
    harness = SlackHarness(settings, fake_slack)
    try:
        resp = harness.command("/position", "haqqani", channel="C100")
        assert resp.status == 200 and "don't answer in this channel" in resp.body
    finally:
        harness.stop()
