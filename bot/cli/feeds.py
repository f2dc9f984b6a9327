"""`python -m bot feeds add|list|remove|poll`: the feeds from the command line.

`add`, `list` and `remove` run the chat command (/feeds) through the core with platform
"cli" — the same checks, sentences and audit entries — and print its answer. `poll` is
for cron: it polls every feed that is due, each under its claim in the database, so it
may run beside a bot process (or another cron) without ingesting an entry twice.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from bot import bootstrap
from bot.priority import lower_priority

if TYPE_CHECKING:
    from bot.core.services import Services

feeds_app = typer.Typer(
    no_args_is_help=True,
    help="RSS and Atom feeds read by the bot: add, list, remove, poll (for cron).",
)


def _services() -> Services:
    return bootstrap.boot().services


def _run_chat_command(line: str) -> None:
    """Run "/feeds …" as the local user; a refusal or usage answer exits 2."""
    from bot.console.render import render
    from bot.core.commands import Ctx, dispatch
    from bot.core.invocation import parse
    from storage.audit import local_user

    services = _services()
    try:
        user = local_user()
        reply = dispatch(Ctx(services, user=user, platform="cli"), parse(line, user=user))
    finally:
        services.close()
    refused = bool(reply.tags & {"usage", "refused", "error"})
    typer.echo(render(reply), err=refused)
    if refused:
        raise typer.Exit(2)


def _quote(word: str) -> str:
    return f'"{word}"' if " " in word else word


@feeds_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The feed's http(s) address.")],
    topics: Annotated[
        list[str] | None,
        typer.Argument(help="Only entries naming one of these topics (default: every entry)."),
    ] = None,
    every: Annotated[
        int | None, typer.Option(help="Minutes between polls (default FEED_DEFAULT_INTERVAL).")
    ] = None,
) -> None:
    """Add a feed; the scheduler (or `feeds poll`) reads it from then on."""
    parts = ["/feeds", "add", url, *(_quote(t) for t in topics or ())]
    if every is not None:
        parts.append(f"every:{every}")
    _run_chat_command(" ".join(parts))


@feeds_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per feed.")] = False,
) -> None:
    """Every feed with its state: last success, last error, articles added, next poll."""
    if not as_json:
        _run_chat_command("/feeds list")
        return
    from storage import feeds as store

    services = _services()
    try:
        with services.db.session() as session:
            rows = store.all_feeds(session)
    finally:
        services.close()
    for row in rows:
        record = {
            "id": row.id,
            "url": row.url,
            "title": row.title,
            "topics": list(row.topics),
            "interval_minutes": row.interval_minutes,
            "items_ingested": row.items_ingested,
            "last_success_at": _iso(row.last_success_at),
            "last_error_at": _iso(row.last_error_at),
            "last_error": row.last_error,
            "consecutive_errors": row.consecutive_errors,
            "next_due_at": _iso(row.next_due_at),
        }
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@feeds_app.command("remove")
def remove(feed_id: Annotated[str, typer.Argument(help="The id `feeds list` shows.")]) -> None:
    """Stop reading a feed (the articles it brought in stay)."""
    _run_chat_command(f"/feeds remove {feed_id}")


@feeds_app.command("poll")
def poll(
    all_: Annotated[
        bool, typer.Option("--all", help="Poll every feed now, due or not (still claimed).")
    ] = False,
    feed: Annotated[int | None, typer.Option(help="Poll only this feed (due or not).")] = None,
) -> None:
    """Poll the feeds that are due, each once across processes (for cron).

    Run it every few minutes. Exits 1 when a feed polled now failed (the failure is
    recorded and the feed backed off)."""
    from bot.indexer.feeds import ERROR, FeedPoller

    services = bootstrap.boot(serving=True).services  # cron keeps the log of what it did
    lower_priority(services.settings.batch_nice)
    try:
        poller = FeedPoller(
            services.db, services.settings, lambda: services.indexer, lambda: services.taxonomy
        )
        if feed is not None:
            outcomes = [poller.poll(feed, force=True)]
        else:
            outcomes = poller.poll_due(force=all_)
    finally:
        services.close()
    for o in outcomes:
        line = f"feed {o.feed_id}: {o.status}"
        if o.entries_new or o.ingested:
            line += f", {o.entries_new} new entries, {o.ingested} articles added"
        typer.echo(line + (f" ({o.error})" if o.error else ""))
    failed = [o for o in outcomes if o.status == ERROR]
    if failed:
        typer.echo(f"error: {len(failed)} feed(s) could not be read", err=True)
        raise typer.Exit(1)
