"""`python -m bot …`: the one entry point for every way of running the bot.

Each module here is a handful of thin commands that ask bot/bootstrap.py for what they
need; this file lists them all on one Typer app. Modules import nothing heavy at load
time (no spaCy, no chat SDK), so `python -m bot positions` starts quickly.
"""

from __future__ import annotations

import typer

from bot.bootstrap import configure_logging
from bot.cli import chat, corrections, digest, discord, feeds, ingest, ledger
from bot.platform import BootError
from bot.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # a frame's locals may hold a token
    help="US–Pakistan briefing bot: index articles, answer questions, post digests.",
)

app.command()(ingest.ingest)
app.command()(ledger.positions)
app.command()(ledger.articles)
app.command("eval")(ledger.evaluate)
app.command()(ingest.seed)
app.command()(ingest.backup)
app.command()(chat.start)
app.command()(chat.serve)
app.command()(chat.console)
app.command()(chat.ask)
app.command()(digest.digest)
app.command("digest-due")(digest.digest_due)
app.command("digest-worker")(digest.digest_worker)
app.command("serve-discord")(discord.serve_discord)
app.command("discord-register")(discord.discord_register)
app.command()(chat.manifest)
app.add_typer(feeds.feeds_app, name="feeds")
app.command("corrections")(corrections.corrections_export)
app.command("corrections-eval")(corrections.corrections_eval)


def main() -> None:
    from pydantic import ValidationError

    from bot.settings import describe_invalid

    configure_logging()  # before anything logs: known secrets are redacted from every record
    try:
        app()
    except ValidationError as exc:  # bad environment: one sentence, not a traceback
        if exc.title != Settings.__name__:
            raise
        typer.echo(f"error: {describe_invalid(exc)}", err=True)
        raise SystemExit(2) from None
    except BootError as exc:  # settings that cannot serve or post: one sentence too
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
