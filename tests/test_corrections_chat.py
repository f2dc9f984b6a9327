"""The Correct button and /correct on each platform: Slack (signed requests to a real Bolt
app, answers caught by the fake Web API), Discord (Ed25519-signed interactions, the fake
Discord API) and the console. Nothing of ours is patched."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from sqlalchemy import func, select

from bot.console.repl import answer
from bot.core.services import Services
from bot.discord import render
from storage.models import Correction, Position
from tests.conftest import build_settings
from tests.fake_discord import *  # noqa: F403
from tests.fake_discord import DiscordHarness, embed_text
from tests.fake_slack import Call
from tests.slack_fixtures import *  # noqa: F403
from tests.slack_fixtures import SlackHarness, slack_settings

TILLERSON = "Tillerson emphasised on the need for Pakistan to deal with the Haqqani Network"


def statement_of(services: Services, words: str) -> int:
    with services.db.session() as s:
        found = s.scalars(
            select(Position.statement_id).where(Position.evidence.contains(words)).limit(1)
        ).first()
    assert found is not None
    return found


def actor_of(services: Services, words: str) -> set[str]:
    with services.db.session() as s:
        return set(s.scalars(select(Position.actor).where(Position.evidence.contains(words))))


def corrections(services: Services) -> list[tuple[str, str | None, str | None, str]]:
    with services.db.session() as s:
        rows = s.scalars(select(Correction).order_by(Correction.id)).all()
        return [(c.kind, c.value, c.created_by, c.platform) for c in rows]


# ------------------------------------------------------------------ Slack


def _buttons(call: Call) -> list[dict[str, Any]]:
    return [
        e for b in call.body.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]
    ]


def _press(slack: SlackHarness, button: dict[str, Any], response: str, trigger: str) -> None:
    resp = slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": "U111", "username": "analyst"},
            "channel": {"id": "C100", "name": "briefing"},
            "container": {"type": "message", "is_ephemeral": True},
            "trigger_id": trigger,
            "response_url": slack.fake.response_url(response),
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": "b1",
                    "value": button["value"],
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
    )
    assert resp.status == 200 and resp.seconds < 3


def test_slack_correct_button_opens_the_choice_and_a_choice_corrects(slack: SlackHarness) -> None:
    sid = statement_of(slack.services, TILLERSON)
    slack.command("/position", "haqqani")
    listing = slack.fake.wait_for("response_url:r1")[0]
    assert re.search(rf"· #{sid}\b", json.dumps(listing.body["blocks"], ensure_ascii=False))
    button = next(b for b in _buttons(listing) if b["value"] == f"/correct {sid}")
    assert button["action_id"].startswith("briefing_correct_")
    assert button["text"]["text"] == f"Correct #{sid}"

    _press(slack, button, "choice", "10.1.1")
    choice = slack.fake.wait_for("response_url:choice")[0]
    assert f"Correct statement #{sid}" in json.dumps(choice.body, ensure_ascii=False)
    state = next(b for b in _buttons(choice) if b["text"]["text"] == "State: Pakistan")
    assert corrections(slack.services) == []  # opening the choice changes nothing

    _press(slack, state, "done", "10.1.2")
    done = slack.fake.wait_for("response_url:done")[0]
    assert "Correction #1 recorded" in json.dumps(done.body, ensure_ascii=False)
    assert corrections(slack.services) == [("state", "Pakistan", "U111", "slack")]
    assert actor_of(slack.services, TILLERSON) == {"Pakistan"}
    undo = next(b for b in _buttons(done) if b["text"]["text"] == "Undo")

    slack.command("/position", "haqqani by:us", response="after")
    assert TILLERSON not in json.dumps(
        slack.fake.wait_for("response_url:after")[0].body, ensure_ascii=False
    )
    _press(slack, undo, "undone", "10.1.3")
    assert "undone" in json.dumps(slack.fake.wait_for("response_url:undone")[0].body)
    assert actor_of(slack.services, TILLERSON) == {"United States"}


def test_slack_slash_correct_refuses_a_user_who_may_not(
    seeded_copy_url: str, fake_slack: Any
) -> None:
    harness = SlackHarness(
        slack_settings(seeded_copy_url, fake_slack.api_url, ingest_allowed_users=["U999"]),
        fake_slack,
    )
    try:
        sid = statement_of(harness.services, TILLERSON)
        harness.command("/correct", f"{sid} not-stance")
        body = json.dumps(harness.fake.wait_for("response_url:r1")[0].body)
        assert "not on the list of people who may correct" in body
        assert corrections(harness.services) == []
    finally:
        harness.stop()


# ------------------------------------------------------------------ Discord


def _components(call: Any) -> list[dict[str, Any]]:
    return [b for row in call.body.get("components") or [] for b in row["components"]]


def test_discord_correct_button_and_slash_command(discord: DiscordHarness) -> None:
    sid = statement_of(discord.services, TILLERSON)
    discord.command("position", {"topic": "haqqani"}, token="p1")
    calls = discord.answers("p1")
    buttons = _components(calls[-1])
    button = next(
        b
        for b in buttons
        if render.decode_custom_id(b["custom_id"]) == ("correct", f"/correct {sid}")
    )
    assert button["label"] == f"Correct #{sid}"

    resp = discord.button(button["custom_id"], token="c1")
    assert resp.status == 200 and resp.seconds < 3
    choice = discord.answers("c1")[0]
    assert f"Correct statement #{sid}" in embed_text(choice)
    hide = next(b for b in _components(choice) if b["label"] == "Not a stance")

    discord.button(hide["custom_id"], token="c2")
    assert "Correction #1 recorded" in embed_text(discord.answers("c2")[0])
    assert corrections(discord.services) == [("not-stance", None, "500000000000000001", "discord")]
    assert actor_of(discord.services, TILLERSON) == set()  # hidden: no row shows it

    discord.command("correct", {"text": "undo 1"}, token="u1")
    assert "undone" in embed_text(discord.answers("u1")[0])
    assert actor_of(discord.services, TILLERSON) == {"United States"}

    discord.command("correct", {"text": f'{sid} speaker:"Jane Doe"'}, token="s1")
    assert "speaker → Jane Doe" in embed_text(discord.answers("s1")[0])


def test_discord_registers_correct_from_the_registry() -> None:
    from bot.discord.commands import application_commands

    entry = next(c for c in application_commands() if c["name"] == "correct")
    assert entry["options"][0]["name"] == "text" and entry["options"][0]["required"]


# ------------------------------------------------------------------ console


def test_console_correct_and_undo(seeded_copy_url: str) -> None:
    services = Services.build(build_settings(seeded_copy_url))
    try:
        sid = statement_of(services, TILLERSON)
        reply = answer(services, f"/correct {sid} state:pakistan")
        assert "Correction #1 recorded" in reply.text
        assert actor_of(services, TILLERSON) == {"Pakistan"}
        assert "undone" in answer(services, "/correct undo 1").text
        with services.db.session() as s:
            assert s.scalar(select(func.count()).select_from(Correction)) == 1
    finally:
        services.close()


def test_manifest_declares_correct() -> None:
    import yaml

    from bot.settings import ROOT

    manifest = yaml.safe_load((ROOT / "config" / "slack_manifest.yaml").read_text())
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert "/correct" in commands
    assert len(commands["/correct"]["description"]) <= 100
