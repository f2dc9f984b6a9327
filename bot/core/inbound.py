"""The one inbound handler: every platform's events, decided the same way.

An adapter translates its payload into an event (bot.core.events), then asks this module
three things, in the order its platform needs them:

1. `admit(event)` — the gate (bot.core.access): channel, replay, permission;
2. `plan(event)` — what the answer will be and how heavy: answered at once (a hint), or
   work on the ingest or the query lane, with the acknowledgement's text and whether the
   answer is for the channel; `reserve(event, plan)` then takes a slot on that lane;
3. after the platform's ack, `perform(plan, deliver)` — the work itself, wrapped so every
   failure is logged and reaches the user as one plain sentence through `deliver`.

`deliver` receives an `Answer`: a neutral Reply and where it goes — privately to the
asker, to the channel (a shared answer), or into the message's thread. How that is done
(a response_url, chat.postMessage, an interaction webhook) is the adapter's business; what
is said, to whom, with which buttons, is decided here, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.core.access import Deliveries, Gate, Verdict, delivery_keys
from bot.core.commands import Ctx, dispatch, registry
from bot.core.events import (
    MENTION,
    SHORTCUT,
    ButtonPress,
    CommandEvent,
    Event,
    MessageEvent,
    Origin,
)
from bot.core.handlers.ingest import HINT, ArticleInput, find_article, run_ingest
from bot.core.invocation import Plain, parse
from bot.core.reply import Buttons, Context, Reply, message
from bot.core.services import Services
from bot.core.workqueue import INGEST, QUERY, Refusal, Ticket

log = logging.getLogger(__name__)

# Every sentence the platforms show on their own account (the commands' replies are the
# handlers'); one wording for every platform.
FAILED = "Sorry — something went wrong on my side. It is logged; please try again shortly."
REPEATED = "That request was already handled."
EXPIRED = "This button has expired. Run the command again."
UNKNOWN_BUTTON = "I don't know that button."
UNSUPPORTED = "I can't handle that yet."
REFUSED = "I can't do that here."
NO_REPLY_ADDRESS = "I can't answer this request: it came without a response_url."
INGEST_ACK = "Adding it to the briefing… I'll reply here when done."

# Where an answer goes.
PRIVATE, CHANNEL, THREAD = "private", "channel", "thread"


@dataclass(frozen=True)
class Answer:
    reply: Reply
    where: str = PRIVATE


@dataclass(frozen=True)
class Plan:
    """What to do with an admitted event."""

    now: Reply | None = None  # answered at once, without work (a hint)
    lane: str = QUERY
    ack: str | None = None  # the acknowledgement's text, where the platform shows one
    public: bool = False  # the answer is for the channel: a share, an ingest confirmation
    work: Callable[[], Answer | None] | None = None
    what: str = ""  # for the logs: "/position", "button share"
    fails_to: str = PRIVATE  # where the failure sentence goes
    claim: tuple[str, ...] = ()  # delivery keys claimed durably before the work runs


def shared(reply: Reply, by: str | None) -> Reply:
    """A reply as re-posted for the channel: no share button, and who shared it."""
    blocks = without_share(reply).blocks
    if by:
        blocks = (*blocks, Context(f"Shared by @{by}"))
    return Reply(
        blocks, ephemeral=False, summary=reply.summary, tags=reply.tags, images=reply.images
    )


def in_thread(reply: Reply) -> Reply:
    """A reply posted in a thread is already visible: no share button."""
    return without_share(reply)


def without_share(reply: Reply) -> Reply:
    """The reply, public, without its "Share to channel" action (and without an empty row)."""
    blocks = tuple(
        b if not isinstance(b, Buttons) else Buttons(tuple(a for a in b.actions if a.id != "share"))
        for b in reply.blocks
    )
    blocks = tuple(b for b in blocks if not (isinstance(b, Buttons) and not b.actions))
    return Reply(
        blocks, ephemeral=False, summary=reply.summary, tags=reply.tags, images=reply.images
    )


class Inbound:
    """The core's side of every chat conversation, for one process and every platform."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.gate = Gate(services)
        self.deliveries = Deliveries(self.gate.processed)

    # ------------------------------------------------------------------ before the ack

    def admit(self, event: Event) -> Verdict:
        return self.gate.check(event)

    def first_delivery(self, keys: list[str]) -> bool:
        """False for a platform's retry of a delivery already handled (by any process)."""
        return self.deliveries.first_time(keys)

    def plan(self, event: Event) -> Plan:
        if isinstance(event, CommandEvent):
            plan = self._command(event)
        elif isinstance(event, ButtonPress):
            plan = self._button(event)
        elif event.how == SHORTCUT:
            plan = self._shortcut(event)
        else:
            plan = self._message(event)
        return replace(plan, claim=delivery_keys(event))

    def reserve(self, event: Event, plan: Plan) -> Ticket | Refusal:
        return self.services.work.reserve(plan.lane, event.origin.platform, event.origin.user)

    # ------------------------------------------------------------------ after the ack

    def perform(self, plan: Plan, deliver: Callable[[Answer], None]) -> None:
        """Run the plan's work and deliver its answer; a failure is logged and delivered as
        one sentence. Never raises. A replayed delivery that got past the ack (it reached
        another process, or this one after a restart) stops here, unrun."""
        try:
            if not self.gate.claim(plan.claim):
                log.info("%s: dropped a replayed delivery %s", plan.what, plan.claim[0])
                return
            self.services.keep_taxonomy_current()
            if plan.now is not None:
                answer: Answer | None = Answer(plan.now)
            else:
                answer = plan.work() if plan.work else None
            if answer is not None:
                deliver(answer)
        except Exception:
            log.exception("%s failed", plan.what or "an inbound event")
            try:
                deliver(Answer(message(FAILED, ephemeral=plan.fails_to != THREAD), plan.fails_to))
            except Exception:
                log.exception("could not report the failure of %s", plan.what)

    def answer(self, event: Event) -> Answer | None:
        """The answer, here and now: for a platform that has no ack to send first (the
        console). No gate: nobody else can type into a local terminal."""
        answers: list[Answer] = []
        self.perform(self.plan(event), answers.append)
        return answers[0] if answers else None

    # ------------------------------------------------------------------ the plans

    def ctx(self, origin: Origin) -> Ctx:
        return Ctx(
            self.services,
            user=origin.user,
            channel=origin.channel,
            platform=origin.platform,
            chat_link=origin.chat_link,
        )

    def _command(self, event: CommandEvent) -> Plan:
        origin = event.origin
        name = event.command

        def work() -> Answer:
            inv = parse(event.text, command=name or None, user=origin.user, channel=origin.channel)
            return Answer(dispatch(self.ctx(origin), inv))

        ingest = name == "ingest"
        return Plan(
            lane=INGEST if ingest else QUERY,
            ack=INGEST_ACK if ingest else None,
            work=work,
            what=f"{origin.platform}: /{name}",
        )

    def _button(self, event: ButtonPress) -> Plan:
        origin = event.origin
        share = event.action == "share"

        def work() -> Answer:
            inv = parse(event.line, user=origin.user, channel=origin.channel)
            reply = dispatch(self.ctx(origin), inv)
            if share:
                return Answer(shared(reply, origin.user_name or origin.user), CHANNEL)
            return Answer(reply)

        lane = INGEST if parse(event.line, options=frozenset()).command == "ingest" else QUERY
        return Plan(
            lane=lane, public=share, work=work, what=f"{origin.platform}: button {event.action}"
        )

    def _article(self, event: MessageEvent) -> ArticleInput | None:
        return find_article(
            event.texts,
            min_words=self.services.settings.min_article_words,
            chat_link=event.origin.chat_link,
        )

    def _shortcut(self, event: MessageEvent) -> Plan:
        article = self._article(event)
        if article is None:
            return Plan(now=message(HINT))
        ctx = self.ctx(event.origin)
        return Plan(
            lane=INGEST,
            public=True,  # the channel sees what was added to the briefing and by whom
            work=lambda: Answer(run_ingest(ctx, article), THREAD),
            what=f"{event.origin.platform}: Add to briefing",
        )

    def _message(self, event: MessageEvent) -> Plan:
        """A DM or a mention: an article is ingested, a command line is answered, anything
        else gets a hint — all in the message's thread, where everyone there sees it."""
        article = self._article(event)
        origin = event.origin
        ctx = self.ctx(origin)

        def work() -> Answer | None:
            if article is not None:
                return Answer(run_ingest(ctx, article), THREAD)
            first = event.texts[0] if event.texts else Plain("")
            inv = parse(first, user=origin.user, channel=origin.channel)
            if inv.command and registry().get(inv.command):
                return Answer(in_thread(dispatch(ctx, inv)), THREAD)
            if event.how == MENTION or not event.thread_reply:
                return Answer(message(HINT, ephemeral=False), THREAD)
            return None  # a reply deep in a thread ("thanks!") needs no hint

        return Plan(
            lane=QUERY if article is None else INGEST,
            public=True,
            work=work,
            what=f"{origin.platform}: message",
            fails_to=THREAD,
        )
