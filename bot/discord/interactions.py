"""Discord interactions in, core replies out: PING, slash commands, the "Add to briefing"
message command, and button presses.

Every interaction that does work is answered at once with a deferred response (type 5,
ephemeral like Slack's default) and the work runs afterwards — the server starts it only
once that response has been written, so the answer's PATCH of `@original` can never reach
Discord before the deferral it edits. The answer goes through the interaction's webhook
(valid 15 minutes): the first message edits the deferred one, further pages follow up.
The rule is "always defer": any command can be slow (spaCy's first load, a slow site), and
a deferral costs the user nothing. Every failure is logged and reaches the user as one
plain sentence.

Before any of that, every interaction passes the core's Gate (bot.core.access) — the
same channel, replay and permission rules Slack's middleware applies — and reserves a
slot on the core's work queues (ingest apart from queries, a cap per user); a refusal is
the immediate answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.core.access import BUTTON, COMMAND, SHORTCUT, Gate, Inbound
from bot.core.commands import Ctx, dispatch
from bot.core.handlers.ingest import HINT, find_article, run_ingest
from bot.core.invocation import parse
from bot.core.reply import Buttons, Context, Reply, message
from bot.core.services import Services
from bot.core.workqueue import INGEST, QUERY, Refusal, Ticket
from bot.discord.commands import ADD_TO_BRIEFING, options_text
from bot.discord.markup import is_chat_link, plain
from bot.discord.render import EPHEMERAL, decode_custom_id, plain_message, to_messages
from bot.discord.rest import DiscordError, DiscordRest

log = logging.getLogger(__name__)

# Interaction types (requests) and callback types (our answers)
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE = 1, 2, 3, 4
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, AUTOCOMPLETE_RESULT = 1, 4, 5, 8
CHAT_INPUT, MESSAGE_COMMAND = 1, 3

TOKEN_LIFETIME = 15 * 60.0
FAILED = "Sorry — something went wrong on my side. It is logged; please try again shortly."
REPEATED = "That request was already handled."
EXPIRED = "This button has expired. Run the command again."

Work = Callable[[], None]


@dataclass(frozen=True)
class Answer:
    """The HTTP answer to an interaction, and the work to run once it has been sent."""

    body: dict[str, Any]
    after: Work | None = None


@dataclass(frozen=True)
class Asker:
    user: str | None
    name: str | None
    channel: str | None
    in_guild: bool


def asker(payload: dict[str, Any]) -> Asker:
    """Who asked, where: a member in a server, or a user in a direct message."""
    member = payload.get("member") or {}
    user = member.get("user") or payload.get("user") or {}
    channel = payload.get("channel_id") or (payload.get("channel") or {}).get("id")
    name = member.get("nick") or user.get("global_name") or user.get("username")
    return Asker(
        user=str(user["id"]) if user.get("id") else None,
        name=str(name) if name else None,
        channel=str(channel) if channel else None,
        in_guild=bool(payload.get("guild_id")),
    )


def _immediate(text: str) -> Answer:
    return Answer({"type": CHANNEL_MESSAGE, "data": {**plain_message(text), "flags": EPHEMERAL}})


def _deferred(ticket: Ticket, work: Work, *, ephemeral: bool = True) -> Answer:
    """The deferral, and — once it has been sent — the work queued on its reserved slot."""
    data = {"flags": EPHEMERAL} if ephemeral else {}
    return Answer({"type": DEFERRED_CHANNEL_MESSAGE, "data": data}, lambda: ticket.start(work))


class Followup:
    """Answering one interaction through its webhook, after a deferral."""

    def __init__(
        self,
        rest: DiscordRest,
        application_id: str,
        token: str,
        *,
        ephemeral: bool,
        received: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rest = rest
        self.base = f"/webhooks/{application_id}/{token}"
        self.ephemeral = ephemeral
        self.received = received
        self._sleep = sleep

    def send(self, reply: Reply) -> None:
        if time.monotonic() - self.received > TOKEN_LIFETIME - 5:
            log.warning("discord: the answer came after the interaction token expired; dropped")
            return
        messages = to_messages(reply)
        self._edit_original(messages[0])
        for msg in messages[1:]:
            body = {**msg, "flags": EPHEMERAL} if self.ephemeral else msg
            params = {"wait": "true"}
            self.rest.request("POST", self.base, json_body=body, auth=False, params=params)

    def say(self, text: str) -> None:
        self.send(message(text))

    def _edit_original(self, msg: dict[str, Any]) -> None:
        path = f"{self.base}/messages/@original"
        for attempt in range(3):
            try:
                self.rest.request("PATCH", path, json_body=msg, auth=False)
                return
            except DiscordError as exc:
                # 404 Unknown Webhook/Message: Discord has not yet recorded the deferral
                if exc.status != 404 or attempt == 2:
                    raise
                self._sleep(0.5 * (attempt + 1))


class Interactions:
    def __init__(self, services: Services, rest: DiscordRest, application_id: str) -> None:
        self.services = services
        self.rest = rest
        self.application_id = application_id
        self.gate = Gate(services)

    # ------------------------------------------------------------------ routing

    def handle(self, payload: dict[str, Any]) -> Answer:
        """The answer to one verified interaction; never raises."""
        try:
            return self._route(payload)
        except Exception:
            log.exception("discord: interaction type %s failed", payload.get("type"))
            return _immediate(FAILED)

    def _route(self, payload: dict[str, Any]) -> Answer:
        kind = payload.get("type")
        if kind == PING:
            return Answer({"type": PONG})
        if kind == AUTOCOMPLETE:  # none registered; an empty list is the polite answer
            return Answer({"type": AUTOCOMPLETE_RESULT, "data": {"choices": []}})
        who = asker(payload)
        data = payload.get("data") or {}
        if kind == APPLICATION_COMMAND and data.get("type", CHAT_INPUT) == CHAT_INPUT:
            route, what, command = self._command, COMMAND, str(data.get("name", ""))
        elif (
            kind == APPLICATION_COMMAND
            and data.get("type") == MESSAGE_COMMAND
            and data.get("name") == ADD_TO_BRIEFING
        ):
            route, what, command = self._add_to_briefing, SHORTCUT, "ingest"
        elif kind == MESSAGE_COMPONENT:
            decoded = decode_custom_id(str(data.get("custom_id", "")))
            line = decoded[1] if decoded else None
            route, what, command = self._button, BUTTON, parse(line or "").command
        else:
            log.info("discord: unhandled interaction type %s (%s)", kind, data.get("name"))
            return _immediate("I can't handle that yet.")
        verdict = self.gate.check(
            Inbound(
                "discord",
                what,
                who.user,
                who.channel,
                direct=not who.in_guild,  # a DM: always answered, nobody else sees it
                command=command or None,
                delivery=str(payload["id"]) if payload.get("id") else None,
            )
        )
        if verdict.repeated:
            log.info("discord: dropped a replayed interaction %s", payload.get("id"))
            return _immediate(REPEATED)
        if not verdict.allowed:
            return _immediate(verdict.reply or "I can't do that here.")
        return route(payload, data, who)

    def _reserve(self, lane: str, who: Asker) -> Ticket | Refusal:
        return self.services.work.reserve(lane, "discord", who.user)

    def _followup(self, payload: dict[str, Any], *, ephemeral: bool) -> Followup:
        app_id = str(payload.get("application_id") or self.application_id)
        return Followup(
            self.rest, app_id, str(payload["token"]), ephemeral=ephemeral, received=time.monotonic()
        )

    def _ctx(self, who: Asker) -> Ctx:
        return Ctx(
            self.services,
            user=who.user,
            channel=who.channel,
            platform="discord",
            chat_link=is_chat_link,
        )

    def _safely(self, what: str, followup: Followup, work: Callable[[], Reply]) -> Work:
        def run() -> None:
            try:
                followup.send(work())
            except Exception:
                log.exception("discord: %s failed", what)
                try:
                    followup.say(FAILED)
                except Exception:
                    log.exception("discord: could not report the failure of %s", what)

        return run

    # ------------------------------------------------------------------ slash commands

    def _command(self, payload: dict[str, Any], data: dict[str, Any], who: Asker) -> Answer:
        name = str(data.get("name", ""))
        text = options_text(name, data.get("options"))
        ticket = self._reserve(INGEST if name == "ingest" else QUERY, who)
        if isinstance(ticket, Refusal):
            return _immediate(ticket.text)
        followup = self._followup(payload, ephemeral=True)

        def work() -> Reply:
            inv = parse(plain(text), command=name, user=who.user, channel=who.channel)
            return dispatch(self._ctx(who), inv)

        return _deferred(ticket, self._safely(f"/{name}", followup, work))

    # ------------------------------------------------------------------ "Add to briefing"

    def _add_to_briefing(self, payload: dict[str, Any], data: dict[str, Any], who: Asker) -> Answer:
        messages = (data.get("resolved") or {}).get("messages") or {}
        target = messages.get(str(data.get("target_id"))) or {}
        article = find_article(
            [plain(t) for t in message_texts(target)],
            min_words=self.services.settings.min_article_words,
            chat_link=is_chat_link,
        )
        if article is None:
            return _immediate(HINT)
        ticket = self._reserve(INGEST, who)
        if isinstance(ticket, Refusal):
            return _immediate(ticket.text)
        # Public, like Slack's confirmation in the message's thread: the channel sees
        # what was added to the briefing and by whom.
        followup = self._followup(payload, ephemeral=False)
        ctx = self._ctx(who)
        work = self._safely("Add to briefing", followup, lambda: run_ingest(ctx, article))
        return _deferred(ticket, work, ephemeral=False)

    # ------------------------------------------------------------------ buttons

    def _button(self, payload: dict[str, Any], data: dict[str, Any], who: Asker) -> Answer:
        decoded = decode_custom_id(str(data.get("custom_id", "")))
        if decoded is None:
            return _immediate("I don't know that button.")
        kind, line = decoded
        if line is None:
            return _immediate(EXPIRED)
        share = kind == "share"
        ticket = self._reserve(INGEST if parse(line).command == "ingest" else QUERY, who)
        if isinstance(ticket, Refusal):
            return _immediate(ticket.text)
        followup = self._followup(payload, ephemeral=not share)

        def work() -> Reply:
            inv = parse(plain(line), user=who.user, channel=who.channel)
            reply = dispatch(self._ctx(who), inv)
            return shared(reply, who.name or who.user) if share else reply

        return _deferred(
            ticket, self._safely(f"button {kind}", followup, work), ephemeral=not share
        )


def shared(reply: Reply, by: str | None) -> Reply:
    """A reply as re-posted for the channel: no share button, and who shared it."""
    blocks = tuple(
        b if not isinstance(b, Buttons) else Buttons(tuple(a for a in b.actions if a.id != "share"))
        for b in reply.blocks
    )
    blocks = tuple(b for b in blocks if not (isinstance(b, Buttons) and not b.actions))
    if by:
        blocks = (*blocks, Context(f"Shared by @{by}"))
    return Reply(blocks, ephemeral=False, summary=reply.summary, tags=reply.tags)


def message_texts(msg: dict[str, Any]) -> list[str]:
    """Every piece of text a Discord message carries: its content, and its embeds' links,
    titles and descriptions (a pasted link is often only in the unfurled embed)."""
    texts = [str(msg.get("content") or "")]
    for embed in msg.get("embeds") or []:
        for key in ("url", "title", "description"):
            if embed.get(key):
                texts.append(str(embed[key]))
    for snapshot in msg.get("message_snapshots") or []:  # a forwarded message
        texts.extend(message_texts(snapshot.get("message") or {}))
    return [t for t in texts if t]
