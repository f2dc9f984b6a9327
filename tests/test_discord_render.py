"""The Discord adapter's pure parts: signature checks, Reply → embeds within every limit
with nothing lost and nothing live, button ids, and the application-command payload."""

from __future__ import annotations

import re
import time

import pytest
from nacl.signing import SigningKey

from bot.core.commands import REGISTRY
from bot.core.invocation import parse
from bot.core.reply import Action, Buttons, Context, Divider, Header, Quote, Reply, Section, Span
from bot.discord import render
from bot.discord.commands import application_commands, options_text
from bot.discord.verify import Verifier

# ---------------------------------------------------------------------- verification


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


def _sig(key: SigningKey, ts: str, body: bytes) -> str:
    return key.sign(ts.encode() + body).signature.hex()


def test_verifier_accepts_only_a_fresh_correct_signature(key: SigningKey) -> None:
    now = 1_700_000_000.0
    verifier = Verifier(key.verify_key.encode().hex(), clock=lambda: now)
    ts, body = str(int(now)), b'{"type":1}'
    assert verifier.verify(_sig(key, ts, body), ts, body)
    assert not verifier.verify(_sig(key, ts, body), ts, body + b" ")  # body changed
    assert not verifier.verify(_sig(SigningKey.generate(), ts, body), ts, body)  # wrong key
    assert not verifier.verify("not hex", ts, body)
    assert not verifier.verify("ab" * 10, ts, body)  # wrong length
    assert not verifier.verify(None, ts, body)
    assert not verifier.verify(_sig(key, ts, body), None, body)
    stale = str(int(now) - 301)
    assert not verifier.verify(_sig(key, stale, body), stale, body)
    future = str(int(now) + 301)
    assert not verifier.verify(_sig(key, future, body), future, body)


def test_a_malformed_public_key_fails_at_start_up() -> None:
    with pytest.raises(ValueError):
        Verifier("not-a-key")


# ---------------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    "raw, forbidden",
    [
        ("ping @everyone now", "@everyone"),
        ("and @HERE too", "@HERE"),
        ("<@123456789>", "<@123456789>"),
        ("<@&42> role", "<@&42>"),
        ("<#555> channel", "<#555>"),
        ("[click](https://evil.example)", "[click]("),
        ("**bold** __u__ ~~s~~ `code` ||spoiler||", "**bold**"),
        ("# Heading", "# Heading"),
        ("> quote", "> quote"),
        ("-# subtext", "-# subtext"),
    ],
)
def test_escape_neutralises_markdown_and_mentions(raw: str, forbidden: str) -> None:
    escaped = render.escape(raw)
    assert not re.search(r"(?<!\\)" + re.escape(forbidden), escaped)  # only escaped forms
    assert re.sub(r"\\(.)", r"\1", escaped).replace("\u200b", "") == raw  # nothing lost


def test_links_only_for_plain_http_urls() -> None:
    assert render.link("https://example.com/a_(b)", "Title [1]") == (
        "[Title \\[1\\]](https://example.com/a_%28b%29)"
    )
    assert render.link("javascript:alert(1)", "x") == "x"


# ---------------------------------------------------------------------- limits


def _huge_reply() -> Reply:
    blocks: list = [Header("H " * 300)]
    for i in range(30):
        blocks.append(Section((Span(f"Group {i} ", bold=True), Span("text " * 300))))
        blocks.append(Quote(f"q{i} " + "evidence " * 400, f"Speaker {i} (Pakistan)", "2019-01"))
        blocks.append(Context(f"ctx {i} " * 50))
        blocks.append(Divider())
    blocks.append(Section.plain("x" * 9000))  # one monster word
    blocks.append(Buttons(tuple(Action("run", f"B{i} " * 40, f"/search {i}") for i in range(30))))
    return Reply(tuple(blocks), summary="huge")


