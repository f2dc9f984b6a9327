"""The Slack app manifest, generated from the command registry.

`config/slack_manifest.yaml` is this module's output (`python -m bot manifest slack`), and
a test fails when the two differ — so a command added to the core cannot be missing from
Slack's list, and its description and hint are the ones the registry declares.
"""

from __future__ import annotations

import json

import yaml

from bot.core.commands import Command, registry

BASE_URL = "https://briefing.example.org"
SHORTCUT_ID = "add_to_briefing"
SHORTCUT_NAME = "Add to briefing"

_HEAD = """\
# Slack app manifest for the US–Pakistan briefing bot.
# Generated from the command registry by `python -m bot manifest slack` (bot/slack/manifest.py);
# edit the commands in bot/core/handlers, not here: tests/test_slack_manifest.py fails when
# this file and the registry differ.
# Create the app in one step: https://api.slack.com/apps → Create New App → From a manifest,
# paste this file, then replace {base} with the bot's public address
# (HTTP mode), or turn socket_mode_enabled on and drop the request URLs (Socket Mode).
display_information:
  name: US-Pakistan Briefing
  description: What each side says, who said it, when, and where to read it.
  background_color: "#1d3b53"
features:
  app_home:
    home_tab_enabled: false
    messages_tab_enabled: true
    messages_tab_read_only_enabled: false
  bot_user:
    display_name: briefing
    always_online: true
  slash_commands:
"""

_TAIL = """\
  shortcuts:
    - name: {shortcut_name}
      type: message
      callback_id: {shortcut_id}
      description: Index the article linked or pasted in this message
oauth_config:
  scopes:
    bot:
      - commands
      - chat:write
      - files:write
      # conversations.history/replies: before re-posting a digest part after a timeout,
      # the poster looks for it (message metadata) so a part is never posted twice
      - channels:history
      - groups:history
      - app_mentions:read
      - im:history
      - im:read
      - im:write
settings:
  event_subscriptions:
    request_url: {base}/slack/events
    bot_events:
      - app_mention
      - message.im
  interactivity:
    is_enabled: true
    request_url: {base}/slack/events
  org_deploy_enabled: false
  socket_mode_enabled: false
  token_rotation_enabled: false
"""


def _scalar(text: str) -> str:
    """A YAML scalar: bare when it reads back as the same string, else double-quoted."""
    try:
        bare_ok = yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        bare_ok = False
    return (
        text
        if bare_ok and not text.startswith(("[", "<", "{"))
        else json.dumps(text, ensure_ascii=False)
    )


def _slash_command(command: Command, base: str) -> str:
    lines = [
        f"    - command: /{command.name}",
        f"      url: {base}/slack/events",
        f"      description: {_scalar(command.description)}",
    ]
    if command.usage_hint:
        lines.append(f"      usage_hint: {json.dumps(command.usage_hint, ensure_ascii=False)}")
    lines.append("      should_escape: false")
    return "\n".join(lines) + "\n"


def slack_manifest(base: str = BASE_URL) -> str:
    """The whole manifest as YAML text: every registered command, the message shortcut."""
    commands = "".join(_slash_command(c, base) for c in registry().listed())
    tail = _TAIL.format(base=base, shortcut_id=SHORTCUT_ID, shortcut_name=SHORTCUT_NAME)
    return _HEAD.format(base=base) + commands + tail
