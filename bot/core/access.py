"""The one inbound check every chat payload passes: where, who, and whether it was seen.

Each adapter used to check ALLOWED_CHANNELS in some listeners and not others — a message
shortcut in a disallowed channel ingested and posted there, the Share button answered
there. Now Slack's middleware and Discord's router describe every payload (command,
shortcut, button, direct message, mention) as an `Inbound` and ask `Gate.check` — the
same rules for every kind on both platforms:

1. a channel not in ALLOWED_CHANNELS is refused (direct messages are always answered:
   nobody else sees them); a mention there is ignored, since any answer would be public;
2. a request replayed within the signature window (the same Slack trigger_id, the same
   Discord interaction id) is dropped — remembered in `processed_events`, so a replay
   reaching a restarted process is still dropped;
3. what adds to the ledger (/ingest, the "Add to briefing" shortcut) needs ingest
   permission (Services.may_ingest); admin commands check their own, finer rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.services import Services
from storage.events import ProcessedEvents

COMMAND, SHORTCUT, BUTTON, DIRECT, MENTION = "command", "shortcut", "button", "dm", "mention"

NOT_HERE = "I don't answer in this channel. Ask me in a direct message or an allowed channel."
NOT_ALLOWED = "Sorry — you are not on the list of people who may add articles."
INGESTING = frozenset({"ingest"})


@dataclass(frozen=True)
class Inbound:
    """One payload as the gate sees it, whatever platform it came from."""

    platform: str
    kind: str
    user: str | None
    channel: str | None
    direct: bool = False  # a direct message: always answered
    command: str | None = None  # what a command, button or shortcut will run
    delivery: str | None = None  # trigger_id / interaction id: a replay has the same


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reply: str | None = None  # the polite refusal to show; None: drop silently
    repeated: bool = False


ALLOW = Verdict(True)


class Gate:
    """Channel, replay and user checks for every inbound payload, in that order."""

    def __init__(self, services: Services, processed: ProcessedEvents | None = None) -> None:
        self.services = services
        self.processed = processed or ProcessedEvents(services.db)

    def check(self, inbound: Inbound) -> Verdict:
        if not inbound.direct and not self.services.answers_in(inbound.channel):
            return Verdict(False, None if inbound.kind == MENTION else NOT_HERE)
        if inbound.delivery and not self.processed.first_time(
            [f"{inbound.platform}:delivery:{inbound.delivery}"]
        ):
            return Verdict(False, None, repeated=True)
        if inbound.command in INGESTING and not self.services.may_ingest(
            inbound.user, inbound.platform
        ):
            return Verdict(False, NOT_ALLOWED)
        return ALLOW
