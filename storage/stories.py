"""The stored articles an incoming one may share a story with: those published within a
few days of it. An indexed range on `articles.published`, capped, with only the start of
each text (the lead is what says what happened)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Article

LEAD_CHARS = 2000


@dataclass(frozen=True)
class NearbyArticle:
    id: int
    story_id: int
    title: str
    lead: str
    published: dt.date
    date_precision: str


def articles_near(
    session: Session, published: dt.date, days: int, *, limit: int = 200
) -> list[NearbyArticle]:
    """Articles published within `days` of `published`, the closest dates first; only
    those dated to the day (a month-precise "2017-10" says nothing about "a few days")."""
    start = published - dt.timedelta(days=days)
    end = published + dt.timedelta(days=days)
    rows = session.execute(
        select(
            Article.id,
            Article.story_id,
            Article.title,
            func.substr(Article.text, 1, LEAD_CHARS),
            Article.published,
            Article.date_precision,
        )
        .where(Article.published >= start, Article.published <= end)
        .where(Article.date_precision == "day")
        .order_by(Article.published.desc(), Article.id)
        .limit(limit)
    ).all()
    found = [NearbyArticle(*row) for row in rows]
    return sorted(found, key=lambda a: (abs((a.published - published).days), a.id))
