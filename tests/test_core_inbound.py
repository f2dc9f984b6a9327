"""The core's one inbound handler, fed neutral events the way any adapter would: who may
ask where, what is answered privately, in the channel or in the thread, and the sentences
every platform shows alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.console.repl import completions
from bot.core.access import NOT_HERE
from bot.core.commands import registry
from bot.core.events import (
    DIRECT,
    MENTION,
    SHORTCUT,
    ButtonPress,
    CommandEvent,
    MessageEvent,
    Origin,
)
from bot.core.handlers.ingest import HINT
from bot.core.inbound import CHANNEL, FAILED, PRIVATE, THREAD, Answer, Inbound, Plan
from bot.core.invocation import Plain, parse, plain
from bot.core.reply import Buttons, Reply
from bot.core.services import Services
from bot.discord.commands import application_commands
from bot.discord.markup import is_chat_link as discord_link
from bot.discord.markup import plain as discord_plain
from bot.indexer.actors import load_directory
from bot.slack.markup import is_chat_link as slack_link
from bot.slack.markup import plain as slack_plain
from tests.core_ledger import add_article, core_services


@pytest.fixture
def services(tmp_path: Path) -> Services:
    sv = core_services(tmp_path / "i.db", allowed_channels=["C1"])
    for month in range(1, 6):
        add_article(
            sv.db,
            f"Statement {month}",
            dt.date(2018, month, 10),
            url=f"https://example.org/{month}",
            positions=[
                {"actor": "United States", "speaker": f"Envoy {month}", "evidence": f"US {month}."},
                {"actor": "Pakistan", "speaker": f"Minister {month}", "evidence": f"PK {month}."},
            ],
        )
    return sv


def origin(channel: str | None = "C1", *, direct: bool = False, **kw: object) -> Origin:
    return Origin("test", "U1", channel, direct=direct, **kw)  # type: ignore[arg-type]


def action_ids(reply: Reply) -> set[str]:
    return {a.id for b in reply.blocks if isinstance(b, Buttons) for a in b.actions}


def test_a_command_is_answered_privately(services: Services) -> None:
    core = Inbound(services)
    event = CommandEvent(origin(), "position", plain("haqqani by:pk"))
    assert core.admit(event).allowed
    answer = core.answer(event)
    assert answer is not None and answer.where == PRIVATE
    assert "Minister 5" in answer.reply.text and "Envoy 5" not in answer.reply.text
    assert "share" in action_ids(answer.reply)


def test_share_goes_to_the_channel_without_its_share_button(services: Services) -> None:
    core = Inbound(services)
    press = ButtonPress(origin(user_name="ann"), "share", plain("/position haqqani by:us"))
    plan = core.plan(press)
    assert plan.public
    answer = core.answer(press)
    assert answer is not None and answer.where == CHANNEL
    assert "Shared by @ann" in answer.reply.text and not answer.reply.ephemeral
    assert "share" not in action_ids(answer.reply)


def test_a_command_in_a_message_is_answered_in_its_thread(services: Services) -> None:
    core = Inbound(services)
    dm = MessageEvent(origin("D9", direct=True), DIRECT, (plain("/position haqqani"),))
    answer = core.answer(dm)
    assert answer is not None and answer.where == THREAD
    assert "Envoy 5" in answer.reply.text and "share" not in action_ids(answer.reply)


def test_small_talk_gets_a_hint_unless_deep_in_a_thread(services: Services) -> None:
    core = Inbound(services)
    thanks = (plain("thanks!"),)
    mention = core.answer(MessageEvent(origin(), MENTION, thanks, thread_reply=True))
    assert mention == Answer(mention.reply, THREAD) and mention.reply.text == HINT
    dm = core.answer(MessageEvent(origin("D9", direct=True), DIRECT, thanks))
    assert dm is not None and dm.reply.text == HINT
    reply = MessageEvent(origin("D9", direct=True), DIRECT, thanks, thread_reply=True)
    assert core.answer(reply) is None


def test_links_into_the_chat_are_not_articles_as_the_adapter_says(services: Services) -> None:
    core = Inbound(services)
    link = "https://chat.example/archives/C1/p1"
    own = origin(chat_link=lambda url: url.startswith("https://chat.example/"))
    plan = core.plan(MessageEvent(own, SHORTCUT, (Plain(f"see {link}", (link,)),)))
    assert plan.now is not None and plan.now.text == HINT  # answered at once: no work
    other = core.plan(MessageEvent(origin(), SHORTCUT, (Plain(f"see {link}", (link,)),)))
    assert other.now is None and other.lane == "ingest" and other.public


def test_the_gate_trusts_the_adapter_on_direct_messages(services: Services) -> None:
    core = Inbound(services)
    # a channel id that merely looks like a Slack DM is not one unless the adapter says so
    looks_direct = core.admit(CommandEvent(origin("D123"), "topics", plain("")))
    assert not looks_direct.allowed and looks_direct.reply == NOT_HERE
    assert core.admit(CommandEvent(origin("D123", direct=True), "topics", plain(""))).allowed
    mention = core.admit(MessageEvent(origin("C2"), MENTION, (plain("hi"),)))
    assert not mention.allowed and mention.reply is None  # silence: any answer is public


def test_a_failure_reaches_the_user_as_one_sentence_where_the_answer_would(
    services: Services,
) -> None:
    core = Inbound(services)
    delivered: list[Answer] = []

    def broken() -> Answer:
        raise RuntimeError("boom")

    core.perform(Plan(work=broken, what="test", fails_to=THREAD), delivered.append)
    assert [(a.reply.text, a.where) for a in delivered] == [(FAILED, THREAD)]


def test_actor_aliases_come_from_actors_yaml_for_chat_and_cli(services: Services) -> None:
    directory = load_directory(services.settings.actors_path)
    for typed, actor in [("pk", "Pakistan"), ("us", "United States"), ("pakistani", "Pakistan")]:
        assert services.actor(typed) == actor == directory.asked_for(typed)
    assert directory.state("pk") is None  # an alias for asking is never read in articles


def test_options_are_declared_once_and_everything_reads_them(services: Services) -> None:
    position = registry().get("position")
    assert position is not None
    declared = {o.name for o in position.options}
    assert declared <= registry().option_names()
    assert parse("/position x page:2").options == {"page": "2"}
    discord = next(c for c in application_commands() if c["name"] == "position")
    offered = {o.name for o in position.options if o.offered}
    assert {o["name"] for o in discord["options"]} == offered | {"topic"}
    assert {f"{name}:" for name in offered} == set(completions("/position haqqani "))
    assert "/position" in completions("/pos") and completions("/nonsense x") == []
    bad = Inbound(services).answer(CommandEvent(origin(), "position", plain("haqqani since:x")))
    assert bad is not None and "since:x is not a date" in bad.reply.text
    assert "Usage: /position" in bad.reply.text


def test_each_adapter_cleans_its_own_markup_before_the_core_parses() -> None:
    slack = parse(slack_plain("/briefing grant <@U0ABC|ann> <https://x.example/a&amp;b|x>"))
    assert slack.args == ("grant", "@ann", "https://x.example/a&b")
    assert slack.urls == ("https://x.example/a&b",)
    discord = parse(discord_plain("/briefing grant <@!500000000000000009> <https://x.example/a>"))
    assert discord.args == ("grant", "@500000000000000009", "https://x.example/a")
    # the core reads neither: Slack's markup reaches it as typed when no adapter cleaned it
    assert parse("/briefing grant <@U0ABC|ann>").args == ("grant", "<@U0ABC|ann>")
    assert slack_link("https://team.slack.com/archives/C1/p1") and not slack_link("https://a.org")
    assert discord_link("https://discord.com/channels/1/2/3") and not discord_link("https://a.org")
