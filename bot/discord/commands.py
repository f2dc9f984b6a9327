"""The application commands Discord shows, built from the core registry, and the way back:
an application command's options → the text the Slack command would carry.

Built from REGISTRY, so a command added to the core appears in Discord at the next
`python -m bot discord-register` without touching this module. A command that declares
its options (bot.core.commands: `argument=`, `options=`) gets one Discord option per
declared one — the by:/since:/until: syntax is the one users cannot guess, and Discord can
prompt for each; any other command takes one free-form "text" option, exactly the Slack
command's text, so the core parses the same line on both platforms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.core.commands import Command, registry

CHAT_INPUT = 1
MESSAGE = 3
STRING = 3
ADD_TO_BRIEFING = "Add to briefing"
MAX_DESCRIPTION = 100
MAX_OPTION_VALUE = 6000
TEXT = "text"


@dataclass(frozen=True)
class Option:
    name: str
    description: str
    required: bool = False
    positional: bool = False  # its value is the command's words, not a key:value option


def structured(command: Command) -> tuple[Option, ...]:
    """The Discord options of a command that declares `key:value` options: its words
    first (when it takes any), then one per option; () for a free-form command."""
    if not command.options:
        return ()
    words = command.argument
    head = (Option(words.name, words.help, words.required, positional=True),) if words else ()
    return head + tuple(Option(o.name, o.help) for o in command.options if o.offered)


def _short(text: str, limit: int = MAX_DESCRIPTION) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _text_option(command: Command) -> dict[str, Any] | None:
    """The free-form option, described by the command's usage; None for commands that
    take nothing ("/help"). Required when the usage starts with a mandatory <argument>."""
    rest = command.usage.strip()
    rest = re.sub(rf"^/{re.escape(command.name)}\b", "", rest).strip()
    if not rest:
        return None
    return {
        "type": STRING,
        "name": TEXT,
        "description": _short(rest) or "what to ask",
        "required": rest.startswith("<"),
        "max_length": MAX_OPTION_VALUE,
    }


def _options(command: Command) -> list[dict[str, Any]]:
    declared = structured(command)
    if declared:
        options = [
            {
                "type": STRING,
                "name": o.name,
                "description": _short(o.description),
                "required": o.required,
            }
            for o in declared
        ]
        # Discord requires the required options first
        return sorted(options, key=lambda o: not o["required"])
    text = _text_option(command)
    return [text] if text else []


def application_commands(commands: Iterable[Command] | None = None) -> list[dict[str, Any]]:
    """The payload for a bulk overwrite: every registered command, then the message menu."""
    if commands is None:
        commands = registry().listed()
    payload: list[dict[str, Any]] = []
    for command in commands:
        entry: dict[str, Any] = {
            "type": CHAT_INPUT,
            "name": command.name,
            "description": _short(command.description),
        }
        options = _options(command)
        if options:
            entry["options"] = options
        payload.append(entry)
    payload.append({"type": MESSAGE, "name": ADD_TO_BRIEFING})
    return payload


def _word(value: str) -> str:
    value = " ".join(value.split())
    return f'"{value.replace(chr(34), "")}"' if (" " in value or not value) else value


def options_text(command: str, options: list[dict[str, Any]] | None) -> str:
    """The line a Slack user would have typed after the command, from Discord's options.

    Positional values come first, then key:value options quoted when they hold spaces;
    an option this code does not know (a registration older than the code) is treated as
    words rather than dropped.
    """
    found = registry().get(command)
    known = {o.name: o for o in (structured(found) if found else ())}
    words: list[str] = []
    keyed: list[str] = []
    for option in options or []:
        value = option.get("value")
        if value is None:
            continue
        value = str(value)
        name = str(option.get("name", ""))
        spec = known.get(name)
        if spec is not None and not spec.positional:
            if value.strip():
                keyed.append(f"{name}:{_word(value)}")
        else:
            words.append(value.strip())
    return " ".join(p for p in (*words, *keyed) if p)
