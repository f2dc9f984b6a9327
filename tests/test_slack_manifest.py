"""The Slack manifest in config/ is what the command registry generates: a command added,
renamed or re-described in bot/core/handlers without regenerating the file fails here."""

from __future__ import annotations

import subprocess
import sys

import yaml

from bot.core.commands import registry
from bot.settings import ROOT
from bot.slack.manifest import SHORTCUT_ID, slack_manifest

MANIFEST = ROOT / "config" / "slack_manifest.yaml"
REGENERATE = "python -m bot manifest slack > config/slack_manifest.yaml"


def test_config_manifest_is_the_generated_one() -> None:
    assert MANIFEST.read_text(encoding="utf-8") == slack_manifest(), (
        f"config/slack_manifest.yaml is out of date; run `{REGENERATE}`"
    )


def test_every_command_is_in_the_manifest_with_its_declared_words() -> None:
    data = yaml.safe_load(slack_manifest())
    listed = {c["command"]: c for c in data["features"]["slash_commands"]}
    commands = registry().listed()
    assert list(listed) == [f"/{c.name}" for c in commands]
    for command in commands:
        entry = listed[f"/{command.name}"]
        assert entry["description"] == command.description
        assert len(entry["description"]) <= 100
        assert entry.get("usage_hint", "") == command.usage_hint
        for option in command.options:
            if option.offered:
                assert f"{option.name}:" in entry["usage_hint"]
    [shortcut] = data["features"]["shortcuts"]
    assert shortcut["callback_id"] == SHORTCUT_ID  # the id bot/slack/listeners.py routes


def test_the_cli_prints_the_same_manifests() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "manifest", "slack"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert out == slack_manifest()
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "manifest", "teams"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "slack or discord" in bad.stderr
