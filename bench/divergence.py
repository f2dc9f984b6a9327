"""The divergence decision on real pairs, for judging by hand.

Ingests the given inputs into a fresh SQLite file (keeping each position's stance as the
pipeline reads it), then for every topic on which both the United States and Pakistan
are on record prints the pairs `bot.core.divergence.diverge` is asked about: the latest
of each side (what /position shows), and, walking the statements in date order, each
one beside the other side's latest at that date. Each pair shows both claims with
speaker, date, stance and cue, and whether a divergence would be shown and why.

    .venv/bin/python bench/divergence.py /work/shared/spec/dev/articles seeds
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.divergence import Statement, diverge
from bot.indexer.pipeline import Indexer
from bot.settings import Settings
from storage.db import Database
from storage.models import Article

US, PK = "United States", "Pakistan"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'pairs.db'}"
        db = Database(url)
        indexer = Indexer(db, Settings(database_url=url))
        statements: list[tuple[str, Statement, str | None]] = []
        for result in indexer.ingest_paths(args.inputs):
            if result.status != "new":
                continue
            with db.session() as session:
                published = session.get(Article, result.article_id).published  # type: ignore[union-attr]
            for p in result.positions:
                s = Statement(p.actor, p.speaker, p.claim, p.evidence, published, p.stance)
                statements.append((p.topic, s, p.stance_cue))
    cues = {id(s): cue for _t, s, cue in statements}
    shown = total = 0
    for topic in sorted({t for t, _s, _c in statements}):
        rows = sorted((s for t, s, _c in statements if t == topic), key=lambda s: s.published)
        us = [s for s in rows if s.actor == US]
        pk = [s for s in rows if s.actor == PK]
        if not us or not pk:
            continue
        pairs = [(us[-1], pk[-1], "latest")]
        for s in rows:
            if s.actor not in (US, PK):
                continue
            other = [o for o in (pk if s.actor == US else us) if o.published <= s.published]
            if not other:
                continue
            pair = (s, other[-1]) if s.actor == US else (other[-1], s)
            if all(pair[0] is not a or pair[1] is not b for a, b, _w in pairs):
                pairs.append((*pair, "at-date"))
        for a, b, why in pairs:
            total += 1
            found = diverge(a, b)
            shown += found is not None
            verdict = f"SHOWN: {found.reason}" if found else "not shown"
            print(f"#{total} [{topic}] {why} -> {verdict}")
            for s in (a, b):
                print(
                    f"   {'US' if s.actor == US else 'PK'} {s.published} {s.speaker} "
                    f"[{s.stance}: {cues[id(s)]}]: {s.claim}"
                )
    print(f"{shown}/{total} pairs shown as divergences")


if __name__ == "__main__":
    main()
