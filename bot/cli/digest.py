"""Digest commands of `python -m bot`: compose one, post what is due, run the scheduler.

* `digest [--channel C] [--since DATE] [--print [--json]]` — compose a digest (the
  channel's topics and last window when it has a subscription) and print its messages as
  they would be posted (the main message, then each one of its thread; `--json`: one JSON
  object per message, `{"part": "main" | "thread", "text": …}`), or post it to the channel
  (of `--platform`) as an on-demand run when that platform can post.
* `digest-due` — one tick, for cron: post every digest due now (missed ones within the
  grace, coalesced), resume abandoned runs, send alerts; exactly once across processes;
  on every platform that can post (Slack, Discord).
* `digest-worker [--seconds N]` — the scheduler alone (APScheduler), one per platform that
  can post, for deployments that serve chat elsewhere, and for the crash tests.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import TYPE_CHECKING, Annotated

import typer

from bot import bootstrap
from bot.bootstrap import Boot, post_tokens
from bot.cli.common import fail

if TYPE_CHECKING:
    from bot.core.poster import Poster


def _poster(boot: Boot, platform: str) -> Poster:
    found = boot.platform(platform)
    if found is None or not found.posts:
        token = post_tokens().get(platform, f"{platform} credentials")
        raise fail(f"{token} is not set: nothing to post with (use --print)")
    return found.poster(boot.settings)


def _posting(boot: Boot) -> list[bootstrap.Platform]:
    platforms = boot.posting()
    if not platforms:
        tokens = " nor ".join(post_tokens().values())
        raise fail(f"neither {tokens} is set: nothing to post with")
    return platforms


def digest(
    channel: Annotated[
        str | None, typer.Option(help="Channel id (its subscription's topics).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="YYYY-MM-DD, or 7d / 2w ago.")] = None,
    print_: Annotated[bool, typer.Option("--print", help="Print instead of posting.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --print: one JSON object per message.")
    ] = False,
    platform: Annotated[str, typer.Option(help="Platform of --channel.")] = "slack",
) -> None:
    """Compose a digest of what came in (since the channel's last one, or --since)."""
    from bot.console.render import render
    from bot.core import schedule
    from bot.core.digest import compose
    from bot.core.invocation import parse_date
    from storage import claims, subscriptions

    boot = bootstrap.boot()
    services = boot.services
    clock = schedule.clock_from_settings(boot.settings.clock_override)
    now = schedule.aware(clock.now())
    sub = None
    start: dt.datetime | None = None
    if channel:
        with services.db.session() as session:
            sub = subscriptions.subscription_for(session, platform, channel)
            if sub is not None:
                end = claims.last_window_end(session, sub.id)
                start = schedule.aware(end) if end else None
    if since:
        day = parse_date(since, today=now.date())
        if day is None:
            raise fail(f"not a date: {since!r} (use YYYY-MM-DD, YYYY-MM, or 7d)")
        start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    start = start or now - dt.timedelta(days=1)
    if print_ or as_json or not channel:
        zone = schedule.spec_of(sub).zone if sub else None
        with services.db.session() as session:
            result = compose(
                session,
                start=start,
                end=now,
                topics=sub.topics if sub else (),
                taxonomy=services.taxonomy,
                zone=zone,
            )
        messages = [(kind, render(part)) for kind, part in result.parts()]
        if sub is not None and not result.empty and schedule.local_weekday(sub, now) == 0:
            # what the scheduler attaches to a Monday's thread
            messages.append(("thread", "[image] Positions per week (the weekly chart)"))
        _print_messages(messages, as_json=as_json)
        return
    from bot.core.poster import PostFailed
    from bot.scheduling.runner import DigestRunner

    runner = DigestRunner(services, _poster(boot, platform), clock)
    if sub is not None and not since:
        outcome = runner.run_now(sub.id)
        typer.echo(
            f"{outcome.status}: {outcome.messages} messages"
            + (f" ({outcome.error})" if outcome.error else "")
        )
        if outcome.status == "failed":
            raise typer.Exit(1)
        return
    with services.db.session() as session:
        result = compose(session, start=start, end=now, taxonomy=services.taxonomy)
    try:
        runner.post_parts(channel, result.reply)  # one-off: part by part, unclaimed
    except PostFailed as exc:
        raise fail(str(exc), 1) from None
    typer.echo("posted")


def _print_messages(messages: list[tuple[str, str]], *, as_json: bool) -> None:
    """The messages as posted: the main one, then the thread's, each marked (a reader of
    the terminal must see where the channel message ends)."""
    import json

    if as_json:
        for kind, text in messages:
            sys.stdout.write(json.dumps({"part": kind, "text": text}, ensure_ascii=False) + "\n")
        return
    threads = sum(1 for kind, _ in messages if kind == "thread")
    n = 0
    for kind, text in messages:
        if kind == "main":
            label = "main message"
        else:
            n += 1
            label = f"in the thread, {n}/{threads}"
        sys.stdout.write(f"──── {label} ────\n{text}\n\n")


def digest_due() -> None:
    """Post every digest due now, exactly once (for cron: run it every few minutes).

    Exits 1 when a due digest could not be posted (failed now, or failed earlier and
    waiting for its retry): the next run retries it within the grace, and cron's mail or
    the monitoring that watches the exit code hears about it meanwhile."""
    from bot.scheduling.runner import RETRY_PENDING, DigestRunner
    from storage.claims import FAILED

    boot = bootstrap.boot(serving=True)
    unposted = 0
    for platform in _posting(boot):
        runner = DigestRunner(boot.services, platform.poster(boot.settings))
        outcomes = runner.run_due()
        for outcome in outcomes:
            line = f"{outcome.subscription_id} {outcome.period}: {outcome.status}"
            typer.echo(line + (f" ({outcome.error})" if outcome.error else ""))
        runner.notify_followers()
        unposted += sum(o.status in (FAILED, RETRY_PENDING) for o in outcomes)
    if unposted:
        typer.echo(f"error: {unposted} due digest(s) could not be posted", err=True)
        raise typer.Exit(1)


def digest_worker(
    seconds: Annotated[float | None, typer.Option(help="Stop after this long.")] = None,
    sweep: Annotated[float, typer.Option(help="Seconds between sweeps.")] = 15.0,
) -> None:
    """Run the digest scheduler (no chat server)."""
    boot = bootstrap.boot(serving=True)
    schedulers = boot.start_schedulers(_posting(boot), sweep_seconds=sweep)
    typer.echo("digest scheduler running", err=True)
    deadline = None if seconds is None else time.monotonic() + seconds
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        for scheduler in schedulers:
            scheduler.stop()
