"""/follow, /unfollow, /following: a user's topic alerts between digests.

Only the follows are stored here; the direct messages are sent by the scheduler's sweep
(bot.scheduling.alerts), which reads new positions from the ledger —
so an article ingested from chat, the CLI or another process alerts the same way.
"""

from __future__ import annotations

from bot.core.commands import REGISTRY, Argument, Command, Ctx, usage_reply
from bot.core.handlers.common import BY, finish
from bot.core.invocation import Invocation
from bot.core.reply import Block, Context, Header, Reply, Section, Span, message
from storage import follows

TOPIC = Argument("topic", "Topic, alias or id, e.g. security aid", required=True)


def _cmd(name: str) -> Command:
    command = REGISTRY.get(name)
    assert command is not None
    return command


def _target(ctx: Ctx, inv: Invocation, name: str) -> tuple[str, str | None] | Reply:
    """(topic id, actor or None) from "<topic> [by:<actor>]", or the reply explaining why not."""
    if inv.problems:
        return usage_reply(_cmd(name), *inv.problems)
    if not inv.args:
        return usage_reply(_cmd(name), "Which topic?")
    if not ctx.user:
        return message("I need to know who you are to send you alerts.")
    resolution = ctx.services.taxonomy.resolve(inv.argument)
    if resolution.topic is None:
        near = ", ".join(f"{t.label} ({t.id})" for t in resolution.suggestions)
        return usage_reply(
            _cmd(name), f"No topic “{inv.argument}”." + (f" Nearest: {near}." if near else "")
        )
    actor = str(inv.values["by"]) if "by" in inv.values else None
    return resolution.topic.id, actor


@REGISTRY.command(
    "follow",
    summary="Get a direct message when a new position on a topic (optionally by one side) "
    "comes in — one message per article.",
    usage="/follow <topic> [by:<actor>]",
    example="/follow security aid by:us",
    argument=TOPIC,
    options=(BY,),
    short="Get a direct message when a new position on a topic comes in",
)
def follow(ctx: Ctx, inv: Invocation) -> Reply:
    target = _target(ctx, inv, "follow")
    if isinstance(target, Reply):
        return target
    topic, actor = target
    with ctx.services.db.session() as session:
        added = follows.add_follow(
            session, platform=ctx.platform, user=ctx.user or "", topic=topic, actor=actor or ""
        )
    who = f" by {actor}" if actor else ""
    if not added:
        return message(f"You already follow {topic}{who}.")
    return message(
        f"Following {topic}{who}: I'll send you a direct message when a new position comes in."
    )


@REGISTRY.command(
    "unfollow",
    summary="Stop alerts for a topic (all of them, or only by:<actor>).",
    usage="/unfollow <topic> [by:<actor>]",
    example="/unfollow security aid",
    argument=TOPIC,
    options=(BY,),
    short="Stop alerts for a topic",
)
def unfollow(ctx: Ctx, inv: Invocation) -> Reply:
    target = _target(ctx, inv, "unfollow")
    if isinstance(target, Reply):
        return target
    topic, actor = target
    with ctx.services.db.session() as session:
        removed = follows.remove_follow(
            session, platform=ctx.platform, user=ctx.user or "", topic=topic, actor=actor
        )
    if not removed:
        return message(f"You were not following {topic}.")
    return message(f"Stopped following {topic}" + (f" by {actor}" if actor else "") + ".")


@REGISTRY.command(
    "following",
    summary="The topics you get alerts for.",
    usage="/following",
    example="/following",
    short="The topics you follow",
)
def following(ctx: Ctx, inv: Invocation) -> Reply:
    with ctx.services.db.session() as session:
        rows = follows.follows_of(session, platform=ctx.platform, user=ctx.user or "")
    if not rows:
        return message("You follow no topics. Try /follow security aid by:us.")
    blocks: list[Block] = [Header("Your alerts")]
    for row in rows:
        topic = ctx.services.taxonomy.get(row.topic)
        label = topic.label if topic else row.topic
        blocks.append(
            Section(
                (
                    Span(row.topic, bold=True),
                    Span(f" — {label}" + (f" · by {row.actor}" if row.actor else "")),
                )
            )
        )
    blocks.append(Context("/unfollow <topic> stops one."))
    return finish(blocks, inv, summary=f"{len(rows)} followed topics")
