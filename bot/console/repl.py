"""The console: read a command ("/position haqqani" or "position haqqani"), print the reply.

Goes through the same `dispatch` as Slack, so what works here works there. A /follow
alert due while the console is open is printed before the next prompt (and, at an
interactive prompt, by a background sweep), delivered once like any platform's.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable

from bot.console.render import render
from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.core.reply import Reply
from bot.core.services import Services

PROMPT = "briefing> "
USER = "console"
ALERT_SWEEP_SECONDS = 30.0

log = logging.getLogger(__name__)


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
            write(render(answer(services, stripped)))
            write("")
    finally:
        stop.set()
