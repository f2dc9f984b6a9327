"""Correction commands of `python -m bot`.

* `corrections [--json] [--out DIR]` — the active corrections as annotated positions in
  the gold format (`seeds/gold/README.md`), one JSON object per line with `--json`;
  `--out DIR` writes `DIR/articles/<name>` and `DIR/positions_corrections.jsonl` (the
  positive lines) so the set can also be read as a corpus.
* `corrections-eval [--json]` — what `eval --corrections` runs: the current extractor
  scored against those corrections.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot import bootstrap


def corrections_export(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="Write a corpus folder: articles/ and positions_corrections.jsonl."),
    ] = None,
) -> None:
    """Export corrected statements as annotated positions (the gold format)."""
    from storage import corrections_export

    db = bootstrap.boot().db
    with db.session() as session:
        lines = corrections_export.annotated(session)
        articles = corrections_export.corrected_articles(session) if out else []
    if out is not None:
        (out / "articles").mkdir(parents=True, exist_ok=True)
        for name, art in articles:
            (out / "articles" / name).write_text(art.text, encoding="utf-8")
        with (out / "positions_corrections.jsonl").open("w", encoding="utf-8") as fh:
            for line in lines:
                if not line.not_stance:
                    fh.write(json.dumps(line.as_gold(), ensure_ascii=False) + "\n")
    for line in lines:
        if as_json:
            typer.echo(json.dumps(line.as_gold(), ensure_ascii=False))
        else:
            what = "not a stance" if line.not_stance else f"{line.actor} / {line.topic}"
            who = line.speaker or "unnamed"
            typer.echo(
                f"#{line.correction_id} [{line.correction}] {line.article}  {what}  "
                f"({who}): {line.evidence[:120]}"
            )
    if not lines and not as_json:
        typer.echo("no corrections")


def corrections_eval(
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score the current extractor against the team's corrections."""
    evaluate_corrections(as_json=as_json)


def evaluate_corrections(*, as_json: bool) -> None:
    """Shared by `corrections-eval` and `eval --corrections`."""
    from bot.evaluation_corrections import run_corrections_eval

    boot = bootstrap.boot()
    report = run_corrections_eval(boot.settings, boot.db)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        typer.echo(report.render())
