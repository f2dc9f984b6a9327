"""/digest: a channel's scheduled digest — schedule, off, now, preview, status, chart.

The subscriptions table is the truth; after a change this handler only *announces* it
(Services.schedulers, bot.core.schedulers) so the scheduler in this process re-derives its
jobs at once — schedulers in other processes see it on their next sweep. Posting (now,
chart) is asked of the running scheduler the same way; with none in this process (the
console), the digest is returned as the reply instead.
"""

from __future__ import annotations

import datetime as dt
import tempfile

from bot.core import schedule
from bot.core.commands import REGISTRY, Argument, Command, Ctx, usage_reply
from bot.core.digest import Digest, compose, local_text
from bot.core.format import plural
from bot.core.handlers.admin import is_admin
from bot.core.invocation import Invocation
from bot.core.reply import Block, Context, Divider, Header, Reply, Section, Span, message
from storage import audit, claims, subscriptions

SUBCOMMANDS = ("schedule", "off", "now", "preview", "status", "chart")
DEFAULT_DAYS = "daily"
PREVIEW_SPAN = dt.timedelta(days=1)


def _command() -> Command:
    command = REGISTRY.get("digest")
    assert command is not None
    return command


@REGISTRY.command(
    "digest",
    summary="This channel's digest of what came in: schedule it, switch it off, post or "
    "preview it now, see its status, or get the weekly chart.",
    usage="/digest schedule HH:MM [Area/City] [daily|weekdays|mon,thu] [topics:a,b] | off | "
    "now | preview | status | chart",
    example="/digest schedule 08:00 Asia/Karachi weekdays",
    argument=Argument(
        "what", "schedule 08:00 Asia/Karachi weekdays, now, preview, status, chart or off"
    ),
    short="Schedule, preview or stop this channel's daily digest",
    hint="schedule 08:00 Asia/Karachi weekdays | now | preview | status | chart | off",
)
def digest(ctx: Ctx, inv: Invocation) -> Reply:
    if not inv.args or inv.args[0].lower() not in SUBCOMMANDS:
        return usage_reply(_command(), "Say what to do: " + ", ".join(SUBCOMMANDS) + ".")
    sub = inv.args[0].lower()
    # a preview needs no channel: the console (and a DM) preview the last day's digest
    if not ctx.channel and sub != "preview":
        return message("Use /digest in the channel that should receive the digest.")
    handler = {
        "schedule": _schedule,
        "off": _off,
        "now": _now,
        "preview": _preview,
        "status": _status,
        "chart": _chart,
    }[sub]
    return handler(ctx, inv)


def parse_schedule(
    words: list[str], *, default_zone: str
) -> tuple[str, str, str, list[str], list[str]]:
    """(time, zone, days, topic words, problems) from "08:00 Asia/Karachi weekdays topics:a,b"."""
    problems: list[str] = []
    if not words:
        return "", default_zone, DEFAULT_DAYS, [], ["Give a time of day, e.g. 08:00."]
    time_text, zone, days, topics = words[0], default_zone, DEFAULT_DAYS, []
    try:
        hour, minute = schedule.parse_time(time_text)
        time_text = f"{hour:02d}:{minute:02d}"
    except schedule.ScheduleError as exc:
        problems.append(str(exc))
    for word in words[1:]:
        low = word.lower()
        if low.startswith(("topics:", "topic:")):
            topics += [t.strip() for t in word.split(":", 1)[1].split(",") if t.strip()]
        elif schedule.is_days(low):
            days = schedule.days_text(schedule.parse_days(low))
        else:
            try:
                zone = schedule.parse_zone(word).key
            except schedule.ScheduleError as exc:
                problems.append(str(exc))
    return time_text, zone, days, topics, problems


def may_change(ctx: Ctx, sub: subscriptions.SubscriptionRow | None) -> bool:
    """Whether this asker may switch off or replace a channel's digest: admins, whoever
    scheduled it, and the local operator (cli, console). A digest nobody owns (scheduled
    from the console, or before owners were recorded) is the admins' alone. Scheduling a
    channel that has no active digest is open to anyone."""
    if sub is None or not sub.active:
        return True
    if is_admin(ctx) or ctx.platform in ("cli", "console"):
        return True
    return sub.created_by is not None and sub.created_by == ctx.user


def _owner_only(sub: subscriptions.SubscriptionRow) -> Reply:
    by = f" (scheduled by {sub.created_by})" if sub.created_by else ""
    return message(
        f"Only an admin or whoever scheduled this channel's digest{by} can change it or "
        "switch it off."
    )


def _schedule(ctx: Ctx, inv: Invocation) -> Reply:
    services = ctx.services
    default_zone = services.settings.digest_default_timezone
    time_text, zone, days, topic_words, problems = parse_schedule(
        list(inv.args[1:]), default_zone=default_zone
    )
    topic_ids: list[str] = []
    for word in topic_words:
        resolution = services.taxonomy.resolve(word)
        if resolution.topic is None:
            near = ", ".join(t.id for t in resolution.suggestions) or "see /topics"
            problems.append(f"No topic “{word}” (nearest: {near}).")
        else:
            topic_ids.append(resolution.topic.id)
    if problems:
        return usage_reply(_command(), *problems)
    with services.db.session() as session:
        current = subscriptions.subscription_for(session, ctx.platform, ctx.channel or "")
        if not may_change(ctx, current):
            assert current is not None
            return _owner_only(current)
        saved = subscriptions.save_subscription(
            session,
            platform=ctx.platform,
            channel=ctx.channel or "",
            time_of_day=time_text,
            timezone=zone,
            days=days,
            topics=topic_ids,
            user=ctx.user,
        )
    audit.log(
        services.db,
        action="digest-schedule",
        subject=f"{ctx.platform}:{ctx.channel}",
        user=ctx.user,
        platform=ctx.platform,
        detail=f"{time_text} {zone} {days} {','.join(topic_ids)}".strip(),
    )
    services.schedulers.subscriptions_changed()
    nxt = schedule.next_fire(saved, schedule.aware(services.clock()))
    spec = schedule.spec_of(saved)
    text = (
        f"Digest scheduled for this channel: {time_text} {zone}, {days}"
        + (f", topics {', '.join(topic_ids)}" if topic_ids else "")
        + f". Next: {local_text(nxt, spec.zone)}."
    )
    return message(text, ephemeral=False)


