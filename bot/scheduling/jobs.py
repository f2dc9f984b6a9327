"""The digest runner on a timer: APScheduler jobs per subscription, and a sweep.

`DigestScheduler` derives one APScheduler job per active subscription (id "digest:<id>",
replace_existing, coalesce, misfire grace from settings) from the subscriptions table at
start-up, on every change announced in this process, and on a periodic sweep (which also
catches changes made by other processes, catches up missed runs, resumes abandoned ones
and sends topic alerts). The jobs' trigger computes fire times with bot.core.schedule, on
the injected Clock, so a test can put the whole process on a DST morning.

A running scheduler registers its hooks in its Services' registry (bot.core.schedulers),
under its platform, so `/digest now` and a changed subscription reach it at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from bot import feed_jobs
from bot.core import schedule
from bot.core.poster import Poster
from bot.core.schedule import Clock, Spec
from bot.core.schedulers import SchedulerHooks
from bot.core.services import Services
from bot.scheduling.runner import DigestRunner
from storage import subscriptions

log = logging.getLogger(__name__)

SWEEP_SECONDS = 15.0


class SubscriptionTrigger(BaseTrigger):
    """Fires at a subscription's local time, computed by bot.core.schedule on our Clock.

    APScheduler waits in real time; when the Clock is shifted (tests, clock_override) the
    fire time is mapped back to the real instant at which the Clock will read it."""

    def __init__(self, spec: Spec, clock: Clock) -> None:
        self.spec = spec
        self.clock = clock

    def get_next_fire_time(
        self, previous_fire_time: dt.datetime | None, now: dt.datetime
    ) -> dt.datetime | None:
        offset = schedule.aware(self.clock.now()) - dt.datetime.now(dt.UTC)
        base = now if previous_fire_time is None else max(now, previous_fire_time)
        return schedule.next_fire(self.spec, schedule.aware(base) + offset) - offset

    def __str__(self) -> str:
        return f"digest[{self.spec.time_text} {self.spec.zone.key} {self.spec.days_text}]"


class DigestScheduler:
    """The runner on a timer: one job per subscription plus a sweep."""

    def __init__(
        self,
        services: Services,
        poster: Poster,
        clock: Clock | None = None,
        *,
        sweep_seconds: float = SWEEP_SECONDS,
        worker: str | None = None,
    ) -> None:
        self.services = services
        self.runner = DigestRunner(services, poster, clock, worker=worker)
        self.clock = self.runner.clock
        self.sweep_seconds = sweep_seconds
        grace = max(1, int(services.settings.digest_grace_minutes * 60))
        self.scheduler = BackgroundScheduler(
            timezone=dt.UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
        )
        self._jobs: dict[str, tuple[str, str, str]] = {}
        self._sync_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="digest-now")
        self._hooks: SchedulerHooks | None = None
        self.feeds: feed_jobs.FeedJobs | None = None

    @property
    def platform(self) -> str:
        return self.runner.platform

    def start(self, *, catch_up: bool = True, feeds: bool = True) -> DigestScheduler:
        """Start the jobs; `feeds` also puts a job per RSS/Atom feed on this scheduler —
        one scheduler per process should (bot.bootstrap asks the first), since feeds
        belong to no platform; the database claims keep a second set harmless anyway."""
        self.scheduler.start()
        self.sync_jobs()
        self.feeds = feed_jobs.attach(self.scheduler, self.services) if feeds else None
        self.scheduler.add_job(
            self.sweep,
            "interval",
            seconds=self.sweep_seconds,
            id="digest:sweep",
            replace_existing=True,
        )
        self._hooks = SchedulerHooks(
            changed=self.sync_jobs,
            run_now=lambda sid: self._pool.submit(self._safely, self.runner.run_now, sid),
            chart=lambda channel: self._pool.submit(self._safely, self.runner.post_chart, channel),
        )
        self.services.schedulers.register(self.platform, self._hooks)
        if catch_up:
            self._safely(self.runner.run_due)
            self._safely(self.runner.notify_followers)
        return self

    def stop(self) -> None:
        if self._hooks is not None:
            self.services.schedulers.unregister(self.platform, self._hooks)
        self.scheduler.shutdown(wait=True)
        self._pool.shutdown(wait=True)

    def _safely(self, fn: Callable[..., object], *args: object) -> object:
        try:
            return fn(*args)
        except Exception:
            log.exception("digest scheduler: %s failed", getattr(fn, "__name__", fn))
            return None

    def sync_jobs(self) -> list[str]:
        """Make the jobs match the active subscriptions; returns the digest job ids."""
        with self._sync_lock:
            with self.services.db.session() as session:
                subs = subscriptions.active_subscriptions(session, self.platform)
            wanted: dict[str, tuple[str, str, str]] = {}
            for sub in subs:
                job_id = f"digest:{sub.id}"
                key = (sub.time_of_day, sub.timezone, sub.days)
                wanted[job_id] = key
                if self._jobs.get(job_id) == key and self.scheduler.get_job(job_id):
                    continue
                try:
                    spec = schedule.spec_of(sub)
                except schedule.ScheduleError:
                    log.warning("subscription %s has an invalid schedule; skipped", sub.id)
                    continue
                self.scheduler.add_job(
                    self._fire,
                    trigger=SubscriptionTrigger(spec, self.clock),
                    args=[sub.id],
                    id=job_id,
                    name=f"digest {sub.channel}",
                    replace_existing=True,
                )
            for job_id in set(self._jobs) - set(wanted):
                if self.scheduler.get_job(job_id):
                    self.scheduler.remove_job(job_id)
            self._jobs = wanted
            return sorted(wanted)

    def _fire(self, subscription_id: int) -> None:
        self._safely(self.runner.run_due, subscription_id)

    def sweep(self) -> None:
        """Other processes' changes, missed and abandoned runs, and alerts."""
        self._safely(self.sync_jobs)
        self._safely(self.runner.run_due)
        self._safely(self.runner.notify_followers)

    def next_run(self, subscription_id: int) -> dt.datetime | None:
        job = self.scheduler.get_job(f"digest:{subscription_id}")
        return job.next_run_time if job else None
