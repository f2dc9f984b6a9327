"""The console as a Poster: what the scheduler would send unprompted (a /follow alert, a
digest) is printed where the console user is reading.

The console has one user and no channels, so every message — channel post, thread reply
or direct message — is the same printed text; ids are counters, enough for a thread to
refer to its first message.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

from bot.console.render import render
from bot.core.reply import Reply


class ConsolePoster:
    platform = "console"  # the value /follow stores for follows made in the console

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # a background sweep and the prompt share one screen

    def _print(self, text: str) -> str:
        with self._lock:
            self._write(text)
            self._write("")
            return f"console-{next(self._ids)}"

    def post(
        self, channel: str, reply: Reply, *, thread: str | None = None, key: object = None
    ) -> list[str]:
        return [self._print(render(reply))]

    def upload_png(self, channel: str, png: bytes, *, title: str, thread: str | None = None) -> str:
        return self._print(f"[image] {title}")

    def direct_message(self, user: str, reply: Reply) -> list[str]:
        return [self._print(render(reply))]
