"""Slack requests in, core replies out: slash commands, buttons, the message shortcut,
direct messages and mentions.

This module only translates: each payload becomes a neutral event (bot.core.events) with
its markup resolved (bot.slack.markup), and each `Answer` the core decides on is posted
the Slack way — through the request's response_url, or into the message's thread. The
core's inbound handler (bot.core.inbound) owns the rest: the gate (channel allow-list,
replayed trigger_ids, ingest permission), the lane, the share and thread decisions and
every sentence the user reads.

Every listener follows the same three steps: plan and reserve a slot on the core's work
queues (ingest apart from queries, a cap per user), ack, then hand the work to that
queue — so Bolt's own threads only ever ack, and five links that never answer cannot
delay anybody else's command. Event deliveries are deduplicated by event id and by
message, so a retried delivery (X-Slack-Retry-Num) never ingests or posts twice.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt import Ack, App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

from bot.core.commands import registry
from bot.core.events import (
    COMMAND,
    DIRECT,
    MENTION,
    SHORTCUT,
    ButtonPress,
    CommandEvent,
    Event,
    MessageEvent,
    Origin,
)
from bot.core.inbound import CHANNEL, NO_REPLY_ADDRESS, THREAD, Answer, Inbound, Plan
from bot.core.reply import Reply, message
from bot.core.services import Services
from bot.core.workqueue import Refusal
from bot.settings import Settings
from bot.slack.images import send_images
from bot.slack.manifest import SHORTCUT_ID
from bot.slack.markup import is_chat_link, plain, without_mentions
from bot.slack.render import ACTION_PREFIX, to_messages

log = logging.getLogger(__name__)

# Message subtypes that are edits, joins, bots and the like: never articles, never answered.
_IGNORED_SUBTYPES = frozenset(
    {
        "bot_message",
        "message_changed",
        "message_deleted",
        "message_replied",
        "channel_join",
        "channel_leave",
        "thread_broadcast",
        "ekm_access_denied",
        "tombstone",
    }
)
_BUTTON = re.compile(f"^{ACTION_PREFIX}(more|share|run|correct)_\\d+$")


def webhook(url: str, retry_handlers: list[RetryHandler] | None) -> WebhookClient:
    return WebhookClient(url=url, retry_handlers=retry_handlers or [])


def respond_reply(
    url: str | None,
    reply: Reply,
    *,
    retry_handlers: list[RetryHandler] | None = None,
    in_channel: bool = False,
) -> None:
    """Answer through a response_url: every page of the reply, in order."""
    if not url:
        raise RuntimeError("no response_url to answer through")
    client = webhook(url, retry_handlers)
    for msg in to_messages(reply):
        payload = {
            **msg,
            "response_type": "in_channel" if in_channel else "ephemeral",
            "replace_original": False,
        }
        resp = client.send_dict(payload)
        if resp.status_code >= 400:
            log.warning("response_url answered %s: %s", resp.status_code, resp.body)


_clients: dict[tuple[str, str | None], WebClient] = {}
_clients_lock = threading.Lock()


def _client_for(settings: Settings) -> WebClient:
    """This process's WebClient for these settings (an answer worker builds its own)."""
    from bot.slack.app import build_client

    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    key = (settings.slack_api_url, token)
    with _clients_lock:
        if key not in _clients:
            _clients[key] = build_client(settings)
        return _clients[key]


@dataclass(frozen=True)
class ResponseURLDelivery:
    """An answer through a response_url, with its pictures, sent from whichever process
    computed it: plain data, so it can travel to an answer worker (bot.answer_workers)."""

    url: str | None
    channel: str | None
    user: str | None

    def send(self, answer: Answer, services: Services) -> None:
        """From an answer worker: through this process's own client."""
        self.send_with(_client_for(services.settings), answer)

    def send_with(self, client: WebClient, answer: Answer) -> None:
        """Private, or in the channel when shared; its pictures follow the answer's
        visibility (see bot.slack.images)."""
        public = answer.where == CHANNEL
        respond_reply(
            self.url, answer.reply, retry_handlers=client.retry_handlers, in_channel=public
        )
        send_images(client, answer.reply, channel=self.channel, user=self.user, private=not public)


