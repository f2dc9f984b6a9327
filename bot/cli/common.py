"""What every command shares: how a refusal is reported, and batch work's CPU priority."""

from __future__ import annotations

import logging
import os

import typer

log = logging.getLogger(__name__)


def as_batch_work(nice: int) -> None:
    """Lower this process's CPU priority by `nice` (the BATCH_NICE setting).

    Bulk indexing is throughput work that nobody waits on line by line; a bot serving
    chat on the same machine must acknowledge within 3 s. Measured with bench/load.py, a
    bulk ingest at normal priority was the largest competitor for the two cores. Where
    the platform has no `os.nice`, the run goes on at normal priority.
    """
    if nice <= 0 or not hasattr(os, "nice"):
        return
    try:
        os.nice(nice)
    except OSError:
        log.warning("could not lower the CPU priority by %s; running at normal priority", nice)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `error: <message>` to stderr; the caller raises the returned Exit."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)
