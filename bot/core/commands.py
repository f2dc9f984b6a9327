"""The command registry and the one dispatch every platform calls.

A handler is a plain function (ctx, invocation) → Reply; registering it is what makes a
command exist — `/help`, the console's completion and the Slack manifest check all read
this registry, so a command cannot be added without its usage and example.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.invocation import Invocation
from bot.core.reply import Reply, message
from bot.core.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ctx:
    services: Services
    # The platform's name for the asker, used for permissions and `ingested_by`.
    user: str | None = None
    channel: str | None = None
    platform: str = "console"


Handler = Callable[[Ctx, Invocation], Reply]


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    usage: str
    example: str
    handler: Handler
    aliases: tuple[str, ...] = ()


class Registry:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._names: dict[str, str] = {}

    def command(
        self, name: str, *, summary: str, usage: str, example: str, aliases: tuple[str, ...] = ()
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._commands[name] = Command(name, summary, usage, example, handler, aliases)
            for n in (name, *aliases):
                self._names[n] = name
            return handler

        return register

    def get(self, name: str) -> Command | None:
        key = self._names.get(name.lower().lstrip("/"))
        return self._commands[key] if key else None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._commands.values())

    def names(self) -> list[str]:
        return list(self._commands)


REGISTRY = Registry()


def usage_reply(command: Command, *problems: str) -> Reply:
    lines = [*problems, f"Usage: {command.usage}", f"Example: {command.example}"]
    return message("\n".join(lines), tags=frozenset({"usage"}))


def dispatch(ctx: Ctx, invocation: Invocation) -> Reply:
    """Run a command; every failure becomes a short sentence for the user, never a trace."""
    _load_handlers()
    command = REGISTRY.get(invocation.command) if invocation.command else None
    if command is None:
        name = invocation.command or invocation.text[:40]
        return message(
            f"I don't know the command “{name}”. Try /help for the list.",
            tags=frozenset({"usage"}),
        )
    try:
        return command.handler(ctx, invocation)
    except Exception:
        log.exception("command %s failed", command.name)
        return message(
            f"Sorry — /{command.name} failed on my side. The error is logged; "
            "please try again in a minute.",
            tags=frozenset({"error"}),
        )


def _load_handlers() -> None:
    """Import the handler modules so their @REGISTRY.command decorators run."""
    from bot.core import handlers  # noqa: F401
