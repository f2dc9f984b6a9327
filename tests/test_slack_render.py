"""Reply → Block Kit: escaping, and the limits Slack enforces (50 blocks, 3,000 characters a
section, 150 a header, 75 a button label)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.reply import Action, Buttons, Context, Divider, Header, Quote, Reply, Section, Span
from bot.slack.render import MAX_BLOCKS, to_message, to_messages

HOSTILE = "<!channel> <@U123> <https://evil.example|your bank> & &amp; > <"


def _check_limits(messages: list[dict]) -> None:  # type: ignore[type-arg]
    for msg in messages:
        assert len(msg["blocks"]) <= MAX_BLOCKS
        ids = [
            e["action_id"] for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]
        ]
        assert len(ids) == len(set(ids))
        for b in msg["blocks"]:
            if b["type"] == "section":
                assert 0 < len(b["text"]["text"]) <= 3000
            elif b["type"] == "header":
                assert len(b["text"]["text"]) <= 150
            elif b["type"] == "context":
                assert all(len(e["text"]) <= 3000 for e in b["elements"])
            elif b["type"] == "actions":
                for e in b["elements"]:
                    assert len(e["text"]["text"]) <= 75 and len(e["value"]) <= 2000


def _mrkdwn(messages: list[dict]) -> str:  # type: ignore[type-arg]
    return json.dumps(messages, ensure_ascii=False)


def test_article_text_cannot_ping_or_forge_links() -> None:
    reply = Reply(
        (
            Section((Span(HOSTILE),)),
            Quote(HOSTILE, HOSTILE, "2018", HOSTILE, "https://example.org/a?b=1&c=2"),
            Context(HOSTILE),
        )
    )
    out = _mrkdwn(to_messages(reply))
    assert "<!channel>" not in out and "<@U123>" not in out and "<https://evil" not in out
    assert "&lt;!channel&gt;" in out and "&amp;amp;" in out
    assert "<https://example.org/a?b=1&amp;c=2|" in out  # our own link, escaped properly
    assert all(
        t["verbatim"]
        for m in to_messages(reply)
        for b in m["blocks"]
        if b["type"] == "section"
        for t in [b["text"]]
    )


def test_only_http_links_become_links() -> None:
    out = _mrkdwn(to_messages(Reply((Section((Span("x", url="javascript:alert(1)"),)),))))
    assert "<javascript" not in out and "|x>" not in out


def test_big_answer_is_split_into_messages_within_limits() -> None:
    blocks = [Header("H" * 400)]
    for i in range(120):
        blocks += [Quote("word " * 900 + "&" * 700, f"Speaker {i}", "2018", "src", None), Divider()]
    blocks.append(Section((Span("x" * 10_000, bold=True),)))
    blocks.append(
        Buttons(
            (
                Action("more", "Show more " * 20, "/position x page:2"),
                Action("share", "Share", "/position x"),
            )
        )
    )
    messages = to_messages(Reply(tuple(blocks), summary="big"))
    assert len(messages) > 1
    _check_limits(messages)
    assert messages[-1]["blocks"][-1]["type"] == "actions"
    assert "continued" in messages[1]["text"]
    assert isinstance(to_message(Reply((Section.plain("small"),))), dict)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=4000), min_size=1, max_size=70))
def test_any_text_renders_within_limits(texts: list[str]) -> None:
    blocks = []
    for i, t in enumerate(texts):
        kind = i % 4
        blocks.append(
            [Section.plain(t), Quote(t, t[:50], None, t[:30], None), Context(t), Header(t)][kind]
        )
    _check_limits(to_messages(Reply(tuple(blocks))))
