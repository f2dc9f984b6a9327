"""Latency of the chat command handlers over a large synthetic ledger.

Builds (or reuses) a ledger of 10,000 articles and 100,000 positions times `--scale`
(`--scale 10`: 100,000 / 1,000,000), then times `dispatch` for /position, /search and
/brief — parse, queries and Reply building, which is everything a platform adapter waits
on — and prints p50/p99 for each. Targets at `--scale 10`, on SQLite and PostgreSQL:
/position p99 ≤ 20 ms, /search and /brief p99 ≤ 50 ms.

The ledger is built once with bulk inserts, then analysed (and on PostgreSQL vacuumed, on
SQLite its full-text indexes merged) as after any bulk load; later runs reuse it. SQLite
ledgers are kept under data/bench/ by default; PostgreSQL needs an existing database.

    .venv/bin/python bench/commands.py --scale 10 [--runs 300]
    .venv/bin/python bench/commands.py --scale 10 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_perf
    (or --articles N --positions M [--db PATH] for any other size)
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, insert, select

from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.core.services import Services
from bot.settings import Settings
from bot.slack.render import to_messages
from bot.topics import load_taxonomy
from storage import queries
from storage.db import Database
from storage.models import Article, Position, Statement, Story

ROOT = Path(__file__).resolve().parent.parent
FILLER = " ".join(
    (
        "officials said the talks would continue next week while ministers met envoys in the",
        "capital to discuss regional security cooperation border trade refugees reconstruction",
        "funding military assistance counterterrorism operations diplomatic engagement pressure",
        "statement conference briefing spokesman delegation visit agreement concerns progress",
        "demands commitments sanctions leverage patience strategy review policy frontier",
        "province districts tribal elders markets highway corridor electricity investment",
    )
).split(" ")
ACTORS = (
    ["United States"] * 7
    + ["Pakistan"] * 7
    + ["Afghanistan", "India", "China", "Taliban", "United Nations", "Russia"]
)
SPEAKERS = ["Spokesperson", "Minister", "Secretary", "Ambassador", "General", "Envoy"]


def article_row(
    n: int,
    *,
    story_id: int,
    title: str,
    source: str,
    published: dt.date,
    text: str,
    content_hash: str,
    ingested_at: dt.datetime,
) -> dict[str, object]:
    """A synthetic article's row: the bulk load's and the after-write insert's."""
    return {
        "id": n,
        "story_id": story_id,
        "title": title,
        "source": source,
        "url": f"https://news.example/{n}",
        "source_path": None,
        "origin": "url",
        "published": published,
        "date_precision": "day",
        "date_basis": "synthetic",
        "text": text,
        "summary": text[:400],
        "gist": text[:200],
        "word_count": len(text.split()),
        "content_hash": content_hash,
        "simhash": 0,
        "band0": n,
        "band1": n,
        "band2": n,
        "band3": n,
        "ingested_at": ingested_at,
    }


def build(db: Database, n_articles: int, n_positions: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    taxonomy = load_taxonomy(Settings(_env_file=None).topics_path)  # type: ignore[call-arg]
    topics = [t for t in taxonomy]
    weights = [1 / (i + 1) for i in range(len(topics))]  # a few topics dominate, as in life
    start = dt.date(2012, 1, 1)
    per_article = max(1, n_positions // n_articles)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with db.session() as s:
        s.execute(insert(Story), [{"created_at": now}] * n_articles)
        story_ids = list(s.scalars(select(Story.id).order_by(Story.id)))
        # one statement per position, as ingest writes them (each said once)
        s.execute(insert(Statement), [{"created_at": now}] * (per_article * n_articles))
        statement_ids = iter(s.scalars(select(Statement.id).order_by(Statement.id)))
    batch = 1000
    for lo in range(0, n_articles, batch):
        arts, poss = [], []
        for i in range(lo, min(lo + batch, n_articles)):
            topic = rng.choices(topics, weights)[0]
            words = rng.choices(FILLER, k=160) + rng.choices(list(topic.aliases) or [topic.id], k=4)
            rng.shuffle(words)
            text = " ".join(words)
            published = start + dt.timedelta(days=rng.randrange(0, 4700))
            h = hashlib.sha256(f"{i}".encode()).hexdigest()
            arts.append(
                article_row(
                    i + 1,
                    story_id=story_ids[i],
                    title=f"{topic.label.split(',')[0]}: report {i}",
                    source=rng.choice(["Dawn", "UPI", "Reuters", "Express Tribune"]),
                    published=published,
                    text=text,
                    content_hash=h,
                    ingested_at=now - dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 60)),
                )
            )
            for _ in range(per_article):
                t = topic if rng.random() < 0.6 else rng.choices(topics, weights)[0]
                actor = rng.choice(ACTORS)
                evidence = " ".join(
                    [*rng.choices(FILLER, k=25), t.aliases[0] if t.aliases else t.id]
                )
                poss.append(
                    {
                        "article_id": i + 1,
                        "actor": actor,
                        "speaker": f"{actor} {rng.choice(SPEAKERS)} {rng.randrange(40)}",
                        "speaker_office": rng.choice(SPEAKERS),
                        "topic": t.id,
                        "claim": evidence[:120],
                        "evidence": evidence,
                        "kind": "quote",
                        "published": published,
                        "stated_on": published.isoformat(),
                        "stated_date": published,
                        "stated_basis": "article date",
                        "statement_id": next(statement_ids),
                        "created_at": arts[-1]["ingested_at"],
                    }
                )
        with db.session() as s:
            s.execute(insert(Article), arts)
            s.execute(insert(Position), poss)
    after_bulk_load(db)


