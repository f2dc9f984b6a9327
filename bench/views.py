"""Latency of /timeline and /who over the large synthetic ledger of bench/commands.py.

/timeline is timed twice: the whole handler (the chart included — matplotlib drawing a
PNG is most of it) and, on the console, where the chart is also drawn but written to a
file. /who is timed over the synthetic speakers' names ("United States Envoy 12") and
over gazetteer names with nothing on record ("blinken").

    .venv/bin/python bench/views.py [--db /tmp/bench.db] [--runs 100]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bench.commands import build, pct, timed
from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.core.services import Services
from bot.settings import Settings
from storage.db import Database
from storage.models import Article


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--positions", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--db", type=Path, default=None, help="reuse/keep the ledger here")
    args = ap.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "bench.db"
    settings = Settings(_env_file=None, database_url=f"sqlite:///{path}")  # type: ignore[call-arg]
    db = Database(settings.database_url)
    with db.session() as s:
        have = s.scalar(select(func.count()).select_from(Article)) or 0
    if have < args.articles:
        build(db, args.articles, args.positions)
    services = Services.build(settings, db)
    rng = random.Random(1)
    words = [t.aliases[0] if t.aliases else t.id for t in services.taxonomy]
    timeline = [f"/timeline {w}" for w in words] + [f"/timeline {w} by:us" for w in words]
    who = [f"/who United States Envoy {rng.randrange(40)}" for _ in range(20)]
    who += ["/who blinken", "/who shahbaz", "/who sharif", "/who asif"]

    def runner(lines: list[str], platform: str) -> object:
        ctx = Ctx(services, user="bench", platform=platform)

        def one() -> object:
            reply = dispatch(ctx, parse(rng.choice(lines), user="bench"))
            assert "error" not in reply.tags, reply.text
            return reply

        return one

    print(f"{'handler':<28}{'runs':>6}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, lines, platform in (
        ("/timeline (slack, chart)", timeline, "slack"),
        ("/who", who, "slack"),
    ):
        fn = runner(lines, platform)
        timed(fn, 5)  # type: ignore[arg-type]
        samples = timed(fn, args.runs)  # type: ignore[arg-type]
        print(
            f"{name:<28}{len(samples):>6}{pct(samples, 50):>10.1f}{pct(samples, 99):>10.1f}"
            f"{max(samples):>10.1f}"
        )


if __name__ == "__main__":
    main()
