"""`python -m bot …`: the one entry point for every way of running the bot.

Indexer and ledger commands live here; the chat commands (serve, console, ask) are
registered by `bot.cli_chat` so this module never imports a chat SDK.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from bot.settings import Settings, get_settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # a frame's locals may hold a token
    help="US–Pakistan briefing bot: index articles, answer questions, post digests.",
)


def _settings() -> Settings:
    return get_settings()


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@app.command()
def ingest(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Files, directories, http(s) URLs, or - for stdin."),
    ],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the totals.")] = False,
) -> None:
    """Index articles. The same article twice is stored once."""
    from tqdm import tqdm

    from bot.indexer.pipeline import AuditAs, Indexer
    from bot.runtime import open_database
    from storage import audit

    settings = _settings()
    db = open_database(settings)
    indexer = Indexer(db, settings)
    counts: Counter[str] = Counter()
    failures: list[tuple[str, str]] = []
    # bytes, at most one past the cap: a huge or non-UTF-8 stdin is refused like a file
    # each stored article's audit row is written in its batch's transaction
    results = indexer.ingest_paths(
        inputs,
        stdin=lambda: sys.stdin.buffer.read(settings.max_article_bytes + 1),
        audit_as=AuditAs(audit.local_user(), "cli"),
    )
    bar = tqdm(results, unit="article", disable=quiet or not sys.stderr.isatty(), file=sys.stderr)
    for result in bar:
        counts[result.status] += 1
        if result.status == "refused":
            failures.append((result.name, result.reason or "refused"))
            line = f"failed: {result.name}: {result.reason}"
        elif result.status == "duplicate":
            line = f"already indexed: {result.name} ({result.reason})"
        elif result.status == "near-duplicate":
            line = f"same story as article {result.duplicate_of}: {result.title}"
        else:
            line = f"new: {result.title} — {len(result.positions)} positions"
        if not quiet:
            tqdm.write(line, file=sys.stdout)
    stored = counts["new"] + counts["near-duplicate"]
    typer.echo(
        f"{counts['new']} new, {counts['near-duplicate']} same story, "
        f"{counts['duplicate']} duplicate, {counts['refused']} failed"
    )
    for name, reason in failures:
        typer.echo(f"  failed: {name}: {reason}", err=True)
    if counts["refused"] and stored == 0 and counts["duplicate"] == 0:
        raise typer.Exit(1)


def _parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    for fmt, width in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        try:
            return dt.datetime.strptime(value[:width], fmt).date()
        except ValueError:
            continue
    raise _fail(f"not a date: {value!r} (use YYYY-MM-DD, YYYY-MM or YYYY)")


@app.command()
def positions(
    topic: Annotated[str | None, typer.Option(help="Topic id, label or alias.")] = None,
    actor: Annotated[str | None, typer.Option(help="United States, Pakistan, …")] = None,
    since: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Export positions, newest first."""
    from bot.indexer.actors import load_directory
    from bot.runtime import open_database
    from bot.topics import load_taxonomy
    from storage import ledger

    settings = _settings()
    topic_id = None
    if topic:
        resolution = load_taxonomy(settings.topics_path).resolve(topic)
        if resolution.topic is None:
            near = ", ".join(t.id for t in resolution.suggestions) or "see `python -m bot topics`"
            raise _fail(f"no topic {topic!r}; nearest: {near}")
        topic_id = resolution.topic.id
    actor_name = None
    if actor:
        directory = load_directory(settings.actors_path)
        actor_name = directory.state(actor) or directory.nationality(actor)
        if actor_name is None:
            raise _fail(f"no actor {actor!r}; known: {', '.join(directory.actor_names)}")
    since_date = _parse_date(since)
    db = open_database(settings)
    with db.session() as session:
        for pos, art in ledger.positions_for_export(
            session, topic=topic_id, actor=actor_name, since=since_date
        ):
            record = {
                "actor": pos.actor,
                "speaker": pos.speaker,
                "speaker_office": pos.speaker_office,
                "topic": pos.topic,
                "claim": pos.claim,
                "evidence": pos.evidence,
                "kind": pos.kind,
                "published": pos.published.isoformat(),
                "stated_on": pos.stated_on,
                "stated_basis": pos.stated_basis,
                "statement_id": pos.statement_id if pos.statement_id is not None else pos.id,
                "stance": pos.stance,
                "stance_cue": pos.stance_cue,
                "article": {
                    "id": art.id,
                    "title": art.title,
                    "source": art.source,
                    "url": art.url,
                    "source_path": art.source_path,
                },
            }
            if as_json:
                typer.echo(json.dumps(record, ensure_ascii=False))
            else:
                who = pos.speaker or f"{pos.actor} (unnamed)"
                typer.echo(f"{pos.stated_on}  {pos.actor:<14} {pos.topic:<22} {who}: {pos.claim}")


