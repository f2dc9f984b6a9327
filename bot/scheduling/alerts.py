"""Topic alerts: one direct message per follower and new article carrying what they follow.

Sent by the scheduler's sweep (bot.scheduling.jobs) and the console's, through any Poster.
Each alert is claimed in the database before it is sent (storage.follows), so several
processes and repeated sweeps never send one twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.core.format import quote, shorten
from bot.core.poster import Poster, PostFailed
from bot.core.reply import Block, Context, Header, Reply, Section, Span
from bot.core.services import Services
from storage import follows

log = logging.getLogger(__name__)

ALERT_LOOKBACK = dt.timedelta(days=1)
MAX_SEND_TRIES = 3


class FollowerAlerts:
    """One platform's alerts; remembers failed sends so a dead recipient is dropped."""

    def __init__(self, services: Services, poster: Poster) -> None:
        self.services = services
        self.db = services.db
        self.poster = poster
        self.platform = poster.platform
        self._failures: dict[tuple[str, int], int] = {}

    def notify(self, now: dt.datetime, article_id: int | None = None) -> int:
        """Send each follower one message per new article carrying positions they follow;
        returns how many were sent. Claimed before sending (alert_deliveries), so several
        processes and repeated sweeps never send one twice; a failed send releases its
        claim for the next sweep (three tries, then it is dropped)."""
        with self.db.session() as session:
            due = follows.alerts_due(
                session,
                platform=self.platform,
                not_before=now - ALERT_LOOKBACK,
                article_id=article_id,
            )
        sent = 0
        for alert in due:
            key = (alert.user_id, alert.article_id)
            if not follows.claim_alert(
                self.db, platform=self.platform, user=alert.user_id, article_id=alert.article_id
            ):
                continue
            try:
                self.poster.direct_message(alert.user_id, alert_reply(alert, self.services))
                sent += 1
                self._failures.pop(key, None)
            except PostFailed as exc:
                failures = self._failures.get(key, 0) + 1
                self._failures[key] = failures
                log.warning("alert to %s failed (%s), try %d", alert.user_id, exc, failures)
                if failures < MAX_SEND_TRIES:
                    follows.release_alert(
                        self.db,
                        platform=self.platform,
                        user=alert.user_id,
                        article_id=alert.article_id,
                    )
        return sent


def alert_reply(alert: follows.AlertDue, services: Services) -> Reply:
    first = alert.positions[0]
    topics = sorted({p.topic for p in alert.positions})
    labels = []
    for t in topics:
        topic = services.taxonomy.get(t)
        labels.append(topic.label if topic else t)
    src = first.source
    blocks: list[Block] = [
        Header(shorten(f"New on {', '.join(labels)}", 140)),
        Section((Span(shorten(src.title, 200), bold=True, url=src.url),)),
    ]
    for p in alert.positions[:6]:
        blocks.append(quote(p))
    if len(alert.positions) > 6:
        blocks.append(Context(f"…and {len(alert.positions) - 6} more in this article"))
    blocks.append(Context("You follow these topics. /following lists them; /unfollow stops one."))
    return Reply(tuple(blocks), ephemeral=False, summary=f"New on {', '.join(labels)}: {src.title}")