def _off(ctx: Ctx, inv: Invocation) -> Reply:
    services = ctx.services
    with services.db.session() as session:
        current = subscriptions.subscription_for(session, ctx.platform, ctx.channel or "")
        if not may_change(ctx, current):
            assert current is not None
            return _owner_only(current)
        changed = subscriptions.deactivate(session, ctx.platform, ctx.channel or "")
    if not changed:
        return message("This channel has no digest scheduled.")
    audit.log(
        services.db,
        action="digest-off",
        subject=f"{ctx.platform}:{ctx.channel}",
        user=ctx.user,
        platform=ctx.platform,
    )
    services.schedulers.subscriptions_changed()
    return message("Digest switched off for this channel.", ephemeral=False)


def _window(ctx: Ctx) -> tuple[subscriptions.SubscriptionRow | None, dt.datetime, dt.datetime]:
    now = schedule.aware(ctx.services.clock())
    with ctx.services.db.session() as session:
        sub = subscriptions.subscription_for(session, ctx.platform, ctx.channel or "")
        start = claims.last_window_end(session, sub.id) if sub else None
    return sub, (schedule.aware(start) if start else now - PREVIEW_SPAN), now


def _compose(
    ctx: Ctx, sub: subscriptions.SubscriptionRow | None, start: dt.datetime, end: dt.datetime
) -> Digest:
    zone = schedule.spec_of(sub).zone if sub else None
    with ctx.services.db.session() as session:
        return compose(
            session,
            start=start,
            end=end,
            topics=sub.topics if sub else (),
            taxonomy=ctx.services.taxonomy,
            zone=zone,
        )


def _now(ctx: Ctx, inv: Invocation) -> Reply:
    sub, start, end = _window(ctx)
    if (
        sub is not None
        and sub.active
        and ctx.services.schedulers.request_run_now(ctx.platform, sub.id)
    ):
        return message("Posting this channel's digest now.")
    digest = _compose(ctx, sub, start, end)
    return digest.reply


def _preview(ctx: Ctx, inv: Invocation) -> Reply:
    sub, start, end = _window(ctx)
    digest = _compose(ctx, sub, start, end)
    # the same messages the channel would get, with the thread's start marked (an
    # ephemeral answer cannot open a thread, on any platform)
    blocks: list[Block] = []
    for kind, part in digest.parts():
        if kind == "thread":
            blocks += [Divider(), Context("In the thread:")]
        blocks += part.blocks
    blocks.append(Context("Preview: only you see this; nothing was recorded."))
    return Reply(tuple(blocks), ephemeral=True, summary=digest.reply.summary)


def _status(ctx: Ctx, inv: Invocation) -> Reply:
    now = schedule.aware(ctx.services.clock())
    with ctx.services.db.session() as session:
        sub = subscriptions.subscription_for(session, ctx.platform, ctx.channel or "")
        runs = claims.recent_runs(session, sub.id) if sub else []
    if sub is None:
        return message(
            "No digest is scheduled here. Try /digest schedule 08:00 Asia/Karachi weekdays."
        )
    spec = schedule.spec_of(sub)
    blocks: list[Block] = [Header("Digest status")]
    state = "on" if sub.active else "off"
    line = f"{sub.time_of_day} {sub.timezone}, {sub.days}" + (
        f", topics {', '.join(sub.topics)}" if sub.topics else ""
    )
    blocks.append(Section((Span("Schedule: ", bold=True), Span(f"{line} ({state})"))))
    if sub.active:
        nxt = schedule.next_fire(spec, now)
        blocks.append(Section((Span("Next run: ", bold=True), Span(local_text(nxt, spec.zone)))))
    if not runs:
        blocks.append(Context("No runs yet."))
    for run in runs:
        when = schedule.period_time(run.period) or schedule.aware(run.claimed_at)
        text = (
            f"{local_text(when, spec.zone)} · {run.status}"
            f" · {plural(run.messages_posted, 'message')}"
        )
        if run.attempts > 1:
            text += f" · {run.attempts} attempts"
        if run.period.startswith("manual:"):
            text += " · on demand"
        if run.error:
            text += f" · error: {run.error}"
        blocks.append(Context(text))
    return Reply(tuple(blocks), summary=f"Digest {state}: {line}")


def _chart(ctx: Ctx, inv: Invocation) -> Reply:
    if ctx.services.schedulers.request_chart(ctx.platform, ctx.channel or ""):
        return message("Posting the weekly chart here now.")
    from bot.chart import weekly_chart

    with ctx.services.db.session() as session:
        png = weekly_chart(session, end=schedule.aware(ctx.services.clock()).date())
    with tempfile.NamedTemporaryFile(prefix="weekly-chart-", suffix=".png", delete=False) as f:
        f.write(png)
    return message(f"Weekly chart written to {f.name}")
