"""The Discord commands of `python -m bot`: serve-discord and discord-register.

Kept apart from bot/cli.py (which only lists this module in EXTENSIONS) so indexing never
imports the adapter; `start_in_background` is what `python -m bot serve` calls to answer
Discord beside Slack from one process.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Annotated

import typer

from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    from bot.core.services import Services
    from bot.discord.server import DiscordServer
    from bot.scheduling.jobs import DigestScheduler

log = logging.getLogger(__name__)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _check(settings: Settings) -> None:
    if not settings.discord_public_key or not settings.discord_application_id:
        raise _fail("set DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID (developer portal)")
    try:
        bytes.fromhex(settings.discord_public_key)
    except ValueError:
        raise _fail("DISCORD_PUBLIC_KEY must be the hex key shown in the portal") from None
    if settings.discord_bot_token is None:
        log.warning("DISCORD_BOT_TOKEN is not set: commands work, scheduled posts will not")


def start_digests(settings: Settings, services: Services) -> DigestScheduler | None:
    """Scheduled digests and alerts for Discord subscriptions, posted with the bot token.

    The scheduler is the digest code's own (bot.scheduling): it serves one platform, takes
    only that platform's subscriptions, and claims every run in the database before
    posting — so Discord gets the same exactly-once guarantee as Slack.
    """
    if settings.discord_bot_token is None:
        return None
    from bot.discord.poster import DiscordPoster
    from bot.scheduling.jobs import DigestScheduler

    return DigestScheduler(services, DiscordPoster.from_settings(settings)).start()


def start_in_background(settings: Settings, services: Services) -> DiscordServer:
    """Serve Discord on a daemon thread (for `serve`, beside Slack) and return the server;
    Discord's digest scheduler starts with it."""
    from bot.discord.server import INTERACTIONS_PATH, build_server

    _check(settings)
    server = build_server(settings, services).start()
    log.info("Discord: HTTP interactions on port %s, path %s", server.port, INTERACTIONS_PATH)
    start_digests(settings, services)
    return server


def serve_alongside(settings: Settings, services: Services) -> None:
    """The hook `serve` calls before serving Slack: Discord too, when it is configured."""
    if settings.has_discord_credentials:
        start_in_background(settings, services)


def serve_discord_forever(settings: Settings) -> None:
    """Block serving Discord alone (`serve-discord`, or `serve` with no Slack token)."""
    from bot.core.services import Services
    from bot.discord.server import serve

    _check(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    services = Services.build(settings)
    start_digests(settings, services)
    serve(settings, services)


def serve_discord() -> None:
    """Answer Discord interactions over HTTP on $DISCORD_PORT at /interactions."""
    serve_discord_forever(get_settings())


def discord_register(
    guild: Annotated[
        str | None,
        typer.Option("--guild", help="Register for this guild only (default: DISCORD_GUILD_ID)."),
    ] = None,
    global_: Annotated[
        bool, typer.Option("--global", help="Register globally even if DISCORD_GUILD_ID is set.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the commands' JSON; send nothing.")
    ] = False,
) -> None:
    """Register the slash commands and the "Add to briefing" message command with Discord
    (a bulk overwrite: commands no longer in the bot are removed)."""
    from bot.discord.commands import application_commands
    from bot.discord.rest import DiscordError, DiscordRest

    settings = get_settings()
    payload = application_commands()
    if dry_run:
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if not settings.discord_application_id or settings.discord_bot_token is None:
        raise _fail("set DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN")
    target = None if global_ else (guild or settings.discord_guild_id)
    app_id = settings.discord_application_id
    path = (
        f"/applications/{app_id}/guilds/{target}/commands"
        if target
        else f"/applications/{app_id}/commands"
    )
    rest = DiscordRest(settings.discord_api_url, settings.discord_bot_token.get_secret_value())
    try:
        result = rest.request("PUT", path, json_body=payload)
    except DiscordError as exc:
        raise _fail(str(exc)) from None
    finally:
        rest.close()
    count = len(result) if isinstance(result, list) else len(payload)
    where = f"for guild {target}" if target else "globally"
    typer.echo(f"registered {count} commands {where}")


def register(app: typer.Typer) -> None:
    app.command("serve-discord")(serve_discord)
    app.command("discord-register")(discord_register)
