"""Answering users: start (what `make run` does), serve, console, ask."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bot import bootstrap
from bot.bootstrap import Boot
from bot.cli.common import fail
from bot.platform import BootError

NO_CHAT_CREDENTIALS = (
    "No Slack or Discord credentials (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET, or "
    "DISCORD_APPLICATION_ID + DISCORD_PUBLIC_KEY): local console."
)


def serve_enabled(boot: Boot) -> None:
    """Serve every platform these settings configure to answer users; blocks."""
    for platform in boot.platforms:
        if platform.serve_error:  # configured, but not enough to answer: say what is missing
            raise BootError(platform.serve_error)
    serving = boot.serving()
    if not serving:
        raise BootError("SLACK_BOT_TOKEN is not set")
    boot.serve(serving)


def start() -> None:
    """What `make run` does: seed on first run, then serve Slack if configured, else a console."""
    boot = bootstrap.boot()
    results = boot.ensure_seeded()
    if results:
        typer.echo(f"first run: indexed {sum(r.status == 'new' for r in results)} seed articles")
    if boot.serving():
        serve_enabled(boot)
    else:
        typer.echo(NO_CHAT_CREDENTIALS)
        run_console(boot)


def run_console(boot: Boot) -> None:
    from bot.console.repl import repl

    repl(boot.services)


def serve() -> None:
    """Answer Slack: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT."""
    serve_enabled(bootstrap.boot(serving=True))


def console() -> None:
    """The same commands in this terminal, over the local database."""
    run_console(bootstrap.boot())


def ask(
    line: Annotated[str, typer.Argument(help='A command, e.g. "/position haqqani".')],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the Block Kit JSON Slack would receive.")
    ] = False,
) -> None:
    """Print one reply and exit."""
    from bot.console.render import render
    from bot.console.repl import ask as run
    from bot.slack.render import to_json

    out = run(bootstrap.boot().services, line, render=to_json if as_json else render)
    sys.stdout.write(out + "\n")


def manifest(
    platform: Annotated[str, typer.Argument(help="slack (app manifest YAML) or discord (JSON).")],
) -> None:
    """Print what the command registry generates for a platform's command list."""
    if platform == "slack":
        from bot.slack.manifest import slack_manifest

        sys.stdout.write(slack_manifest())
    elif platform == "discord":
        import json

        from bot.discord.commands import application_commands

        sys.stdout.write(json.dumps(application_commands(), ensure_ascii=False, indent=2) + "\n")
    else:
        raise fail(f"no manifest for {platform!r}: slack or discord")
