"""Filling and keeping the ledger: ingest, seed, backup."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from bot import bootstrap
from bot.cli.common import fail
from bot.priority import lower_priority


def ingest(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Files, directories, http(s) URLs, or - for stdin."),
    ],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the totals.")] = False,
) -> None:
    """Index articles. The same article twice is stored once."""
    from tqdm import tqdm

    from bot.indexer.pipeline import AuditAs
    from storage import audit

    boot = bootstrap.boot()
    settings = boot.settings
    lower_priority(settings.batch_nice)
    indexer = boot.indexer()
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


def seed() -> None:
    """Ingest the seed articles if this database has none yet."""
    results = bootstrap.boot().ensure_seeded()
    new = sum(r.status == "new" for r in results)
    typer.echo(f"seeded {new} articles" if results else "seeds already indexed")


def backup(
    dest: Annotated[Path, typer.Argument(help="File (or directory) to write the copy to.")],
) -> None:
    """Copy the live SQLite database consistently (safe while the bot runs)."""
    from storage.backup import BackupUnsupported
    from storage.backup import backup as run_backup

    try:
        written = run_backup(bootstrap.boot().settings.database_url, dest)
    except BackupUnsupported as exc:
        raise fail(str(exc)) from None
    typer.echo(f"backed up to {written}")
