"""Digest commands of `python -m bot`: compose one, post what is due, run the scheduler.

* `digest [--channel C] [--since DATE] [--print [--json]]` — compose a digest (the
  channel's topics and last window when it has a subscription) and print its messages as
  they would be posted (the main message, then each one of its thread; `--json`: one JSON
  object per message, `{"part": "main" | "thread", "text": …}`), or post it to the channel
  as an on-demand run when Slack is configured.
* `digest-due` — one tick, for cron: post every digest due now (missed ones within the
  grace, coalesced), resume abandoned runs, send alerts; exactly once across processes.
* `digest-worker [--seconds N]` — the scheduler alone (APScheduler), for deployments that
  serve Slack elsewhere, and for the crash tests.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from typing import Annotated

import typer

from bot.settings import Settings, get_settings


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _services(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.core.services import Services

    return Services.build(settings)


def _poster(settings: Settings):  # type: ignore[no-untyped-def]
    if settings.slack_bot_token is None:
        raise _fail("SLACK_BOT_TOKEN is not set: nothing to post with (use --print)")
    from bot.slack.poster import SlackPoster

    return SlackPoster.from_settings(settings)


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

    settings = get_settings()
    services = _services(settings)
    clock = schedule.clock_from_settings(settings.clock_override)
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
            raise _fail(f"not a date: {since!r} (use YYYY-MM-DD, YYYY-MM, or 7d)")
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
    poster = _poster(settings)
    if sub is not None and not since:
        from bot.scheduling.runner import DigestRunner

        outcome = DigestRunner(services, poster, clock).run_now(sub.id)
        typer.echo(
            f"{outcome.status}: {outcome.messages} messages"
            + (f" ({outcome.error})" if outcome.error else "")
        )
        if outcome.status == "failed":
            raise typer.Exit(1)
        return
    from bot.core.digest import split_reply
    from bot.core.poster import PostFailed

    with services.db.session() as session:
        result = compose(session, start=start, end=now, taxonomy=services.taxonomy)
    thread = None
    try:
        for part in split_reply(result.reply):
            ids = poster.post(channel, part, thread=thread)
            thread = thread or (ids[0] if ids else None)
    except PostFailed as exc:
        raise _fail(str(exc), 1) from None
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

    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    runner = DigestRunner(_services(settings), _poster(settings))
    outcomes = runner.run_due()
    for outcome in outcomes:
        line = f"{outcome.subscription_id} {outcome.period}: {outcome.status}"
        typer.echo(line + (f" ({outcome.error})" if outcome.error else ""))
    runner.notify_followers()
    unposted = [o for o in outcomes if o.status in (FAILED, RETRY_PENDING)]
    if unposted:
        typer.echo(f"error: {len(unposted)} due digest(s) could not be posted", err=True)
        raise typer.Exit(1)


def digest_worker(
    seconds: Annotated[float | None, typer.Option(help="Stop after this long.")] = None,
    sweep: Annotated[float, typer.Option(help="Seconds between sweeps.")] = 15.0,
) -> None:
    """Run the digest scheduler (no chat server)."""
    from bot.scheduling.jobs import DigestScheduler

    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    scheduler = DigestScheduler(_services(settings), _poster(settings), sweep_seconds=sweep)
    scheduler.start()
    typer.echo("digest scheduler running", err=True)
    deadline = None if seconds is None else time.monotonic() + seconds
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.stop()


def start_with_slack(settings: Settings, services: object, client: object) -> object:
    """Start the scheduler beside the Slack server (bot.cli_chat.serve_forever calls this)."""
    from bot.scheduling.jobs import DigestScheduler
    from bot.slack.poster import SlackPoster

    return DigestScheduler(services, SlackPoster(client)).start()  # type: ignore[arg-type]


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)
    app.command("digest-due")(digest_due)
    app.command("digest-worker")(digest_worker)
