"""Discord's own commands: serve-discord (Discord alone) and discord-register."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot import bootstrap
from bot.cli.common import fail
from bot.platform import BootError


def serve_discord() -> None:
    """Answer Discord interactions over HTTP on $DISCORD_PORT at /interactions."""
    boot = bootstrap.boot(serving=True)
    platform = boot.platform("discord")
    if platform is None or not platform.serves:
        raise BootError("set DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID (developer portal)")
    boot.serve([platform])


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

    settings = bootstrap.boot().settings
    payload = application_commands()
    if dry_run:
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if not settings.discord_application_id or settings.discord_bot_token is None:
        raise fail("set DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN")
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
        raise fail(str(exc)) from None
    finally:
        rest.close()
    count = len(result) if isinstance(result, list) else len(payload)
    where = f"for guild {target}" if target else "globally"
    typer.echo(f"registered {count} commands {where}")
