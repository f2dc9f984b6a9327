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

This module only translates: an interaction becomes a neutral event (bot.core.events),
its markup resolved (bot.discord.markup), and the core's inbound handler
(bot.core.inbound) decides the rest — the gate (the same channel, replay and permission
rules as on Slack), the lane on the core's work queues, whether the answer is for the
channel, and every sentence the user reads; a refusal is the immediate answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.core.events import SHORTCUT, ButtonPress, CommandEvent, Event, MessageEvent, Origin
from bot.core.inbound import (
    EXPIRED,
    FAILED,
    REFUSED,
    REPEATED,
    UNKNOWN_BUTTON,
    UNSUPPORTED,
    Inbound,
    Plan,
)
from bot.core.inbound import Answer as Delivery
from bot.core.reply import Image, Reply
from bot.core.services import Services
from bot.core.workqueue import Refusal
from bot.discord.commands import ADD_TO_BRIEFING, options_text
from bot.discord.markup import is_chat_link, plain
from bot.discord.render import EPHEMERAL, decode_custom_id, plain_message, to_messages
from bot.discord.rest import DiscordError, DiscordRest
from bot.settings import Settings

log = logging.getLogger(__name__)

# Interaction types (requests) and callback types (our answers)
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE = 1, 2, 3, 4
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, AUTOCOMPLETE_RESULT = 1, 4, 5, 8
CHAT_INPUT, MESSAGE_COMMAND = 1, 3

TOKEN_LIFETIME = 15 * 60.0

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
        self.application_id, self.token = application_id, token
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
        for image in reply.images:
            self._attach(image)

    def _attach(self, image: Image) -> None:
        """A picture as a follow-up of its own (multipart, as DiscordPoster.upload_png
        sends the weekly chart), as private as the answer; a refusal loses only the
        picture, never the answer already sent."""
        body: dict[str, Any] = {
            "attachments": [
                {"id": 0, "filename": image.filename, "description": image.title[:1024]}
            ],
            "allowed_mentions": {"parse": []},
        }
        if self.ephemeral:
            body["flags"] = EPHEMERAL
        files = {"files[0]": (image.filename, image.png, "image/png")}
        try:
            self.rest.request(
                "POST", self.base, json_body=body, files=files, auth=False, params={"wait": "true"}
            )
        except DiscordError as exc:
            log.warning("discord: chart %r not delivered: %s", image.title, exc)

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


def origin(payload: dict[str, Any]) -> Origin:
    who = asker(payload)
    return Origin(
        "discord",
        who.user,
        who.channel,
        direct=not who.in_guild,  # a DM: always answered, nobody else sees it
        user_name=who.name,
        delivery=str(payload["id"]) if payload.get("id") else None,
        chat_link=is_chat_link,
    )


def to_event(payload: dict[str, Any]) -> Event | None:
    """An interaction as a neutral event; None when it is nothing we handle. A button we
    cannot read is still an event (the gate sees it); `unreadable` says why."""
    kind = payload.get("type")
    data = payload.get("data") or {}
    if kind == APPLICATION_COMMAND and data.get("type", CHAT_INPUT) == CHAT_INPUT:
        name = str(data.get("name", ""))
        return CommandEvent(origin(payload), name, plain(options_text(name, data.get("options"))))
    if (
        kind == APPLICATION_COMMAND
        and data.get("type") == MESSAGE_COMMAND
        and data.get("name") == ADD_TO_BRIEFING
    ):
        messages = (data.get("resolved") or {}).get("messages") or {}
        target = messages.get(str(data.get("target_id"))) or {}
        texts = tuple(plain(t) for t in message_texts(target))
        return MessageEvent(origin(payload), SHORTCUT, texts)
    if kind == MESSAGE_COMPONENT:
        action, line = decode_custom_id(str(data.get("custom_id", ""))) or ("", None)
        return ButtonPress(origin(payload), action, plain(line or ""))
    return None


def unreadable(payload: dict[str, Any]) -> str | None:
    """Why a button cannot be run: not one of ours, or its long line has expired."""
    decoded = decode_custom_id(str((payload.get("data") or {}).get("custom_id", "")))
    if decoded is None:
        return UNKNOWN_BUTTON
    return EXPIRED if decoded[1] is None else None


_rests: dict[tuple[str, str | None], DiscordRest] = {}
_rests_lock = threading.Lock()


def _rest_for(settings: Settings) -> DiscordRest:
    """This process's REST client for these settings (an answer worker builds its own)."""
    from bot.discord.server import build_rest

    token = settings.discord_bot_token
    key = (settings.discord_api_url, token.get_secret_value() if token else None)
    with _rests_lock:
        if key not in _rests:
            _rests[key] = build_rest(settings)
        return _rests[key]


@dataclass(frozen=True)
class WebhookDelivery:
    """The answer to one deferred interaction, sent from whichever process computed it:
    plain data, so it can travel to an answer worker (bot.answer_workers). `received` is
    a `time.monotonic()` reading, a clock every process of the machine shares."""

    application_id: str
    token: str
    ephemeral: bool
    received: float

    def send(self, answer: Delivery, services: Services) -> None:
        rest = _rest_for(services.settings)
        Followup(
            rest, self.application_id, self.token, ephemeral=self.ephemeral, received=self.received
        ).send(answer.reply)


class Interactions:
    def __init__(self, services: Services, rest: DiscordRest, application_id: str) -> None:
        self.services = services
        self.rest = rest
        self.application_id = application_id
        self.core = Inbound(services)
        self.answers = services.answers  # worker processes for read-only answers, or None

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
        event = to_event(payload)
        if event is None:
            data = payload.get("data") or {}
            log.info("discord: unhandled interaction type %s (%s)", kind, data.get("name"))
            return _immediate(UNSUPPORTED)
        verdict = self.core.admit(event)
        if verdict.repeated:
            log.info("discord: dropped a replayed interaction %s", payload.get("id"))
            return _immediate(REPEATED)
        if not verdict.allowed:
            return _immediate(verdict.reply or REFUSED)
        problem = unreadable(payload) if isinstance(event, ButtonPress) else None
        if problem:
            return _immediate(problem)
        return self._defer(payload, event, self.core.plan(event))

    def _defer(self, payload: dict[str, Any], event: Event, plan: Plan) -> Answer:
        """An answer now, or the deferral and — once it has been sent — the work queued on
        its reserved slot, answering through the interaction's webhook."""
        if plan.now is not None:
            return _immediate(plan.now.text)
        ticket = self.core.reserve(event, plan)
        if isinstance(ticket, Refusal):
            return _immediate(ticket.text)
        followup = self._followup(payload, ephemeral=not plan.public)

        def deliver(answer: Delivery) -> None:
            followup.send(answer.reply)

        def here() -> None:
            self.core.perform(plan, deliver)

        def start() -> None:
            answers = self.answers
            if answers is None or not answers.takes(event):
                ticket.start(here)
                return
            delivery = WebhookDelivery(
                followup.application_id,
                followup.token,
                ephemeral=followup.ephemeral,
                received=followup.received,
            )
            ticket.start_elsewhere(lambda: answers.submit(event, delivery), here)

        data = {} if plan.public else {"flags": EPHEMERAL}
        return Answer({"type": DEFERRED_CHANNEL_MESSAGE, "data": data}, start)

    def _followup(self, payload: dict[str, Any], *, ephemeral: bool) -> Followup:
        app_id = str(payload.get("application_id") or self.application_id)
        return Followup(
            self.rest, app_id, str(payload["token"]), ephemeral=ephemeral, received=time.monotonic()
        )


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