def post_reply(client: WebClient, channel: str, reply: Reply, *, thread_ts: str | None) -> None:
    """Post a reply into a channel or thread; pages past the first continue in the thread."""
    for msg in to_messages(reply):
        result = client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=msg["text"],
            blocks=msg["blocks"],
            unfurl_links=False,
            unfurl_media=False,
        )
        if thread_ts is None:
            thread_ts = result.get("ts")


def message_texts(msg: dict[str, Any]) -> list[str]:
    """Every piece of text a message carries: its own, and that of a message shared into it
    (Slack puts a forwarded message in `attachments`, links in its rich-text blocks)."""
    text = msg.get("text")
    texts = [text if isinstance(text, str) else ""]
    for att in _dicts(msg.get("attachments")):
        for key in ("original_url", "title_link"):
            if att.get(key):
                texts.append(str(att[key]))
        for key in ("text", "pretext", "fallback"):
            if att.get(key):
                texts.append(str(att[key]))
        for block_holder in _dicts(att.get("message_blocks")):
            texts.extend(_block_links(_get(block_holder.get("message"), "blocks") or []))
    texts.extend(_block_links(msg.get("blocks") or []))
    return [t for t in texts if t]


def _block_links(blocks: Iterable[Any]) -> list[str]:
    urls: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "link" and node.get("url"):
                urls.append(str(node["url"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks if isinstance(blocks, list) else [])
    return urls


def _get(obj: Any, key: str) -> Any:
    """obj[key] when obj is a JSON object, else None: payload fields may have any type."""
    return obj.get(key) if isinstance(obj, dict) else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# ---------------------------------------------------------------------- translation


def _origin(user: Any, channel: Any, *, name: str | None = None, delivery: Any = None) -> Origin:
    channel_id = _str(channel)
    return Origin(
        "slack",
        _str(user),
        channel_id,
        # Slack's direct-message conversations are the ids starting with D
        direct=bool(channel_id and channel_id.startswith("D")),
        user_name=name,
        delivery=_str(delivery),
        chat_link=is_chat_link,
    )


def command_event(body: dict[str, Any]) -> CommandEvent:
    return CommandEvent(
        _origin(body.get("user_id"), body.get("channel_id"), delivery=body.get("trigger_id")),
        str(body.get("command", "")).lstrip("/").lower(),
        plain(body.get("text", "")),
    )


def button_event(body: dict[str, Any], action: dict[str, Any]) -> ButtonPress:
    action_id = str(action.get("action_id", ""))
    value = action.get("value")
    return ButtonPress(
        _origin(
            _get(body.get("user"), "id"),
            _get(body.get("channel"), "id"),
            name=_user_name(body),
            delivery=body.get("trigger_id"),
        ),
        action_id[len(ACTION_PREFIX) :].rsplit("_", 1)[0],
        plain(value if isinstance(value, str) else ""),
    )


def shortcut_event(body: dict[str, Any]) -> MessageEvent:
    msg = body.get("message")
    return MessageEvent(
        _origin(
            _get(body.get("user"), "id"),
            _get(body.get("channel"), "id"),
            delivery=body.get("trigger_id"),
        ),
        SHORTCUT,
        tuple(plain(t) for t in message_texts(msg if isinstance(msg, dict) else {})),
    )


def message_event(event: dict[str, Any], how: str) -> MessageEvent:
    texts = message_texts(event) or [""]
    if how == MENTION:
        texts[0] = without_mentions(texts[0])
    origin = _origin(event.get("user"), event.get("channel"))
    if how == DIRECT:  # message.im: a direct message whatever its channel id
        origin = replace(origin, direct=True)
    ts = event.get("ts")
    return MessageEvent(
        origin,
        how,
        tuple(plain(t) for t in texts),
        thread_reply=event.get("thread_ts") not in (None, ts),
    )


def to_event(body: dict[str, Any]) -> Event | None:
    """Any Slack payload as a neutral event, for the gate; None for payloads not handled."""
    kind = _get(body, "type")
    if body.get("command"):  # slash commands carry no "type"
        return command_event(body)
    if kind == "block_actions":
        actions = _dicts(body.get("actions"))
        return button_event(body, actions[0] if actions else {})
    if kind in ("message_action", "shortcut"):
        return shortcut_event(body)
    if kind == "event_callback":
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        assert isinstance(event, dict)
        if event.get("type") == "app_mention":
            return message_event(event, MENTION)
        if event.get("type") == "message" and event.get("channel_type") == "im":
            return message_event(event, DIRECT)
    return None


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value) else None


# ---------------------------------------------------------------------- listeners


class Listeners:
    """Bolt's listeners: translate, ask the core, ack, and post what it answers."""

    def __init__(self, services: Services, client: WebClient) -> None:
        self.core = Inbound(services)
        self.work = services.work
        self.answers = services.answers  # worker processes for read-only answers, or None
        self.client = client
        self.retry = client.retry_handlers

    # ------------------------------------------------------------------ posting

    def respond(self, url: str | None, origin: Origin) -> Callable[[Answer], None]:
        """Answers through a response_url, from this process, with the app's client."""
        delivery = ResponseURLDelivery(url, origin.channel, origin.user)
        return lambda answer: delivery.send_with(self.client, answer)

    def post_in_thread(
        self, client: WebClient, channel: Any, thread_ts: Any, fallback_url: str | None = None
    ) -> Callable[[Answer], None]:
        """Answers in the message's thread; private ones (a hint) through the response_url.
        When Slack refuses the post (not a member of the channel, say) the response_url
        still reaches the asker."""

        def deliver(answer: Answer) -> None:
            if answer.where != THREAD and fallback_url:
                respond_reply(fallback_url, answer.reply, retry_handlers=self.retry)
                return
            try:
                post_reply(client, channel, answer.reply, thread_ts=thread_ts)
            except SlackApiError as exc:
                if not fallback_url:
                    raise
                log.info("slack: chat.postMessage refused (%s); answering ephemerally", exc)
                respond_reply(fallback_url, answer.reply, retry_handlers=self.retry)
                return
            send_images(
                client, answer.reply, channel=channel, user=None, private=False, thread=thread_ts
            )

        return deliver

    def tell(self, url: Any, text: str) -> None:
        """A one-line answer through a response_url, off the request thread."""
        if isinstance(url, str) and url:
            reply = message(text)
            self.work.notify(lambda: respond_reply(url, reply, retry_handlers=self.retry))

    def run(self, event: Event, plan: Plan, deliver: Callable[[Answer], None]) -> Refusal | None:
        """Reserve the plan's lane and queue its work (call after the ack); the refusal
        when the lane is full. A plan answered at once needs no slot."""
        if plan.now is not None:
            self.work.notify(lambda: self.core.perform(plan, deliver))
            return None
        ticket = self.core.reserve(event, plan)
        if isinstance(ticket, Refusal):
            return ticket
        ticket.start(lambda: self.core.perform(plan, deliver))
        return None

    # ------------------------------------------------------------------ middleware

    def drop_repeated_events(
        self, body: dict[str, Any], request: Any, next: Callable[[], None]
    ) -> BoltResponse | None:
        if _get(body, "type") == "event_callback":
            event = _get(body, "event")
            event = event if isinstance(event, dict) else {}
            keys = [f"event:{body.get('event_id')}"] if body.get("event_id") else []
            if event.get("channel") and event.get("ts"):
                # app_mention and message.im can describe one message: handle it once
                keys.append(f"msg:{event['channel']}:{event['ts']}")
            if not self.core.first_delivery(keys):
                retry_num = request.headers.get("x-slack-retry-num", ["0"])[0]
                log.info("slack: dropped repeated delivery %s (retry %s)", keys[0], retry_num)
                return BoltResponse(status=200, body="")
        next()
        return None

    def gate_every_payload(
        self, body: dict[str, Any], next: Callable[[], None]
    ) -> BoltResponse | None:
        event = to_event(body) if isinstance(body, dict) else None
        if event is None:
            next()
            return None
        verdict = self.core.admit(event)
        if verdict.allowed:
            next()
            return None
        if verdict.repeated:
            log.info("slack: dropped a replayed %s (trigger %s)", event.kind, event.origin.delivery)
        elif verdict.reply and event.kind == COMMAND:
            # the ack of a slash command is shown to its sender alone
            return BoltResponse(
                status=200,
                body=json.dumps({"text": verdict.reply}),
                headers={"content-type": "application/json"},
            )
        elif verdict.reply:
            self.tell(body.get("response_url"), verdict.reply)
        return BoltResponse(status=200, body="")

    # ------------------------------------------------------------------ listeners

    def slash(self, ack: Ack, command: dict[str, Any]) -> None:
        url = command.get("response_url")
        if not url:
            ack(text=NO_REPLY_ADDRESS)
            return
        event = command_event(command)
        plan = self.core.plan(event)
        ticket = self.core.reserve(event, plan)
        if isinstance(ticket, Refusal):
            ack(text=ticket.text)
            return
        if plan.ack:
            ack(text=plan.ack)
        else:
            ack()

        def here() -> None:
            self.core.perform(plan, self.respond(url, event.origin))

        answers = self.answers
        if answers is not None and answers.takes(event):
            delivery = ResponseURLDelivery(url, event.origin.channel, event.origin.user)
            ticket.start_elsewhere(lambda: answers.submit(event, delivery), here)
        else:
            ticket.start(here)

    def button(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        event = button_event(body, action)
        url = body.get("response_url")
        refusal = self.run(event, self.core.plan(event), self.respond(url, event.origin))
        if refusal is not None:
            self.tell(url, refusal.text)

    def add_to_briefing(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        event = shortcut_event(body)
        msg = body.get("message")
        msg = msg if isinstance(msg, dict) else {}
        url = body.get("response_url")
        thread = msg.get("thread_ts") or msg.get("ts")
        deliver = self.post_in_thread(client, event.origin.channel, thread, fallback_url=url)
        refusal = self.run(event, self.core.plan(event), deliver)
        if refusal is not None:
            self.tell(url, refusal.text)

    def direct_message(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("channel_type") != "im":
            return
        if event.get("bot_id") or event.get("subtype") in _IGNORED_SUBTYPES:
            return
        self.answer_message(event, client, DIRECT)

    def mentioned(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("bot_id"):  # the gate has already refused disallowed channels
            return
        self.answer_message(event, client, MENTION)

    def answer_message(self, event: dict[str, Any], client: WebClient, how: str) -> None:
        channel, ts = event.get("channel"), event.get("ts")
        if not channel or not ts:
            return
        translated = message_event(event, how)
        deliver = self.post_in_thread(client, channel, event.get("thread_ts") or ts)
        refusal = self.run(translated, self.core.plan(translated), deliver)
        if refusal is not None:
            refused = Answer(message(refusal.text, ephemeral=False), THREAD)
            self.work.notify(lambda: _quietly("refusal", lambda: deliver(refused)))

    @staticmethod
    def on_error(error: Exception, body: Any) -> BoltResponse:
        """A payload of the wrong shape is the sender's fault: 400, never a 500 (the
        response is ignored for listener errors, which come after the ack)."""
        kind = _get(body, "type") or type(body).__name__
        log.error("slack: unhandled %s for %s", type(error).__name__, kind, exc_info=error)
        return BoltResponse(status=400, body="")


def register(app: App, services: Services) -> None:
    listeners = Listeners(services, app.client)
    app.middleware(listeners.drop_repeated_events)
    app.middleware(listeners.gate_every_payload)
    for name in registry().names():
        app.command(f"/{name}")(listeners.slash)
    app.action(_BUTTON)(listeners.button)
    app.shortcut(SHORTCUT_ID)(listeners.add_to_briefing)
    app.event("message")(listeners.direct_message)
    app.event("app_mention")(listeners.mentioned)
    app.error(listeners.on_error)


def _quietly(what: str, job: Callable[[], None]) -> None:
    try:
        job()
    except Exception:
        log.exception("slack: %s failed", what)


def _user_name(body: dict[str, Any]) -> str | None:
    user = _get(body, "user")
    return _get(user, "username") or _get(user, "name")
