"""The console: read a command ("/position haqqani" or "position haqqani"), print the reply.

Goes through the same `dispatch` as Slack, so what works here works there. A /follow
alert due while the console is open is printed before the next prompt (and, at an
interactive prompt, by a background sweep), delivered once like any platform's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from bot.console.render import render as render_text
from bot.core.commands import registry
from bot.core.events import CommandEvent, Origin
from bot.core.inbound import Inbound
from bot.core.invocation import plain
from bot.core.reply import Reply, message
from bot.core.services import Services
from bot.discord.markup import is_chat_link as discord_link
from bot.slack.markup import is_chat_link as slack_link

PROMPT = "briefing> "
USER = "console"
ALERT_SWEEP_SECONDS = 30.0

log = logging.getLogger(__name__)


def answer(services: Services, line: str, *, user: str = USER) -> Reply:
    """The core's answer to one typed line (the line names its command)."""
    origin = Origin("console", user, None, direct=True, chat_link=_chat_link)
    event = CommandEvent(origin, "", plain(line))
    done = Inbound(services).answer(event)
    return done.reply if done is not None else message("")


def _chat_link(url: str) -> bool:
    """A link pasted from either chat into the terminal points into that chat, not at an
    article; each adapter knows its own (only their pure markup modules are imported)."""
    return slack_link(url) or discord_link(url)


def ask(services: Services, line: str, *, render: Callable[[Reply], str] = render_text) -> str:
    """One reply as text — or in another platform's format, when the caller passes its
    renderer (`python -m bot ask --json` passes Slack's Block Kit)."""
    return render(answer(services, line))


def completions(text: str) -> list[str]:
    """What may follow the typed text, from the command registry: a command name, then
    that command's options ("by:", "since:")."""
    head, _, rest = text.lstrip().partition(" ")
    if not _:
        word = head.lstrip("/").lower()
        return sorted(f"/{c.name}" for c in registry() if c.name.startswith(word))
    command = registry().get(head)
    if command is None:
        return []
    last = rest.split(" ")[-1] if rest else ""
    return [f"{o.name}:" for o in command.options if o.offered and o.name.startswith(last)]


def _enable_completion() -> None:
    """Tab-completion at an interactive prompt, where the platform has readline."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: no completion, nothing else lost
        return

    def complete(text: str, state: int) -> str | None:
        buffer = readline.get_line_buffer()
        options = completions(buffer)
        last = buffer.split(" ")[-1]
        matches = [o[len(last) - len(text) :] for o in options if o.startswith(last)]
        return matches[state] if state < len(matches) else None

    readline.set_completer_delims(" ")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")


def alert_sweep(services: Services, write: Callable[[str], None]) -> Callable[[], int]:
    """A function that prints the console user's due /follow alerts; returns how many."""
    from bot.console.poster import ConsolePoster
    from bot.scheduling.runner import DigestRunner

    runner = DigestRunner(services, ConsolePoster(write))

    def sweep() -> int:
        try:
            return runner.notify_followers()
        except Exception:  # an alert must never take the console down
            log.exception("console alerts failed")
            return 0

    return sweep


def repl(
    services: Services,
    *,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    lines: Iterable[str] | None = None,
    alerts: bool = True,
    sweep_seconds: float | None = None,
) -> None:
    write("US–Pakistan briefing console. /help for commands, /quit to leave.")
    source = iter(lines) if lines is not None else None
    sweep = alert_sweep(services, write) if alerts else None
    if source is None and read is input:
        _enable_completion()
    stop = threading.Event()
    # at an interactive prompt the user may sit idle: sweep in the background too
    every = sweep_seconds
    if every is None and source is None:
        every = ALERT_SWEEP_SECONDS
    if sweep is not None and every:

        def loop() -> None:
            while not stop.wait(every):
                sweep()

        threading.Thread(target=loop, name="console-alerts", daemon=True).start()
    try:
        while True:
            if sweep is not None:
                sweep()
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
            write(render_text(answer(services, stripped)))
            write("")
    finally:
        stop.set()