def test_huge_reply_splits_into_messages_within_every_limit() -> None:
    messages = render.to_messages(_huge_reply())
    assert len(messages) > 5
    for msg in messages:
        assert msg["allowed_mentions"] == {"parse": []}
        assert 1 <= len(msg["embeds"]) <= render.MAX_EMBEDS
        total = 0
        for embed in msg["embeds"]:
            assert render.size(embed.get("title", "")) <= render.MAX_TITLE
            assert 0 < render.size(embed.get("description", "x")) <= render.MAX_DESCRIPTION
            total += render.size(embed.get("title", "")) + render.size(embed.get("description", ""))
        assert total <= render.MAX_TOTAL
    assert all("components" not in m for m in messages[:-1])
    rows = messages[-1]["components"]
    assert len(rows) == 5 and all(len(r["components"]) == 5 for r in rows)


def test_nothing_is_lost_when_splitting() -> None:
    messages = render.to_messages(_huge_reply())
    text = "".join(e.get("description", "") for m in messages for e in m["embeds"])
    for i in range(30):
        assert f"Group {i}" in text and f"q{i} " in text and f"Speaker {i}" in text
    assert text.count("evidence") == 30 * 400
    assert text.count("x") >= 9000


def test_sizes_count_utf16_units() -> None:
    reply = Reply((Section.plain("😀" * 5000),))
    for msg in render.to_messages(reply):
        for embed in msg["embeds"]:
            assert len(embed["description"].encode("utf-16-le")) // 2 <= render.MAX_DESCRIPTION


def test_order_of_blocks_is_kept() -> None:
    reply = Reply(
        (
            Header("Title"),
            Context("small"),
            Section.plain("first"),
            Quote("said", "Someone (Pakistan)"),
            Divider(),
            Section.plain("second"),
        )
    )
    (msg,) = render.to_messages(reply)
    (embed,) = msg["embeds"]
    assert embed["title"] == "Title"
    assert embed["description"] == "*small*\nfirst\n> “said”\n— **Someone (Pakistan)**\n\nsecond"


# ---------------------------------------------------------------------- buttons


def test_custom_ids_carry_the_command_line_or_a_digest() -> None:
    short = render.custom_id(Action("more", "Show more", "/position haqqani page:2"), 0)
    assert render.decode_custom_id(short) == ("more", "/position haqqani page:2")
    line = "/search " + "word " * 40
    long = render.custom_id(Action("share", "Share", line), 3)
    assert len(long) <= render.MAX_CUSTOM_ID
    assert render.decode_custom_id(long) == ("share", line)
    assert render.decode_custom_id("someone-elses-button") is None


# ---------------------------------------------------------------------- commands


def test_every_registered_command_is_offered_within_discords_rules() -> None:
    payload = application_commands()
    names = [c["name"] for c in payload]
    assert len(names) == len(set(names))
    assert set(REGISTRY.names()) <= set(names)
    for command in payload:
        if command["type"] == 1:
            assert re.fullmatch(r"[-_a-z0-9]{1,32}", command["name"])
            assert 1 <= len(command["description"]) <= 100
            for option in command.get("options", []):
                assert 1 <= len(option["description"]) <= 100
                assert re.fullmatch(r"[-_a-z0-9]{1,32}", option["name"])
            required = [o["required"] for o in command.get("options", [])]
            assert required == sorted(required, reverse=True)  # required ones first
    assert {"type": 3, "name": "Add to briefing"} in payload
    help_ = next(c for c in payload if c["name"] == "help")
    assert "options" not in help_


def test_options_become_the_line_a_slack_user_would_type() -> None:
    options = [
        {"name": "since", "type": 3, "value": "2017-10"},
        {"name": "topic", "type": 3, "value": "haqqani network"},
        {"name": "by", "type": 3, "value": "united states"},
    ]
    line = options_text("position", options)
    discord = parse(line, command="position")
    slack = parse('haqqani network by:"united states" since:2017-10', command="position")
    assert (discord.args, dict(discord.options)) == (slack.args, dict(slack.options))
    assert options_text("search", [{"name": "text", "type": 3, "value": " trust deficit "}]) == (
        "trust deficit"
    )
    assert options_text("help", None) == ""


def test_fresh_clock_default_is_wall_time(key: SigningKey) -> None:
    verifier = Verifier(key.verify_key.encode().hex())
    ts, body = str(int(time.time())), b"{}"
    assert verifier.verify(_sig(key, ts, body), ts, body)
