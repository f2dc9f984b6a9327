"""Reading the ledger from the command line: positions, articles, and the extraction score."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from bot import bootstrap
from bot.cli.common import fail


def _parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    for fmt, width in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        try:
            return dt.datetime.strptime(value[:width], fmt).date()
        except ValueError:
            continue
    raise fail(f"not a date: {value!r} (use YYYY-MM-DD, YYYY-MM or YYYY)")


def positions(
    topic: Annotated[str | None, typer.Option(help="Topic id, label or alias.")] = None,
    actor: Annotated[str | None, typer.Option(help="United States, Pakistan, …")] = None,
    since: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Export positions, newest first."""
    from bot.indexer.actors import load_directory
    from bot.topics import load_taxonomy
    from storage import ledger

    boot = bootstrap.boot()
    settings = boot.settings
    topic_id = None
    if topic:
        resolution = load_taxonomy(settings.topics_path).resolve(topic)
        if resolution.topic is None:
            near = ", ".join(t.id for t in resolution.suggestions) or "see `python -m bot topics`"
            raise fail(f"no topic {topic!r}; nearest: {near}")
        topic_id = resolution.topic.id
    actor_name = None
    if actor:
        directory = load_directory(settings.actors_path)
        actor_name = directory.asked_for(actor)
        if actor_name is None:
            raise fail(f"no actor {actor!r}; known: {', '.join(directory.actor_names)}")
    since_date = _parse_date(since)
    with boot.db.session() as session:
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


def articles(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Export articles with their summaries, newest first."""
    from storage import ledger

    with bootstrap.boot().db.session() as session:
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
    corrections: Annotated[
        bool, typer.Option("--corrections", help="Score against this ledger's corrections.")
    ] = False,
) -> None:
    """Score extraction and summaries against annotated articles, in a fresh database."""
    if corrections:
        from bot.cli.corrections import evaluate_corrections

        return evaluate_corrections(as_json=as_json)
    from bot.evaluation_run import run_evaluation

    try:
        report = run_evaluation(bootstrap.boot().settings, corpus)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        typer.echo(report.render(errors=errors))