def after_bulk_load(db: Database) -> None:
    """What an operator runs after a bulk load: planner statistics, and on PostgreSQL a
    vacuum so index-only scans see the visibility map; SQLite's full-text indexes are
    merged into one segment each."""
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        return
    with db.engine.begin() as conn:
        for fts in ("articles_fts", "positions_fts"):
            conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
        conn.exec_driver_sql("ANALYZE")
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def insert_one(db: Database, rng: random.Random, topics: list[str], positions: int = 10) -> int:
    """One more article and its positions, written as one transaction (as ingest does).
    The article's id is given (the bulk load gave every article's id, so on PostgreSQL
    its sequence was never moved)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    published = dt.date(2024, 6, 1)
    with db.session() as s:
        n = (s.scalar(select(func.max(Article.id))) or 0) + 1
        story = s.scalars(insert(Story).returning(Story.id), [{"created_at": now}]).one()
        statements = s.scalars(
            insert(Statement).returning(Statement.id), [{"created_at": now}] * positions
        ).all()
        text = " ".join(rng.choices(FILLER, k=160))
        s.execute(
            insert(Article),
            [
                article_row(
                    n,
                    story_id=story,
                    title=f"after-write report {n}",
                    source="Dawn",
                    published=published,
                    text=text,
                    content_hash=hashlib.sha256(f"w{n}".encode()).hexdigest(),
                    ingested_at=now,
                )
            ],
        )
        rows = []
        for sid in statements:
            actor = rng.choice(ACTORS)
            evidence = " ".join(rng.choices(FILLER, k=25))
            rows.append(
                {
                    "article_id": n,
                    "actor": actor,
                    "speaker": f"{actor} {rng.choice(SPEAKERS)}",
                    "speaker_office": rng.choice(SPEAKERS),
                    "topic": rng.choice(topics),
                    "claim": evidence[:120],
                    "evidence": evidence,
                    "kind": "quote",
                    "published": published,
                    "stated_on": published.isoformat(),
                    "stated_date": published,
                    "stated_basis": "article date",
                    "statement_id": sid,
                    "created_at": now,
                }
            )
        s.execute(insert(Position), rows)
    return n


def remove(db: Database, article_ids: list[int]) -> None:
    """Take the articles `insert_one` wrote out again, so the ledger can be reused."""
    with db.session() as s:
        s.execute(delete(Position).where(Position.article_id.in_(article_ids)))
        s.execute(delete(Article).where(Article.id.in_(article_ids)))


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=None, help="1 = 10,000 / 100,000")
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--positions", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--db", type=Path, default=None, help="reuse/keep the SQLite ledger here")
    ap.add_argument("--database-url", default=None, help="any engine (overrides --db)")
    ap.add_argument("--reanalyse", action="store_true", help="re-run the after-load step")
    args = ap.parse_args()
    if args.scale is not None:
        args.articles, args.positions = round(10_000 * args.scale), round(100_000 * args.scale)
    path = args.db or ROOT / "data" / "bench" / f"ledger-{args.articles}-{args.positions}.db"
    url = args.database_url or f"sqlite:///{path}"
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    db = Database(settings.database_url)
    with db.session() as s:
        have = s.scalar(select(func.count()).select_from(Article)) or 0
    if have == 0:
        t0 = time.perf_counter()
        build(db, args.articles, args.positions)
        print(f"built ledger in {time.perf_counter() - t0:.1f}s: {db.engine.url!r}")
    elif have != args.articles:
        sys.exit(f"{db.engine.url!r} holds {have:,} articles, not {args.articles:,}: use another")
    elif args.reanalyse:
        t0 = time.perf_counter()
        after_bulk_load(db)
        print(f"analysed in {time.perf_counter() - t0:.1f}s")
    with db.session() as s:
        n_art = s.scalar(select(func.count()).select_from(Article))
        n_pos = s.scalar(select(func.count()).select_from(Position))
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(db.dialect, db.dialect)
    print(f"ledger: {n_art:,} articles, {n_pos:,} positions ({engine})")
    services = Services.build(settings, db)
    ctx = Ctx(services, user="bench")
    rng = random.Random(1)
    topic_words = [t.aliases[0] if t.aliases else t.id for t in services.taxonomy]
    position_lines = [f"/position {w}" for w in topic_words]
    position_lines += [f"/position {w} by:us" for w in topic_words]
    position_lines += [f"/position {w} by:pakistan since:2016 until:2019" for w in topic_words]
    position_lines += [f"/position {w} page:4" for w in topic_words[:5]]
    search_lines = [
        "/search " + " ".join(rng.sample(FILLER, rng.choice([1, 2, 3]))) for _ in range(60)
    ] + [f"/search {w}" for w in topic_words]
    brief_lines = ["/brief"] + [f"/brief {w}" for w in topic_words[:6]]

    def runner(lines: list[str], render: bool = False) -> Callable[[], object]:
        def one() -> object:
            reply = dispatch(ctx, parse(rng.choice(lines), user="bench"))
            assert "error" not in reply.tags, reply.text
            return to_messages(reply) if render else reply

        return one

    # First asks: counts are cached per ledger version, so each distinct command pays for
    # its counts once after every write; shown apart, then every line is warm.
    print(f"{'first ask of each line':<26}{'lines':>6}{'p50 ms':>10}{'max ms':>10}")
    for name, lines in (
        ("/position", position_lines),
        ("/search", search_lines),
        ("/brief", brief_lines),
    ):
        distinct = list(dict.fromkeys(lines))
        cold = [
            timed(lambda line=line: dispatch(ctx, parse(line, user="bench")), 1)[0]
            for line in distinct
        ]
        print(f"{name:<26}{len(cold):>6}{statistics.median(cold):>10.2f}{max(cold):>10.2f}")
    # First asks after a write: one article with its positions inserted between rounds, as
    # ingest does while the bot answers; every line's counts have to catch up with it.
    # (The articles are deleted again at the end, so the ledger can be reused.)
    print(f"{'first ask after an insert':<26}{'lines':>6}{'p50 ms':>10}{'max ms':>10}")
    written: list[int] = []
    for name, lines in (("/position", position_lines), ("/brief", brief_lines)):
        distinct = list(dict.fromkeys(lines))
        for line in distinct:  # warm: counts cached for the ledger as it is now
            dispatch(ctx, parse(line, user="bench"))
        after: list[float] = []
        for _ in range(3):
            written.append(insert_one(db, rng, [t.id for t in services.taxonomy]))
            after += [
                timed(lambda line=line: dispatch(ctx, parse(line, user="bench")), 1)[0]
                for line in distinct
            ]
        print(f"{name:<26}{len(after):>6}{statistics.median(after):>10.2f}{max(after):>10.2f}")
    # The counts alone, asked right after an insert: what a write costs the next reader,
    # apart from the rest of the handlers' work (and less noisy on a shared machine).
    topic_ids = [t.id for t in services.taxonomy]

    def counts() -> list[float]:
        t0 = time.perf_counter()
        out = []
        with db.session() as s:
            for topic in topic_ids:
                for since, until in ((None, None), (dt.date(2016, 1, 1), dt.date(2019, 12, 31))):
                    queries.actor_counts_on(s, topic, since=since, until=until)
                    out.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
            queries.most_active_topics(s, since=dt.date(2016, 1, 1))
            queries.topic_counts(s)
            queries.article_count(s)
            queries.changes_since(s, dt.datetime.now(dt.UTC).replace(tzinfo=None))
            out.append((time.perf_counter() - t0) * 1000)
        return out

    counts()
    warm, cold = counts(), []
    for _ in range(3):
        written.append(insert_one(db, rng, topic_ids))
        cold += counts()
    for label, samples in (("counts, cached", warm), ("counts after an insert", cold)):
        print(
            f"{label:<26}{len(samples):>6}{statistics.median(samples):>10.2f}"
            f"{max(samples):>10.2f}  (sum {sum(samples) / (len(samples) / len(warm)):.1f} ms)"
        )
    # the handlers asked again and again, every line warm (the articles written above are
    # removed only afterwards: a delete moves the ledger's version, and the first round
    # of every line would recount in full, a cost of the bench's cleanup, not of a read)
    for line in position_lines + search_lines + brief_lines:
        dispatch(ctx, parse(line, user="bench"))
    print(f"{'handler':<22}{'runs':>6}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, lines in (
        ("/position", position_lines),
        ("/search", search_lines),
        ("/brief", brief_lines),
    ):
        for render in (False, True):
            samples = timed(runner(lines, render), args.runs)
            label = name + (" + Block Kit" if render else "")
            print(
                f"{label:<22}{len(samples):>6}{statistics.median(samples):>10.2f}"
                f"{pct(samples, 99):>10.2f}{max(samples):>10.2f}"
            )
    remove(db, written)


if __name__ == "__main__":
    main()
