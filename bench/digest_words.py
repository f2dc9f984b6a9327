"""Words in the fixture day's digest (tests/digest_helpers.fixture_day): the main message
and the whole digest, message by message — the figures issue 12 is judged by.

    .venv/bin/python bench/digest_words.py [-v]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.digest import compose, split_reply
from storage.db import Database
from tests.digest_helpers import DAY_END, DAY_START, fixture_day


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/day.db")
        fixture_day(db)
        with db.session() as session:
            digest = compose(session, start=DAY_START, end=DAY_END)
        db.dispose()
    parts = split_reply(digest.reply)
    words = [len(p.text.split()) for p in parts]
    print(
        f"stories={digest.articles} messages={len(parts)} main={words[0]} words "
        f"whole={sum(words)} words per message={words}"
    )
    if "-v" in sys.argv:
        for part in parts:
            print("=====\n" + part.text)


if __name__ == "__main__":
    main()
