"""The console: read a command ("/position haqqani" or "position haqqani"), print the reply.

Goes through the same `dispatch` as Slack, so what works here works there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from bot.console.render import render
from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.core.reply import Reply
from bot.core.services import Services

PROMPT = "briefing> "
USER = "console"


def answer(services: Services, line: str, *, user: str = USER) -> Reply:
    ctx = Ctx(services, user=user, channel=None, platform="console")
    return dispatch(ctx, parse(line, user=user))


def ask(services: Services, line: str, *, as_json: bool = False) -> str:
    """One reply as text, or as the Block Kit a Slack user would receive."""
    reply = answer(services, line)
    if not as_json:
        return render(reply)
    from bot.slack.render import to_message  # Block Kit lives in the Slack adapter only

    return json.dumps(to_message(reply), ensure_ascii=False, indent=2)


def repl(
    services: Services,
    *,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    lines: Iterable[str] | None = None,
) -> None:
    write("US–Pakistan briefing console. /help for commands, /quit to leave.")
    source = iter(lines) if lines is not None else None
    while True:
        try:
            line = next(source) if source is not None else read(PROMPT)
        except (EOFError, KeyboardInterrupt, StopIteration):
            write("")
            return
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.lstrip("/").lower() in {"quit", "exit", "q"}:
            return
        write(render(answer(services, stripped)))
        write("")
