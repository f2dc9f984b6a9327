"""The one inbound check every chat event passes: where, who, and whether it was seen.

Each adapter used to check ALLOWED_CHANNELS in some listeners and not others — a message
shortcut in a disallowed channel ingested and posted there, the Share button answered
there. Now every adapter translates its payloads into neutral events (bot.core.events)
and the core's inbound handler asks `Gate.check` — the same rules for every kind on every
platform:

1. a channel not in ALLOWED_CHANNELS is refused (direct messages — the adapter says which
   are — are always answered: nobody else sees them); a mention there is ignored, since
   any answer would be public;
2. a request replayed within the signature window (the same Slack trigger_id, the same
   Discord interaction id) is dropped. Before the ack only this process's memory is
   asked (a replay to the same process is refused in the ack itself); the durable claim
   in `processed_events`, which also stops a replay reaching another or a restarted
   process, is made by `claim` when the work starts, after the ack. That keeps a database
   write off every acknowledgement (on SQLite it queued behind other writers and was
   most of an ack's time under load) without letting a replay do anything: its work is
   dropped before it runs;
3. what adds to the ledger (/ingest, the "Add to briefing" shortcut) needs ingest
   permission (Services.may_ingest); admin commands check their own, finer rule.

`Deliveries` is the same memory for a platform's own retries (Slack re-sends an event it
thinks was lost): adapters reach it, like everything in storage, through the core.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.events import MENTION, SHORTCUT, ButtonPress, CommandEvent, Event
from bot.core.invocation import parse
from bot.core.services import Services
from storage.events import ProcessedEvents

NOT_HERE = "I don't answer in this channel. Ask me in a direct message or an allowed channel."
NOT_ALLOWED = "Sorry — you are not on the list of people who may add articles."
INGESTING = frozenset({"ingest"})


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reply: str | None = None  # the polite refusal to show; None: drop silently
    repeated: bool = False


ALLOW = Verdict(True)


def delivery_keys(event: Event) -> tuple[str, ...]:
    """The keys a delivery is remembered by: none for a source without ids (the console)."""
    origin = event.origin
    return (f"{origin.platform}:delivery:{origin.delivery}",) if origin.delivery else ()


def runs(event: Event) -> str | None:
    """The command an event will run, if any: what the permission check looks at."""
    if isinstance(event, CommandEvent):
        return event.command or None
    if isinstance(event, ButtonPress):
        return parse(event.line, options=frozenset()).command or None
    return "ingest" if event.how == SHORTCUT else None


class Gate:
    """Channel, replay and user checks for every inbound event, in that order."""

    def __init__(self, services: Services, processed: ProcessedEvents | None = None) -> None:
        self.services = services
        self.processed = processed or ProcessedEvents(services.db)
        self.recent = SeenKeys()

    def check(self, event: Event) -> Verdict:
        """Before the ack: in memory only (see the module docstring for the replay rule)."""
        origin = event.origin
        if not origin.direct and not self.services.answers_in(origin.channel):
            return Verdict(False, None if event.kind == MENTION else NOT_HERE)
        keys = delivery_keys(event)
        if keys and not self.recent.first_time(*keys):
            return Verdict(False, None, repeated=True)
        if runs(event) in INGESTING and not self.services.may_ingest(origin.user, origin.platform):
            return Verdict(False, NOT_ALLOWED)
        return ALLOW

    def claim(self, keys: tuple[str, ...]) -> bool:
        """The durable replay check, made when the work starts: False when any process
        has claimed these keys before (the work is then dropped unrun)."""
        return not keys or self.processed.first_time(keys)


class SeenKeys:
    """Keys seen in the last `ttl` seconds, bounded: this process's memory of deliveries."""

    def __init__(self, ttl: float = 3600.0, limit: int = 50_000) -> None:
        self.ttl, self.limit = ttl, limit
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, *keys: str) -> bool:
        """True (and remember every key) unless any key was already seen."""
        now = time.monotonic()
        with self._lock:
            while self._seen and (
                len(self._seen) > self.limit or next(iter(self._seen.values())) < now - self.ttl
            ):
                self._seen.popitem(last=False)
            if any(k in self._seen for k in keys):
                return False
            for k in keys:
                self._seen[k] = now
            return True


class Deliveries:
    """Whether a platform's delivery (an event id, a message) is new: this process's memory
    answers a quick retry without a query; `processed_events` answers across processes
    and restarts."""

    def __init__(self, processed: ProcessedEvents) -> None:
        self.seen = SeenKeys()
        self.processed = processed

    def first_time(self, keys: Iterable[str]) -> bool:
        keys = list(keys)
        return not keys or (self.seen.first_time(*keys) and self.processed.first_time(keys))
