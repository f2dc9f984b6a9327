"""Slack requests in, core replies out: slash commands, buttons, the message shortcut,
direct messages and mentions.

Every payload first passes the core's Gate (bot.core.access) in one middleware: channel
allow-list, replayed trigger_ids, ingest permission — for commands, shortcuts, buttons,
DMs and mentions alike. Every listener then reserves a slot on the core's work queues
(bot.core.workqueue: ingest apart from queries, a cap per user), acks, and hands the work
to that queue — so Bolt's own five threads only ever ack, and five links that never answer
cannot delay anybody else's command. Event deliveries are deduplicated by event id and by
message, so a retried delivery (X-Slack-Retry-Num) never ingests or posts twice. Every
failure is logged and reaches the user as one plain sentence.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.core.access import BUTTON, COMMAND, DIRECT, MENTION, SHORTCUT, Gate, Inbound
from bot.core.commands import REGISTRY, Ctx, dispatch
from bot.core.handlers.ingest import HINT, ArticleInput, find_article, run_ingest
from bot.core.invocation import parse
from bot.core.reply import Buttons, Context, Reply, message
from bot.core.services import Services
from bot.core.workqueue import INGEST, QUERY, Refusal, Ticket
from bot.slack.render import ACTION_PREFIX, to_messages
from storage.events import ProcessedEvents

log = logging.getLogger(__name__)

SHORTCUT_ID = "add_to_briefing"
FAILED = "Sorry — something went wrong on my side. It is logged; please try again shortly."
NO_RESPONSE_URL = "I can't answer this request: it came without a response_url."
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


class SeenKeys:
    """Keys seen in the last `ttl` seconds, bounded: the memory of deliveries handled."""

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


def webhook(url: str, retry_handlers: list | None) -> WebhookClient:  # type: ignore[type-arg]
    return WebhookClient(url=url, retry_handlers=retry_handlers or [])


def respond_reply(
    url: str | None,
    reply: Reply,
    *,
    retry_handlers: list | None = None,  # type: ignore[type-arg]
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


def inbound(body: dict[str, Any]) -> Inbound | None:
    """What the gate needs from any Slack payload; None for payloads we do not handle."""
    kind = _get(body, "type")
    if body.get("command"):  # slash commands carry no "type"
        return Inbound(
            "slack",
            COMMAND,
            _str(body.get("user_id")),
            _str(body.get("channel_id")),
            command=str(body["command"]).lstrip("/").lower(),
            delivery=_str(body.get("trigger_id")),
        )
    user, channel = _str(_get(body.get("user"), "id")), _str(_get(body.get("channel"), "id"))
    if kind == "block_actions":
        actions = _dicts(body.get("actions"))
        value = actions[0].get("value") if actions else None
        command = parse(value).command if isinstance(value, str) else None
        return Inbound(
            "slack",
            BUTTON,
            user,
            channel,
            command=command or None,
            delivery=_str(body.get("trigger_id")),
        )
    if kind in ("message_action", "shortcut"):
        return Inbound(
            "slack",
            SHORTCUT,
            user,
            channel,
            command="ingest",
            delivery=_str(body.get("trigger_id")),
        )
    if kind == "event_callback":
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        assert isinstance(event, dict)
        etype, chan = event.get("type"), _str(event.get("channel"))
        if etype == "app_mention":
            return Inbound("slack", MENTION, _str(event.get("user")), chan)
        if etype == "message" and event.get("channel_type") == "im":
            return Inbound("slack", DIRECT, _str(event.get("user")), chan, direct=True)
    return None


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value) else None


def register(app: App, services: Services) -> None:
    seen = SeenKeys()  # this process's memory: answers a quick retry without a query
    processed = ProcessedEvents(services.db)  # every process's memory, across restarts
    gate = Gate(services, processed)
    retry = app.client.retry_handlers
    work = services.work

    def reserve(lane: str, user: str | None) -> Ticket | Refusal:
        return work.reserve(lane, "slack", user)

    def tell(url: Any, text: str) -> None:
        """A one-line answer through a response_url, off the request thread."""
        if isinstance(url, str) and url:
            work.notify(lambda: respond_reply(url, message(text), retry_handlers=retry))

    def ctx_for(user: str | None, channel: str | None) -> Ctx:
        return Ctx(services, user=user, channel=channel, platform="slack")

    def safely(what: str, fail: Callable[[str], None], work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:
            log.exception("slack: %s failed", what)
            try:
                fail(FAILED)
            except Exception:
                log.exception("slack: could not report the failure of %s", what)

    # ------------------------------------------------------------------ delivery dedupe

    @app.middleware
    def drop_repeated_events(
        body: dict[str, Any], request: Any, next: Callable[[], None]
    ) -> BoltResponse | None:
        if _get(body, "type") == "event_callback":
            event = _get(body, "event")
            event = event if isinstance(event, dict) else {}
            keys = [f"event:{body.get('event_id')}"] if body.get("event_id") else []
            if event.get("channel") and event.get("ts"):
                # app_mention and message.im can describe one message: handle it once
                keys.append(f"msg:{event['channel']}:{event['ts']}")
            if keys and not (seen.first_time(*keys) and processed.first_time(keys)):
                retry_num = request.headers.get("x-slack-retry-num", ["0"])[0]
                log.info("slack: dropped repeated delivery %s (retry %s)", keys[0], retry_num)
                return BoltResponse(status=200, body="")
        next()
        return None

    @app.middleware
    def gate_every_payload(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        what = inbound(body) if isinstance(body, dict) else None
        if what is None:
            next()
            return None
        verdict = gate.check(what)
        if verdict.allowed:
            next()
            return None
        if verdict.repeated:
            log.info("slack: dropped a replayed %s (trigger %s)", what.kind, what.delivery)
        elif verdict.reply and what.kind == COMMAND:
            # the ack of a slash command is shown to its sender alone
            return BoltResponse(
                status=200,
                body=json.dumps({"text": verdict.reply}),
                headers={"content-type": "application/json"},
            )
        elif verdict.reply:
            tell(body.get("response_url"), verdict.reply)
        return BoltResponse(status=200, body="")

    # ------------------------------------------------------------------ slash commands

    def slash(ack: Ack, command: dict[str, Any]) -> None:
        name = str(command.get("command", "")).lstrip("/")
        user, channel = command.get("user_id"), command.get("channel_id")
        url = command.get("response_url")
        if not url:
            ack(text=NO_RESPONSE_URL)
            return
        ticket = reserve(INGEST if name == "ingest" else QUERY, user)
        if isinstance(ticket, Refusal):
            ack(text=ticket.text)
            return
        if name == "ingest":
            ack(text="Adding it to the briefing… I'll reply here when done.")
        else:
            ack()

        def job() -> None:
            inv = parse(command.get("text", ""), command=name, user=user, channel=channel)
            respond_reply(url, dispatch(ctx_for(user, channel), inv), retry_handlers=retry)

        ticket.start(
            lambda: safely(
                f"/{name}",
                lambda text: respond_reply(url, message(text), retry_handlers=retry),
                job,
            )
        )

    for cmd in REGISTRY:
        app.command(f"/{cmd.name}")(slash)

    # ------------------------------------------------------------------ buttons

    @app.action(re.compile(f"^{ACTION_PREFIX}(more|share|run|correct)_\\d+$"))
    def button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        kind = action["action_id"][len(ACTION_PREFIX) :].rsplit("_", 1)[0]
        user = _get(body.get("user"), "id")
        channel = _get(body.get("channel"), "id")
        url = body.get("response_url")
        line = action.get("value", "")
        ticket = reserve(INGEST if parse(line).command == "ingest" else QUERY, user)
        if isinstance(ticket, Refusal):
            tell(url, ticket.text)
            return

        def job() -> None:
            inv = parse(line, user=user, channel=channel)
            reply = dispatch(ctx_for(user, channel), inv)
            if kind == "share":
                blocks = tuple(
                    b
                    for b in reply.blocks
                    if not isinstance(b, Buttons) or all(a.id != "share" for a in b.actions)
                )
                blocks = (*blocks, Context(f"Shared by @{_user_name(body) or user}"))
                reply = Reply(blocks, ephemeral=False, summary=reply.summary)
                respond_reply(url, reply, retry_handlers=retry, in_channel=True)
            else:
                respond_reply(url, reply, retry_handlers=retry)

        ticket.start(
            lambda: safely(
                f"button {kind}",
                lambda text: respond_reply(url, message(text), retry_handlers=retry),
                job,
            )
        )

    # ------------------------------------------------------------------ forwarding articles

    def ingest_and_confirm(
        client: WebClient,
        *,
        user: str | None,
        channel: str,
        thread_ts: str,
        article: ArticleInput,
        fallback_url: str | None = None,
    ) -> None:
        reply = run_ingest(ctx_for(user, channel), article)
        try:
            post_reply(client, channel, reply, thread_ts=thread_ts)
        except SlackApiError as exc:
            # not a member of the channel, say: the shortcut's response_url still works
            if not fallback_url:
                raise
            log.info("slack: chat.postMessage refused (%s); answering ephemerally", exc)
            respond_reply(fallback_url, reply, retry_handlers=retry)

    @app.shortcut(SHORTCUT_ID)
    def add_to_briefing(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        msg = body.get("message")
        msg = msg if isinstance(msg, dict) else {}
        user = _get(body.get("user"), "id")
        channel = _get(body.get("channel"), "id")
        url = body.get("response_url")
        ticket = reserve(INGEST, user)
        if isinstance(ticket, Refusal):
            tell(url, ticket.text)
            return

        def job() -> None:
            article = find_article(
                message_texts(msg), min_words=services.settings.min_article_words
            )
            if article is None:
                respond_reply(url, message(HINT), retry_handlers=retry)
                return
            ingest_and_confirm(
                client,
                user=user,
                channel=channel,
                thread_ts=msg.get("thread_ts") or msg.get("ts"),
                article=article,
                fallback_url=url,
            )

        ticket.start(
            lambda: safely(
                "shortcut",
                lambda text: respond_reply(url, message(text), retry_handlers=retry),
                job,
            )
        )

    def answer_message(event: dict[str, Any], client: WebClient, *, mention: bool) -> None:
        channel = event.get("channel")
        user = event.get("user")
        ts = event.get("ts")
        if not channel or not ts:
            return
        thread_ts = event.get("thread_ts") or ts

        def say(text: str) -> None:
            post_reply(client, channel, message(text, ephemeral=False), thread_ts=thread_ts)

        texts = message_texts(event)
        if mention:
            texts[0] = re.sub(r"<@[UW][A-Z0-9]+(\|[^>]*)?>", " ", texts[0])
        article = find_article(texts, min_words=services.settings.min_article_words)
        ticket = reserve(QUERY if article is None else INGEST, user)
        if isinstance(ticket, Refusal):
            refusal = ticket.text
            work.notify(lambda: safely("refusal", lambda _: None, lambda: say(refusal)))
            return

        def job() -> None:
            if article is not None:
                ingest_and_confirm(
                    client, user=user, channel=channel, thread_ts=thread_ts, article=article
                )
                return
            inv = parse(texts[0], user=user, channel=channel)
            if inv.command and REGISTRY.get(inv.command):
                reply = dispatch(ctx_for(user, channel), inv)
                post_reply(client, channel, _in_thread(reply), thread_ts=thread_ts)
            elif mention or event.get("thread_ts") in (None, ts):
                say(HINT)  # a reply deep in a thread ("thanks!") needs no hint

        ticket.start(lambda: safely("message", say, job))

    @app.event("message")
    def direct_message(event: dict[str, Any], client: WebClient) -> None:
        if event.get("channel_type") != "im":
            return
        if event.get("bot_id") or event.get("subtype") in _IGNORED_SUBTYPES:
            return
        answer_message(event, client, mention=False)

    @app.event("app_mention")
    def mentioned(event: dict[str, Any], client: WebClient) -> None:
        if event.get("bot_id"):  # the gate has already refused disallowed channels
            return
        answer_message(event, client, mention=True)

    @app.error
    def on_error(error: Exception, body: Any) -> BoltResponse:
        """A payload of the wrong shape is the sender's fault: 400, never a 500 (the
        response is ignored for listener errors, which come after the ack)."""
        kind = _get(body, "type") or type(body).__name__
        log.error("slack: unhandled %s for %s", type(error).__name__, kind, exc_info=error)
        return BoltResponse(status=400, body="")


def _in_thread(reply: Reply) -> Reply:
    """A reply posted in a thread is already visible: drop its share button."""
    blocks = tuple(
        b if not isinstance(b, Buttons) else Buttons(tuple(a for a in b.actions if a.id != "share"))
        for b in reply.blocks
    )
    blocks = tuple(b for b in blocks if not (isinstance(b, Buttons) and not b.actions))
    return Reply(blocks, ephemeral=False, summary=reply.summary, tags=reply.tags)


def _user_name(body: dict[str, Any]) -> str | None:
    user = _get(body, "user")
    return _get(user, "username") or _get(user, "name")
