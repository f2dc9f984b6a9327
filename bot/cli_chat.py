"""The chat commands of `python -m bot`: serve (Slack), console, ask.

Kept apart from bot/cli.py so that indexing never imports a chat SDK; `register` adds these
commands to the main Typer app.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from bot.settings import Settings, get_settings


def _services(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.core.services import Services

    return Services.build(settings)


def serve_forever(settings: Settings) -> None:
    """Serve Slack: Socket Mode with SLACK_APP_TOKEN, else HTTP on $PORT at /slack/events;
    and Discord on $DISCORD_PORT when DISCORD_* are set (alone when Slack has no token)."""
    from bot.slack.app import SlackTokenRejected, build_app
    from bot.slack.server import serve as run

    if settings.slack_bot_token is None and settings.has_discord_credentials:
        from bot.cli_discord import serve_discord_forever  # Discord only

        serve_discord_forever(settings)
        return
    if settings.slack_bot_token is None:
        typer.echo("error: SLACK_BOT_TOKEN is not set", err=True)
        raise typer.Exit(2)
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        typer.echo("error: set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN", err=True)
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    services = _services(settings)
    try:
        app = build_app(settings, services, verify_token=True)
    except SlackTokenRejected as exc:  # auth.test refused the token: one line, no traceback
        typer.echo(f"error: Slack did not accept SLACK_BOT_TOKEN: {exc}", err=True)
        raise typer.Exit(2) from None
    from bot.cli_discord import serve_alongside  # Discord beside Slack, when configured

    serve_alongside(settings, services)
    from bot.cli_digest import start_with_slack  # scheduled digests and alerts, via Slack

    start_with_slack(settings, services, app.client)
    run(settings, app)


def console_forever(settings: Settings) -> None:
    from bot.console.repl import repl

    repl(_services(settings))


def serve() -> None:
    """Answer Slack: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT."""
    serve_forever(get_settings())


def console() -> None:
    """The same commands in this terminal, over the local database."""
    console_forever(get_settings())


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

    out = run(_services(get_settings()), line, render=to_json if as_json else render)
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
        typer.echo(f"error: no manifest for {platform!r}: slack or discord", err=True)
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("manifest")(manifest)
    app.command("serve")(serve)
    app.command("console")(console)
    app.command("ask")(ask)
