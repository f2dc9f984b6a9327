"""The command registry and the one dispatch every platform calls.

A handler is a plain function (ctx, invocation) → Reply; registering it is what makes a
command exist. Its words and options are declared here, once, on the command (as errbot's
`@arg_botcmd` does): the parser's option keys, each option's checks, `/help`, the console's
completion, the Slack manifest (bot.slack.manifest) and Discord's application commands
(bot.discord.commands) are all read from this registry, so none of them can drift.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from types import MappingProxyType

from bot.core.invocation import Invocation, parse_date
from bot.core.reply import Reply, message
from bot.core.services import Services

log = logging.getLogger(__name__)

# What an option's value is; each kind is checked and converted before the handler runs.
TEXT, DATE, ACTOR, INT, CHOICE = "text", "date", "actor", "int", "choice"


@dataclass(frozen=True)
class Ctx:
    services: Services
    # The platform's name for the asker, used for permissions and `ingested_by`.
    user: str | None = None
    channel: str | None = None
    platform: str = "console"
    # Decided by the adapter: a link that points back into the chat itself (a message
    # permalink), which is never an article. The core knows no chat host.
    chat_link: Callable[[str], bool] = lambda url: False


Handler = Callable[[Ctx, Invocation], Reply]


@dataclass(frozen=True)
class Option:
    """A `key:value` option a command takes. `kind` says how the value is checked and what
    the handler receives in `Invocation.values`: a date (`end` for the last day of a
    partial one), an actor name from config/actors.yaml, an int in [low, high], one of
    `choices`, or the text itself."""

    name: str
    help: str
    kind: str = TEXT
    end: bool = False
    low: int = 1
    high: int = 1000
    choices: tuple[str, ...] = ()
    not_before: str | None = None  # another date option this one may not precede
    # Offered in the platforms' menus and hints; page: is written by "Show more" buttons.
    offered: bool = True


@dataclass(frozen=True)
class Argument:
    """The command's positional words, as one phrase ("haqqani network")."""

    name: str
    help: str
    required: bool = False


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    usage: str
    example: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    argument: Argument | None = None
    options: tuple[Option, ...] = ()
    # One line for platform menus (Slack's and Discord's command lists cap descriptions);
    # the summary when not given.
    short: str | None = None
    # What a platform shows after the command name while typing; the usage's tail when
    # not given.
    hint: str | None = None
    rank: int = 100  # place in /help and the platforms' menus; ties keep registration order
    # reads the ledger and nothing of this process's own state (its schedulers, its
    # indexer, an injected clock): may be answered by an answer worker process
    reads_only: bool = False

    @property
    def description(self) -> str:
        return self.short or self.summary

    @property
    def usage_hint(self) -> str:
        if self.hint is not None:
            return self.hint
        head = f"/{self.name}"
        usage = self.usage.strip()
        return usage[len(head) :].strip() if usage.startswith(head) else usage

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


class Registry:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._names: dict[str, str] = {}

    def command(
        self,
        name: str,
        *,
        summary: str,
        usage: str,
        example: str,
        aliases: tuple[str, ...] = (),
        argument: Argument | None = None,
        options: tuple[Option, ...] = (),
        short: str | None = None,
        hint: str | None = None,
        rank: int = 100,
        reads_only: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._commands[name] = Command(
                name,
                summary,
                usage,
                example,
                handler,
                aliases,
                argument=argument,
                options=options,
                short=short,
                hint=hint,
                rank=rank,
                reads_only=reads_only,
            )
            for n in (name, *aliases):
                self._names[n] = name
            return handler

        return register

    def get(self, name: str) -> Command | None:
        key = self._names.get(name.lower().lstrip("/"))
        return self._commands[key] if key else None

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def listed(self) -> list[Command]:
        """Every command in menu order: the everyday ones first."""
        return sorted(self, key=lambda c: c.rank)

    def names(self) -> list[str]:
        return list(self._commands)

    def option_names(self) -> frozenset[str]:
        """Every option key some command declares: what the parser reads as `key:value`."""
        return frozenset(o.name for c in self for o in c.options)


REGISTRY = Registry()


def registry() -> Registry:
    """The registry with every handler module imported (so every command is in it)."""
    _load_handlers()
    return REGISTRY


def usage_reply(command: Command, *problems: str) -> Reply:
    lines = [*problems, f"Usage: {command.usage}", f"Example: {command.example}"]
    return message("\n".join(lines), tags=frozenset({"usage"}))


def read_options(
    command: Command, invocation: Invocation, services: Services
) -> tuple[dict[str, object], list[str]]:
    """The command's declared options checked and converted by kind; what could not be
    read becomes a problem sentence. Options the command does not declare are ignored."""
    values: dict[str, object] = {}
    problems: list[str] = []
    today: dt.date | None = None
    for option in command.options:
        if option.name not in invocation.options:
            continue
        raw = invocation.options[option.name]
        value: object | None
        if option.kind == DATE:
            today = today or services.clock().date()
            value = parse_date(raw, end=option.end, today=today)
            problem = f"{option.name}:{raw} is not a date"
        elif option.kind == ACTOR:
            value = services.actor(raw)
            known = ", ".join(services.taxonomy.actors)
            problem = f"I don't know the actor “{raw}” (known: {known})"
        elif option.kind == INT:
            ok = raw.isdigit() and option.low <= int(raw) <= option.high
            value = int(raw) if ok else None
            problem = f"{option.name}:{raw} is not a {option.name} number"
        elif option.kind == CHOICE:
            value = raw.lower() if raw.lower() in option.choices else None
            problem = f"{option.name}:{raw} is not one of {', '.join(option.choices)}"
        else:
            value, problem = raw, ""
        if value is None:
            problems.append(problem)
        else:
            values[option.name] = value
    for option in command.options:
        first = values.get(option.not_before or "")
        last = values.get(option.name)
        if isinstance(first, dt.date) and isinstance(last, dt.date) and first > last:
            problems.append(f"{option.not_before}: is after {option.name}:")
    return values, problems


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
        values, problems = read_options(command, invocation, ctx.services)
        invocation = replace(
            invocation,
            values=MappingProxyType(values),
            problems=(*problems, *invocation.problems),
        )
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
