"""Feeds on the scheduler: one APScheduler job per feed ("feed:<id>", every
`interval_minutes`), plus a sync job that makes the jobs match the feeds table.

The table is the source of truth, as subscriptions are for digests: a feed added or
removed in chat, on the command line or by another process gets or loses its job at the
next sync (`feed_sync_seconds`). A job only asks the poller to poll; whether the feed is
due, and which process polls it, is decided by the claim in the database — so jobs in
two processes, or a cron `feeds poll` beside them, poll each feed once. After each poll
the job's next run is moved to the feed's `next_due_at`, so a feed backing off after
errors is not knocked on again at its plain interval.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import TYPE_CHECKING

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from storage import feeds as store

if TYPE_CHECKING:
    from bot.core.services import Services
    from bot.indexer.feeds import FeedPoller

log = logging.getLogger(__name__)

SYNC_JOB = "feeds:sync"
# A feed whose claim is held elsewhere is looked at again this soon.
RECHECK = dt.timedelta(seconds=60)


def job_id(feed_id: int) -> str:
    return f"feed:{feed_id}"


def _aware(when: dt.datetime) -> dt.datetime:
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


class FeedJobs:
    """Keeps one job per feed on a scheduler someone else starts and stops."""

    def __init__(
        self, scheduler: BaseScheduler, poller: FeedPoller, *, sync_seconds: float
    ) -> None:
        self.scheduler = scheduler
        self.poller = poller
        self.db = poller.db
        self.sync_seconds = sync_seconds
        self._jobs: dict[str, int] = {}  # job id → interval it was added with
        self._lock = threading.Lock()

    def start(self) -> FeedJobs:
        self.sync()
        self.scheduler.add_job(
            self._safely_sync,
            "interval",
            seconds=self.sync_seconds,
            id=SYNC_JOB,
            replace_existing=True,
        )
        return self

    def _safely_sync(self) -> None:
        try:
            self.sync()
        except Exception:
            log.exception("feeds: syncing jobs failed")

    def sync(self) -> list[str]:
        """Make the jobs match the feeds table; returns the feed job ids."""
        with self._lock:
            with self.db.session() as session:
                rows = store.all_feeds(session)
            now = dt.datetime.now(dt.UTC)
            wanted: dict[str, int] = {}
            for feed in rows:
                jid = job_id(feed.id)
                wanted[jid] = feed.interval_minutes
                if self._jobs.get(jid) == feed.interval_minutes and self.scheduler.get_job(jid):
                    continue
                self.scheduler.add_job(
                    self._fire,
                    trigger=IntervalTrigger(minutes=feed.interval_minutes, timezone=dt.UTC),
                    args=[feed.id],
                    id=jid,
                    name=f"feed {feed.url[:80]}",
                    next_run_time=max(now, _aware(feed.next_due_at)),
                    replace_existing=True,
                )
            for jid in set(self._jobs) - set(wanted):
                if self.scheduler.get_job(jid):
                    self.scheduler.remove_job(jid)
            self._jobs = wanted
            return sorted(wanted)

    def _fire(self, feed_id: int) -> None:
        try:
            outcome = self.poller.poll(feed_id)
            log.info("feed %s: %s", feed_id, outcome)
        except Exception:
            log.exception("feed %s: poll failed", feed_id)
        self._follow_due_time(feed_id)

    def _follow_due_time(self, feed_id: int) -> None:
        """Move the job's next run to when the feed is next due (after a backoff, or after
        another process polled it); a due time already past means another holder is
        still at it, so look again shortly."""
        try:
            with self.db.session() as session:
                feed = store.get_feed(session, feed_id)
            job = self.scheduler.get_job(job_id(feed_id))
            if feed is None or job is None:
                return
            now = dt.datetime.now(dt.UTC)
            due = _aware(feed.next_due_at)
            job.modify(next_run_time=due if due > now else now + RECHECK)
        except Exception:
            log.exception("feed %s: rescheduling failed", feed_id)

    def next_run(self, feed_id: int) -> dt.datetime | None:
        job = self.scheduler.get_job(job_id(feed_id))
        return job.next_run_time if job else None


def attach(scheduler: BaseScheduler, services: Services) -> FeedJobs | None:
    """Put the feeds on `scheduler` (already started) for this process; None when feed
    polling is switched off here (FEED_POLLING=false: cron runs `feeds poll` instead)."""
    settings = services.settings
    if not settings.feed_polling:
        return None
    from bot.indexer.feeds import FeedPoller  # feedparser and the fetcher: only when polling

    poller = FeedPoller(
        services.db,
        settings,
        lambda: services.indexer,
        lambda: services.taxonomy,
    )
    return FeedJobs(scheduler, poller, sync_seconds=settings.feed_sync_seconds).start()
