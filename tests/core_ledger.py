"""Building small ledgers for core tests straight through the models (no indexer)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from pathlib import Path

from bot.core.services import Services
from bot.settings import ROOT, Settings
from storage.db import Database
from storage.models import Article, Position, Story

_n = itertools.count(1)


def core_settings(db_path: Path, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{db_path}",
        topics_path=ROOT / "config" / "topics.yaml",
        actors_path=ROOT / "config" / "actors.yaml",
        **extra,  # type: ignore[arg-type]
    )


def core_services(db_path: Path, **extra: object) -> Services:
    settings = core_settings(db_path, **extra)
    return Services.build(settings, Database(settings.database_url))


def add_article(
    db: Database,
    title: str,
    published: dt.date,
    *,
    text: str = "",
    url: str | None = None,
    story_id: int | None = None,
    positions: list[dict[str, object]] = (),  # type: ignore[assignment]
    ingested_at: dt.datetime | None = None,
) -> int:
    n = next(_n)
    with db.session() as s:
        if story_id is None:
            story = Story()
            s.add(story)
            s.flush()
            story_id = story.id
        row = Article(
            story_id=story_id,
            title=title,
            source="Test Wire",
            url=url,
            source_path=None,
            origin="chat",
            published=published,
            date_basis="test",
            text=text or title,
            summary=text or title,
            gist=(text or title)[:300],
            word_count=len((text or title).split()),
            content_hash=hashlib.sha256(f"{title}{n}".encode()).hexdigest(),
            simhash=0,
            band0=n,
            band1=n,
            band2=n,
            band3=n,
        )
        if ingested_at is not None:
            row.ingested_at = ingested_at
        s.add(row)
        s.flush()
        for p in positions:
            fields = {
                "actor": "Pakistan",
                "speaker": None,
                "speaker_office": None,
                "topic": "haqqani-network",
                "claim": "a claim",
                "evidence": "an evidence sentence",
                "kind": "quote",
                "published": published,
                **p,
            }
            s.add(Position(article_id=row.id, **fields))
        return row.id
