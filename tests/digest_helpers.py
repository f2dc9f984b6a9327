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
from storage.digests import SubscriptionRow, save_subscription
from storage.models import Article, Position, Story
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
            url=art.url or f"https://news.example.org/{n}",
            source_path=None,
            origin="file",
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
                    kind="quote",
                    published=p.published or art.published,
                    created_at=naive_utc(art.ingested_at),
                )
            )
        return row.id


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


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]
