"""Helpers for the digest tests: invented articles and positions written straight into a
ledger (with chosen ingest times), subscriptions, and a SlackPoster on the fake Web API.

Every sentence here is invented for the tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient

from bot.core.schedule import naive_utc
from bot.core.services import Services
from bot.settings import Settings
from bot.slack.app import retry_handlers
from bot.slack.poster import SlackPoster
from storage.db import Database
from storage.models import Article, Position, Statement, Story
from storage.subscriptions import SubscriptionRow, save_subscription
from tests.conftest import build_settings
from tests.fake_slack import FakeSlack

BOT_TOKEN = "xoxb-test-token"
US, PK = "United States", "Pakistan"
_n = itertools.count(1)


@dataclass
class P:
    """A position to store with an article."""

    actor: str
    topic: str
    claim: str
    evidence: str
    speaker: str | None = None
    published: dt.date | None = None
    stance: str | None = None  # critical | neutral | conciliatory (the classifier's values)
    kind: str = "quote"  # quote | reported | action
    stated_on: str | None = None  # "2026-03-08", "2018": when it was said
    statement: str | None = None  # a key: positions with one key report one statement
    is_repeat: bool = False


@dataclass
class Art:
    title: str
    ingested_at: dt.datetime
    outlet: str | None = "Daily Ledger"
    positions: list[P] = field(default_factory=list)
    summary: str = ""
    published: dt.date = dt.date(2026, 3, 1)
    story_of: int | None = None  # article id whose story this one joins
    ingested_by: str | None = None
    url: str | None = None
    source_path: str | None = None
    origin: str = "file"
    local: bool = False  # no URL: a local file (source_path) or pasted text


_statements: dict[tuple[str, str], int] = {}


def _statement_id(s: Any, db: Database, key: str | None) -> int | None:
    """One Statement row per key and database, so two reports can share it."""
    if key is None:
        return None
    found = _statements.get((db.url, key))
    if found is None:
        row = Statement()
        s.add(row)
        s.flush()
        found = _statements[(db.url, key)] = row.id
    return found


def add_article(db: Database, art: Art) -> int:
    n = next(_n)
    with db.session() as s:
        if art.story_of is not None:
            story_id = s.get(Article, art.story_of).story_id  # type: ignore[union-attr]
        else:
            story = Story()
            s.add(story)
            s.flush()
            story_id = story.id
        text = f"{art.title}. " + " ".join(p.evidence for p in art.positions) + f" ({n})"
        row = Article(
            story_id=story_id,
            title=art.title,
            source=art.outlet,
            url=None if art.local else (art.url or f"https://news.example.org/{n}"),
            source_path=art.source_path,
            origin=art.origin,
            published=art.published,
            date_precision="day",
            date_basis="test",
            text=text,
            summary=art.summary or text,
            gist=(art.summary or art.title)[:300],
            word_count=len(text.split()),
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            simhash=n,
            band0=n,
            band1=n,
            band2=n,
            band3=n,
            ingested_at=naive_utc(art.ingested_at),
            ingested_by=art.ingested_by,
        )
        s.add(row)
        s.flush()
        for p in art.positions:
            s.add(
                Position(
                    article_id=row.id,
                    actor=p.actor,
                    speaker=p.speaker,
                    speaker_office=None,
                    topic=p.topic,
                    claim=p.claim,
                    evidence=p.evidence,
                    kind=p.kind,
                    published=p.published or art.published,
                    stated_on=p.stated_on or (p.published or art.published).isoformat(),
                    stated_date=_first_day(p.stated_on) or p.published or art.published,
                    statement_id=_statement_id(s, db, p.statement),
                    is_repeat=p.is_repeat,
                    stance=p.stance,
                    created_at=naive_utc(art.ingested_at),
                )
            )
        return row.id


def _first_day(stated_on: str | None) -> dt.date | None:
    if not stated_on:
        return None
    parts = [int(x) for x in stated_on.split("-")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


def subscribe(
    db: Database,
    channel: str = "C1",
    time_of_day: str = "08:00",
    timezone: str = "UTC",
    days: str = "daily",
    topics: tuple[str, ...] = (),
    created: dt.datetime | None = None,
) -> SubscriptionRow:
    with db.session() as s:
        return save_subscription(
            s,
            platform="slack",
            channel=channel,
            time_of_day=time_of_day,
            timezone=timezone,
            days=days,
            topics=topics,
            user="U1",
            now=created or dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )


def digest_settings(
    database_url: str, api_url: str = "http://127.0.0.1:9/api/", **kw: Any
) -> Settings:
    return build_settings(database_url, slack_bot_token=BOT_TOKEN, slack_api_url=api_url, **kw)


def services_for(settings: Settings) -> Services:
    return Services.build(settings)


def poster_for(fake: FakeSlack, *, min_interval: float = 0.0, attempts: int = 5) -> SlackPoster:
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url, retry_handlers=retry_handlers())
    return SlackPoster(
        client, min_interval=min_interval, attempts=attempts, backoff=0.01, backoff_max=0.05
    )


TOPICS = (
    "security-aid",
    "trust",
    "safe-havens",
    "haqqani-network",
    "afghan-peace-process",
    "border-management",
    "afghan-refugees",
    "taliban-support",
)


def many_positions(n: int, topic: str | None = None, actor: str | None = None) -> list[P]:
    """n distinct invented statements, spread over topics and both sides unless fixed
    (enough of them make a digest several messages long)."""
    return [
        P(
            actor or (US, PK)[(i // len(TOPICS)) % 2],
            topic or TOPICS[i % len(TOPICS)],
            f"claim number {i} about the programme",
            f"“Invented statement {i}: the programme of district {i} will be reviewed "
            f"before the next quarterly meeting,” said the official.",
            speaker=f"Official {i}",
        )
        for i in range(n)
    ]


def add_stories(db: Database, at: dt.datetime, statements: list[P], per: int = 4) -> list[int]:
    """The statements as separate stories of `per` each, a minute apart: how a long digest
    is made now that a story's thread shows only a few statements per side."""
    return [
        add_article(
            db,
            Art(
                f"Statements batch {k // per}",
                at + dt.timedelta(minutes=k // per),
                positions=statements[k : k + per],
            ),
        )
        for k in range(0, len(statements), per)
    ]


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


# ---------------------------------------------------------------------------- a fixture day
# A day of invented news between two morning digests (Sun 8 Mar 08:00 → Mon 9 Mar 08:00
# UTC): thirteen articles, twelve stories, every sentence written for these tests. What it
# is built to show:
# * the United States turns critical on security aid, and Pakistan too (two stance changes),
#   so the sides, both conciliatory before, now diverge there (one new divergence);
# * the United States stays critical on trust with new words (no change: same stance);
# * Pakistan's 2018 pledge, indexed last, is older than its new criticism (stated date, not
#   arrival, decides which stance is current);
# * two official acts (a designation, a visit) and an approved sale;
# * one statement carried by two outlets and one filed under two topics (said once);
# * an article from a local file and one from pasted text (no path may show).

DAY_START, DAY_END = utc(2026, 3, 8, 8), utc(2026, 3, 9, 8)


def _at(hour: int, minute: int = 0) -> dt.datetime:
    day = 8 if hour >= 8 else 9
    return utc(2026, 3, day, hour, minute)


def fixture_day(db: Database) -> dict[str, int]:
    """Write the baseline (before the window) and the day; returns article ids by key."""
    ids: dict[str, int] = {}
    # ---- before the window: where each side stood
    ids["base-us-aid"] = add_article(
        db,
        Art(
            "Training programme to continue",
            utc(2026, 2, 21, 9),
            outlet="Capital Wire",
            published=dt.date(2026, 2, 20),
            positions=[
                P(
                    US,
                    "security-aid",
                    "the training programme continues",
                    "“The training programme continues and we value this partnership,” "
                    "spokesperson Lena Ortiz said.",
                    speaker="Lena Ortiz",
                    stance="conciliatory",
                    stated_on="2026-02-20",
                )
            ],
        ),
    )
    ids["base-pk-aid"] = add_article(
        db,
        Art(
            "Islamabad thanks Washington for equipment",
            utc(2026, 2, 22, 9),
            outlet="Frontier Daily",
            published=dt.date(2026, 2, 21),
            positions=[
                P(
                    PK,
                    "security-aid",
                    "Pakistan appreciates the equipment",
                    "“Pakistan appreciates the equipment delivered to our border units,” "
                    "the Foreign Office said.",
                    stance="conciliatory",
                    stated_on="2026-02-21",
                )
            ],
        ),
    )
    ids["base-us-trust"] = add_article(
        db,
        Art(
            "Senior official voices doubts",
            utc(2026, 2, 26, 9),
            outlet="Capital Wire",
            published=dt.date(2026, 2, 25),
            positions=[
                P(
                    US,
                    "trust",
                    "promises have not been kept",
                    "“Too many promises made in these talks have not been kept,” a senior "
                    "official said.",
                    stance="critical",
                    stated_on="2026-02-25",
                )
            ],
        ),
    )
    # ---- the day
    ids["us-aid"] = add_article(
        db,
        Art(
            "Envoy says aid tranche will be withheld",
            _at(9),
            outlet="Capital Wire",
            published=dt.date(2026, 3, 8),
            summary="Ambassador Harlow said the next tranche of aid will be withheld. "
            "The review is expected to take several weeks.",
            positions=[
                P(
                    US,
                    "security-aid",
                    "the next tranche will be withheld until the review is complete",
                    "“The next tranche of $150 million will be withheld until the review is "
                    "complete,” Ambassador Harlow told reporters.",
                    speaker="Ambassador Harlow",
                    stance="critical",
                    stated_on="2026-03-08",
                    statement="harlow-tranche",
                )
            ],
        ),
    )
    ids["us-aid-echo"] = add_article(
        db,
        Art(
            "Washington holds back tranche",
            _at(10),
            outlet="Morning Post",
            published=dt.date(2026, 3, 8),
            story_of=ids["us-aid"],
            positions=[
                P(
                    US,
                    "security-aid",
                    "the next tranche will be withheld until the review is complete",
                    "“The next tranche of $150 million will be withheld until the review is "
                    "complete,” Ambassador Harlow told reporters.",
                    speaker="Ambassador Harlow",
                    stance="critical",
                    stated_on="2026-03-08",
                    statement="harlow-tranche",
                    is_repeat=True,
                )
            ],
        ),
    )
    ids["designation"] = add_article(
        db,
        Art(
            "Treasury lists smuggling financiers",
            _at(11),
            outlet="Capital Wire",
            published=dt.date(2026, 3, 8),
            positions=[
                P(
                    US,
                    "border-management",
                    "designated three financiers of a smuggling ring",
                    "The Treasury Department designated three financiers of a smuggling "
                    "ring that moves fuel across the border.",
                    speaker="Treasury Department",
                    kind="action",
                    stance="neutral",
                    stated_on="2026-03-08",
                )
            ],
        ),
    )
    ids["pk-aid"] = add_article(
        db,
        Art(
            "Foreign Office rejects new conditions",
            _at(13),
            outlet="Frontier Daily",
            published=dt.date(2026, 3, 8),
            positions=[
                P(
                    PK,
                    "security-aid",
                    "conditions added every month are not partnership",
                    "“Assistance that arrives with new conditions every month is not a "
                    "partnership,” spokesperson Amna Rauf said.",
                    speaker="Amna Rauf",
                    stance="critical",
                    stated_on="2026-03-08",
                )
            ],
        ),
    )
    ids["visit"] = add_article(
        db,
        Art(
            "Finance minister lands in Washington",
            _at(14),
            outlet="Frontier Daily",
            published=dt.date(2026, 3, 8),
            positions=[
                P(
                    PK,
                    "trust",
                    "arrived in Washington for two days of talks",
                    "Finance Minister Tariq Nadeem arrived in Washington for two days of talks "
                    "on debt and trade.",
                    speaker="Tariq Nadeem",
                    kind="action",
                    stance="neutral",
                    stated_on="2026-03-08",
                )
            ],
        ),
    )
    ids["us-trust"] = add_article(
        db,
        Art(
            "Doubts about cooperation persist",
            _at(15),
            outlet="Morning Post",
            published=dt.date(2026, 3, 8),
            positions=[
                P(
                    US,
                    "trust",
                    "cooperation has been uneven",
                    "“Cooperation on the ground has been uneven at best,” a State Department "
                    "official said.",
                    stance="critical",
                    stated_on="2026-03-08",
                )
            ],
        ),
    )
    ids["border"] = add_article(
        db,
        Art(
            "Crossing reopens after local talks",
            _at(16),
            outlet="Valley Times",
            published=dt.date(2026, 3, 8),
            positions=[
                P(
                    PK,
                    topic,
                    "the crossing reopens for families",
                    "“The crossing reopens on Tuesday for families and traders,” district "
                    "officer Saima Gul said.",
                    speaker="Saima Gul",
                    stance="neutral",
                    stated_on="2026-03-08",
                    statement="gul-crossing",
                )
                for topic in ("border-management", "afghan-refugees")
            ],
        ),
    )
    ids["refugee-report"] = add_article(
        db,
        Art(
            "Camps short of winter supplies",
            _at(17),
            outlet="Policy Review",
            published=dt.date(2026, 3, 8),
            summary="A relief pledge of $40 million made last year, a sum which Mr. Qadir "
            "called too small for the camps, has not been paid in full. "
            "Aid workers said blankets ran out in January.",
        ),
    )
    ids["sale"] = add_article(
        db,
        Art(
            "Spare parts sale approved",
            _at(18),
            outlet="Capital Wire",
            published=dt.date(2026, 3, 8),
            positions=[
                P(
                    US,
                    "security-aid",
                    "approved a sale of aircraft spare parts",
                    "The State Department approved a sale of aircraft spare parts to the "
                    "Pakistan Air Force.",
                    speaker="State Department",
                    kind="action",
                    stance="neutral",
                    stated_on="2026-03-08",
                )
            ],
        ),
    )
    ids["local-file"] = add_article(
        db,
        Art(
            "Briefing notes on the western districts",
            _at(19),
            outlet="Ministry briefing",
            published=dt.date(2026, 3, 8),
            local=True,
            source_path="/var/lib/briefing/inbox/western-districts.txt",
            positions=[
                P(
                    PK,
                    "safe-havens",
                    "no sanctuaries remain in the western districts",
                    "“No sanctuaries remain in the western districts after last year's "
                    "operations,” Brigadier Omar Latif said.",
                    speaker="Omar Latif",
                    stance="neutral",
                    stated_on="2026-03-08",
                )
            ],
        ),
    )
    ids["pasted"] = add_article(
        db,
        Art(
            "Analyst memo on the network",
            _at(20),
            outlet=None,
            origin="chat",
            published=dt.date(2026, 3, 8),
            local=True,
            positions=[
                P(
                    US,
                    "haqqani-network",
                    "the network keeps its funding routes",
                    "“The network keeps its funding routes through the tribal belt,” a "
                    "counterterrorism adviser said.",
                    stance="neutral",
                    stated_on="2026-03-08",
                )
            ],
        ),
    )
    ids["old-pledge"] = add_article(
        db,
        Art(
            "Archive: the 2018 pledge",
            _at(21),
            outlet="Frontier Daily",
            published=dt.date(2026, 3, 8),
            positions=[
                P(
                    PK,
                    "security-aid",
                    "Pakistan would welcome any help",
                    "In 2018 the minister said Pakistan would welcome any help for its forces.",
                    stance="conciliatory",
                    stated_on="2018",
                )
            ],
        ),
    )
    ids["roundup"] = add_article(
        db,
        Art(
            "Weekend roundup from Islamabad",
            _at(7),
            outlet="Valley Times",
            published=dt.date(2026, 3, 9),
            summary="Traders in the capital expect the crossing to bring prices down.",
        ),
    )
    return ids
