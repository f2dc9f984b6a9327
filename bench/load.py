"""Load: signed slash commands from many concurrent clients while a bulk ingest writes.

    .venv/bin/python bench/load.py [--requests 500] [--clients 20] [--articles 300]

Everything is real and on loopback: the Bolt app served by waitress
(`bot.slack.server.build_server`, the HTTP_* limits of the default settings) on 127.0.0.1,
with answers to read-only commands computed by its answer worker process as deployed
(ANSWER_PROCESSES, default 1; ANSWER_PROCESSES=0 computes them in the serving process, to
compare); its WebClient and response_urls pointed at the recording fake Slack Web API
from the tests; a seeded SQLite ledger; and, at the same time and on the same file, a
bulk `python -m bot ingest` of invented articles in another process (at its default
BATCH_NICE). The clients and the fake Slack run in a process of their own
(`bench/load_clients.py`), so the bot's process does nothing but serve and the times are
the bot's, not the harness's competing for its interpreter.
Clients sign each request as Slack does (v0 HMAC-SHA256 of "v0:{ts}:{body}") and time the
HTTP answer: Slack gives up on an ack after 3 s. Printed: how many were acknowledged within
3 s (target: all), p50/p99/max ack time (target: p99 ≤ 100 ms), errors (target: none),
how many answers reached their response_url — or were a refusal in the ack itself, when a
client had more requests in flight than the per-user cap (PER_USER_QUERIES) or the query
line was full — and how far the ingest got while the load ran (it must overlap the whole
run).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.core.services import Services  # noqa: E402
from bot.indexer.pipeline import Indexer  # noqa: E402
from bot.indexer.sources import load_seed_dir  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.slack.app import build_app  # noqa: E402
from bot.slack.server import build_server  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Article  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
ACK_BUDGET = 3.0
COMMANDS = [
    ("/position", "haqqani"),
    ("/position", "safe havens by:pakistan"),
    ("/position", "aid since:2017"),
    ("/search", "trust deficit"),
    ("/search", "border fence"),
    ("/brief", ""),
    ("/brief", "haqqani"),
    ("/topics", ""),
    ("/help", ""),
]
# Invented sentences for the bulk ingest; each article draws its own, so none repeats.
SUBJECTS = ["A port authority", "The grain board", "A river commission", "The rail office"]
VERBS = ["published figures on", "opened a review of", "set a deadline for", "cut funds for"]
OBJECTS = ["cold storage", "canal repairs", "bus depots", "solar farms", "fishing permits"]


def report(rng: random.Random, n: int) -> str:
    sentences = [
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
        f"in district {rng.randint(1, 999)} on day {rng.randint(1, 28)} of week {n}."
        for _ in range(10)
    ]
    return f"Bench bulletin number {n}\n\n" + "\n\n".join(sentences) + "\n"


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def articles_in(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Article)) or 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--articles", type=int, default=300, help="bulk ingest size")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    url = f"sqlite:///{tmp / 'ledger.db'}"
    # the users and Slack: their own process, started first to learn the fake's address
    harness = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "load_clients.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert harness.stdin is not None and harness.stdout is not None
    fake_base = json.loads(harness.stdout.readline())["base"]
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=fake_base + "/api/",
    )
    db = Database(url)
    seeded = list(
        Indexer(db, settings).ingest_many(load_seed_dir(settings.seeds_dir, settings=settings))
    )
    print(f"ledger: {tmp / 'ledger.db'} ({sum(r.status == 'new' for r in seeded)} seed articles)")
    print(
        f"answer worker processes: {settings.answer_processes} (nice {settings.answer_nice}); "
        f"bulk ingest nice {settings.batch_nice}"
    )

    corpus = tmp / "corpus"
    corpus.mkdir()
    rng = random.Random(5)
    for n in range(args.articles):
        (corpus / f"bulletin_{n:04}.txt").write_text(report(rng, n), encoding="utf-8")

    services = Services.build(settings, db)
    client = WebClient(token=TOKEN, base_url=fake_base + "/api/")
    app = build_app(settings, services, client=client)
    server = build_server(settings, app, host="127.0.0.1", port=0).start()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env["DATABASE_URL"] = url
    ingest = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", "-q", str(corpus)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = articles_in(db)
    deadline = time.monotonic() + 120
    while articles_in(db) == base and time.monotonic() < deadline:  # wait for first write
        time.sleep(0.2)
    at_start = articles_in(db) - base
    print(f"bulk ingest of {args.articles} articles running in pid {ingest.pid}")

    per_client = -(-args.requests // args.clients)
    forms: list[list[dict[str, str]]] = []
    for k in range(args.clients):
        local_rng = random.Random(k)
        forms.append([])
        for i in range(per_client):
            command, text = local_rng.choice(COMMANDS)
            forms[-1].append(
                {
                    "token": "legacy",
                    "team_id": "T0BENCH",
                    "channel_id": "C100",
                    "user_id": f"U{k:03}",
                    "command": command,
                    "text": text,
                    "response_url": f"{fake_base}/response/c{k}-{i}",
                    "trigger_id": f"{k}.{i}",
                }
            )
    job = json.dumps({"url": server.url, "secret": SECRET, "clients": forms})
    harness.stdin.write(job + "\n")
    harness.stdin.flush()
    result = json.loads(harness.stdout.readline())  # after the load and its answers
    harness.wait(timeout=60)
    acks: list[float] = result["acks"]
    refused: list[str] = result["refused"]
    errors: list[str] = result["errors"]
    wall = result["wall"]
    during = articles_in(db) - base - at_start
    ingest_running = ingest.poll() is None
    sent = per_client * args.clients
    answers, failed_answers = result["answers"], result["failed_answers"]
    last_answer = result["last_answer"]

    within = sum(1 for a in acks if a <= ACK_BUDGET)
    print(
        f"clients: {args.clients}, requests sent: {sent}, wall time: {wall:.1f}s "
        f"({sent / wall:.0f} req/s)"
    )
    print(f"acknowledged within {ACK_BUDGET:.0f} s: {within}/{sent}")
    print(
        f"ack time ms: p50 {statistics.median(acks) * 1000:.1f}, "
        f"p99 {pct(acks, 99) * 1000:.1f}, max {max(acks) * 1000:.1f}"
    )
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(
        f"answers delivered to response_url: {answers}/{sent}, refused in the ack "
        f"(per-user cap or busy): {len(refused)}, 'failed on my side': {failed_answers}, "
        f"last one {last_answer:.1f}s after start"
    )
    print(
        f"bulk ingest during the load: {during} articles stored while commands ran; "
        f"still running at the end of the load: {ingest_running}"
    )

    _out, err = ingest.communicate(timeout=900)
    total = articles_in(db) - base
    print(f"bulk ingest finished: exit {ingest.returncode}, {total}/{args.articles} stored")
    if ingest.returncode:
        print(err[-1000:], file=sys.stderr)
    server.stop()
    services.work.shutdown(wait=True)
    db.dispose()
    # every command answered at its response_url; a refusal in the ack is an answer
    # too, but not the one asked for, so it fails the run
    delivered = answers == sent
    print(f"every answer delivered: {'yes' if delivered else 'NO'}")
    ok = within == sent and not errors and delivered and not failed_answers
    sys.exit(0 if ok and ingest.returncode == 0 else 1)


if __name__ == "__main__":
    main()
