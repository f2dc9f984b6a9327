"""How many stored claims read as sentences an analyst could paste into a memo.

Reads a `positions --json` export (one JSON object a line) and checks each claim with
`claim_problems`: capitalised, a subject with a finite verb per spaCy, at most 20 words,
no ellipsis, every word from the evidence in order (the speaker's and state's names
allowed, as a restored subject). Prints the share that pass and each failure.

    .venv/bin/python -m bot positions --json > /tmp/positions.jsonl
    .venv/bin/python bench/claims.py /tmp/positions.jsonl [--quiet]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.indexer.nlp import load
from bot.indexer.positions.claims import claim_problems
from bot.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    nlp = load(Settings().spacy_model)
    records = [json.loads(line) for line in args.export.read_text().splitlines() if line]
    good = 0
    for rec in records:
        names = (rec["speaker"], rec["speaker_office"], rec["actor"])
        problems = claim_problems(rec["claim"], rec["evidence"], nlp, names=names)
        if not problems:
            good += 1
        elif not args.quiet:
            print(f"✗ {rec['claim']}\n    {'; '.join(problems)}")
    total = len(records)
    print(f"{good}/{total} claims read as sentences ({100 * good / max(total, 1):.0f}%)")


if __name__ == "__main__":
    main()