@app.command()
def articles(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Export articles with their summaries, newest first."""
    from bot.runtime import open_database
    from storage import ledger

    db = open_database(_settings())
    with db.session() as session:
        for art in ledger.articles_for_export(session):
            record = {
                "id": art.id,
                "title": art.title,
                "source": art.source,
                "url": art.url,
                "source_path": art.source_path,
                "published": art.published.isoformat(),
                "date_precision": art.date_precision,
                "date_basis": art.date_basis,
                "summary": art.summary,
                "gist": art.gist,
                "story_id": art.story_id,
                "positions": len(art.positions),
                "ingested_at": art.ingested_at.isoformat(timespec="seconds"),
            }
            if as_json:
                typer.echo(json.dumps(record, ensure_ascii=False))
            else:
                typer.echo(f"{art.published}  [{art.id}] {art.title} — {art.source or '?'}")
                typer.echo(f"    {art.gist}")


@app.command("eval")
def evaluate(
    errors: Annotated[bool, typer.Option(help="List false positives and misses.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="An annotated folder (articles plus positions_*.jsonl), e.g. "
            "../shared/spec/dev; default: the seeds."
        ),
    ] = None,
) -> None:
    """Score extraction and summaries against annotated articles, in a fresh database."""
    from bot.evaluation_run import run_evaluation

    try:
        report = run_evaluation(_settings(), corpus)
    except FileNotFoundError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        typer.echo(report.render(errors=errors))


@app.command()
def seed() -> None:
    """Ingest the seed articles if this database has none yet."""
    from bot.indexer.pipeline import Indexer
    from bot.runtime import ensure_seeded, open_database

    settings = _settings()
    db = open_database(settings)
    results = ensure_seeded(db, Indexer(db, settings), settings)
    new = sum(r.status == "new" for r in results)
    typer.echo(f"seeded {new} articles" if results else "seeds already indexed")


@app.command()
def backup(
    dest: Annotated[Path, typer.Argument(help="File (or directory) to write the copy to.")],
) -> None:
    """Copy the live SQLite database consistently (safe while the bot runs)."""
    from storage.backup import BackupUnsupported
    from storage.backup import backup as run_backup

    try:
        written = run_backup(_settings().database_url, dest)
    except BackupUnsupported as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"backed up to {written}")


@app.command()
def start() -> None:
    """What `make run` does: seed on first run, then serve Slack if configured, else a console."""
    from bot.indexer.pipeline import Indexer
    from bot.runtime import ensure_seeded, open_database

    settings = _settings()
    db = open_database(settings)
    results = ensure_seeded(db, Indexer(db, settings), settings)
    if results:
        typer.echo(f"first run: indexed {sum(r.status == 'new' for r in results)} seed articles")
    try:
        from bot import cli_chat
    except ImportError:
        cli_chat = None  # type: ignore[assignment]
    if cli_chat is not None and (
        settings.has_slack_credentials or settings.has_discord_credentials
    ):
        cli_chat.serve_forever(settings)
    elif cli_chat is not None:
        typer.echo(
            "No Slack or Discord credentials (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET, or "
            "DISCORD_APPLICATION_ID + DISCORD_PUBLIC_KEY): local console."
        )
        cli_chat.console_forever(settings)
    else:
        positions(topic="haqqani", actor=None, since=None, as_json=False)


# Modules that add their own commands (chat adapters, digests, admin); each exports
# register(app). Listed here so this module imports no chat SDK at load time.
EXTENSIONS = ("bot.cli_chat", "bot.cli_digest", "bot.cli_discord", "bot.cli_admin")


def _register_extensions() -> None:
    import importlib

    for name in EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise  # a broken extension must fail loudly, not vanish from the CLI
            continue
        module.register(app)


_register_extensions()


def main() -> None:
    from pydantic import ValidationError

    from bot.logging_setup import install
    from bot.settings import describe_invalid

    install()  # before anything logs: known secrets are redacted from every record
    try:
        app()
    except ValidationError as exc:  # bad environment: one sentence, not a traceback
        if exc.title != Settings.__name__:
            raise
        typer.echo(f"error: {describe_invalid(exc)}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":  # pragma: no cover
    main()
