"""Posting digests and alerts on time, once: the runner, and its APScheduler wiring.

`DigestRunner` does the work and holds no timers — the CLI (`digest-due`, for cron) and the
scheduler share it. A run is:

    claim (INSERT digest_runs) → compose → post part by part, recording each → finish

and what a crash at each step leaves behind:

* before the claim: nothing; the next tick or a restart (catch-up, within the grace) runs it.
* after the claim, before the first part: a 'claimed' row with messages_posted = 0; once
  the holder is known dead (same host, pid gone) or its lease lapses, another process
  takes it over (compare-and-set) and posts from the first part.
* between parts: messages_posted = k and thread_ref are committed after each part, so the
  taker-over posts part k+1 onward, in the same thread. The one window left is between
  Slack accepting a part and the commit of its count (milliseconds): chat.postMessage has
  no idempotency key, so the taker-over first looks for that part in the channel by its
  message metadata (see below) and posts it only if it is not there.
* after the last part: finishing is one UPDATE; a run found fully posted is just finished.
* a part whose post timed out or got a 5xx: the poster looks for it in the channel (its
  message metadata names the run and part, bot.core.poster.PartKey) before trying again,
  and so does the first post of a resumed run — the crash window above is closed where
  the platform can label messages (Slack).
* posting failed for good (Slack down for a while): the run is recorded 'failed' with the
  parts it did post, and retried — from the next part, in the same thread — with
  exponential backoff (digest_retry_base_seconds, doubling, capped) while its fire is
  within the grace; the digest is not left for the next day.

`DigestScheduler` derives one APScheduler job per active subscription (id "digest:<id>",
replace_existing, coalesce, misfire grace from settings) from the subscriptions table at
start-up, on every change announced in this process, and on a periodic sweep (which also
catches changes made by other processes, catches up missed runs, resumes abandoned ones
and sends topic alerts). The jobs' trigger computes fire times with bot.core.schedule, on
the injected Clock, so a test can put the whole process on a DST morning.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from bot import feed_jobs
from bot.core import schedule
from bot.core.digest import compose, local_text, split_reply
from bot.core.format import quote, shorten
from bot.core.poster import PartKey, Poster, PostFailed
from bot.core.reply import Block, Context, Header, Reply, Section, Span
from bot.core.schedule import Clock, Spec
from bot.core.services import Services
from storage import digests
from storage.digests import CLAIMED, EMPTY, FAILED, POSTED

log = logging.getLogger(__name__)

RETRY_PENDING = "retry-pending"  # failed, and to be retried once its backoff has passed
SWEEP_SECONDS = 15.0
ALERT_LOOKBACK = dt.timedelta(days=1)
CHART_WEEKS = 8
MONDAY = 0


@dataclass(frozen=True)
class RunOutcome:
    subscription_id: int
    period: str
    status: str  # posted | empty | failed | skipped | lost | retry-pending
    messages: int = 0
    error: str | None = None


def worker_id() -> str:
    """host:pid:nonce — who holds a claim; the nonce tells a reused pid from its previous
    owner on the same host."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_alive_fn(me: str) -> Callable[[str], bool]:
    host = socket.gethostname()

    def alive(holder: str) -> bool:
        """False only when provably dead: same host, and no such process (or, for our own
        pid, a different nonce — a previous life of this pid)."""
        parts = holder.split(":")
        if len(parts) < 2 or parts[0] != host:
            return True
        try:
            pid = int(parts[1])
        except ValueError:
            return True
        if pid == os.getpid():
            return holder == me
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    return alive


class DigestRunner:
    """Claims, composes and posts digests and alerts for one platform."""

    def __init__(
        self,
        services: Services,
        poster: Poster,
        clock: Clock | None = None,
        *,
        worker: str | None = None,
    ) -> None:
        settings = services.settings
        self.services = services
        self.db = services.db
        self.poster = poster
        self.platform = poster.platform
        self.clock = clock or schedule.clock_from_settings(settings.clock_override)
        self.worker = worker or worker_id()
        self.holder_alive = holder_alive_fn(self.worker)
        self.grace = dt.timedelta(minutes=settings.digest_grace_minutes)
        self.lease = dt.timedelta(minutes=settings.digest_claim_lease_minutes)
        self.post_when_quiet = settings.digest_post_when_quiet
        self.retry_base = settings.digest_retry_base_seconds
        self.retry_max = settings.digest_retry_max_seconds
        self._alert_failures: dict[tuple[str, int], int] = {}

    def now(self) -> dt.datetime:
        return schedule.aware(self.clock.now())

    # ------------------------------------------------------------------ due work

    def run_due(self, subscription_id: int | None = None) -> list[RunOutcome]:
        """Post every digest due now (on time or missed within the grace, several missed
        periods coalesced into one), then resume runs abandoned by dead processes."""
        now = self.now()
        with self.db.session() as session:
            subs = digests.active_subscriptions(session, self.platform)
            if subscription_id is not None:
                subs = [s for s in subs if s.id == subscription_id]
            last = digests.last_periods(session, [s.id for s in subs])
        outcomes = []
        for due in schedule.due_runs(subs, last, now, self.grace):
            if due.missed > 1:
                log.info("digest %s: %d missed runs coalesced", due.subscription_id, due.missed)
            outcomes.append(self.run_digest(due.subscription_id, due.period))
        tried = {(o.subscription_id, o.period) for o in outcomes}
        outcomes += self.retry_failed(subscription_id, skip=tried)
        outcomes += self.resume_abandoned(subscription_id)
        return outcomes

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """How long after its last failure a run is tried again: base, 2×base, 4×base…"""
        seconds = self.retry_base * 2 ** max(0, attempts - 1)
        return dt.timedelta(seconds=min(seconds, self.retry_max))

    def retry_failed(
        self, subscription_id: int | None = None, *, skip: set[tuple[int, str]] | None = None
    ) -> list[RunOutcome]:
        """Try failed scheduled runs again while their fire is within the grace: each
        from its first unposted part, once its backoff has passed. A run still waiting
        for its backoff is reported as retry-pending (digest-due exits non-zero on it)."""
        now = self.now()
        with self.db.session() as session:
            subs = {s.id: s for s in digests.active_subscriptions(session, self.platform)}
            if subscription_id is not None:
                subs = {k: v for k, v in subs.items() if k == subscription_id}
            failed = digests.failed_runs(session, list(subs), since=now - self.grace)
            last = digests.last_periods(session, list(subs))
        outcomes = []
        for run in failed:
            if skip and (run.subscription_id, run.period) in skip:
                continue  # it just failed in this tick: its outcome is already reported
            fire = schedule.period_time(run.period)
            if (
                fire is None
                or now - fire > self.grace
                or last.get(run.subscription_id) != run.period
            ):
                continue  # a later digest (or the next one) covers its news
            failed_at = schedule.aware(run.finished_at or run.claimed_at)
            if failed_at + self.retry_delay(run.attempts) > now:
                outcomes.append(
                    RunOutcome(run.subscription_id, run.period, RETRY_PENDING, error=run.error)
                )
                continue
            claim = digests.retry_run(self.db, run, worker=self.worker, now=now)
            if claim is None:  # another process retried it first
                continue
            log.info(
                "digest %s %s: retry %d from part %d",
                run.subscription_id,
                run.period,
                claim.run.attempts,
                claim.run.messages_posted + 1,
            )
            outcomes.append(self._execute(subs[run.subscription_id], claim))
        return outcomes

    def resume_abandoned(self, subscription_id: int | None = None) -> list[RunOutcome]:
        now = self.now()
        with self.db.session() as session:
            claimed = digests.abandoned_runs(session, older_than=now + dt.timedelta(seconds=1))
        outcomes = []
        for run in claimed:
            if subscription_id is not None and run.subscription_id != subscription_id:
                continue
            expired = schedule.aware(run.claimed_at) <= now - self.lease
            if expired or not self.holder_alive(run.claimed_by):
                outcomes.append(self.run_digest(run.subscription_id, run.period))
        return outcomes

    # ------------------------------------------------------------------ one run

    def window_for(
        self, sub: digests.SubscriptionRow, period: str
    ) -> tuple[dt.datetime, dt.datetime]:
        """[last successful digest's end, this fire) — or, for a first digest, since the
        schedule's previous fire. A manual run ends now."""
        fire = schedule.period_time(period) or self.now()
        with self.db.session() as session:
            start = digests.last_window_end(session, sub.id)
            if start is None:
                start = digests.first_window_start(session, sub.id)
        if start is None:
            start = schedule.last_fire(sub, fire - dt.timedelta(seconds=1))
        start = schedule.aware(start)
        return min(start, fire), fire

    def run_digest(self, subscription_id: int, period: str) -> RunOutcome:
        with self.db.session() as session:
            sub = digests.subscription(session, subscription_id)
        if sub is None:
            return RunOutcome(subscription_id, period, "skipped", error="no such subscription")
        start, end = self.window_for(sub, period)
        claim = digests.claim_run(
            self.db,
            subscription_id=sub.id,
            period=period,
            worker=self.worker,
            now=self.now(),
            window_start=start,
            window_end=end,
            lease=self.lease,
            holder_alive=self.holder_alive,
        )
        if claim is None:
            return RunOutcome(sub.id, period, "skipped")
        return self._execute(sub, claim)

    def _execute(self, sub: digests.SubscriptionRow, claim: digests.Claim) -> RunOutcome:
        """Post a claimed run (fresh, resumed or retried) from its first unposted part."""
        run, period = claim.run, claim.run.period
        if claim.resumed:
            log.info("digest %s %s: resuming at part %d", sub.id, period, run.messages_posted + 1)
        fire = schedule.period_time(period)
        if claim.resumed and fire is not None and self.now() - fire > self.grace + self.lease:
            error = f"abandoned by {run.claimed_by}; too late to resume"
            self._finish(run.id, FAILED, error)
            return RunOutcome(sub.id, period, FAILED, error=error)
        try:
            return self._post_run(
                sub, run, with_chart=self._is_chart_day(sub, fire), resumed=claim.resumed
            )
        except PostFailed as exc:
            self._finish(run.id, FAILED, str(exc))
            log.warning("digest %s %s failed: %s", sub.id, period, exc)
            return RunOutcome(sub.id, period, FAILED, error=str(exc))
        except Exception as exc:
            log.exception("digest %s %s failed", sub.id, period)
            self._finish(run.id, FAILED, f"{type(exc).__name__}: {exc}"[:500])
            return RunOutcome(sub.id, period, FAILED, error=str(exc))

    def _is_chart_day(self, sub: digests.SubscriptionRow, fire: dt.datetime | None) -> bool:
        return fire is not None and schedule.local_weekday(sub, fire) == MONDAY

    def _post_run(
        self,
        sub: digests.SubscriptionRow,
        run: digests.RunRow,
        *,
        with_chart: bool,
        resumed: bool = False,
    ) -> RunOutcome:
        spec = schedule.spec_of(sub)
        with self.db.session() as session:
            digest = compose(
                session,
                start=run.window_start,
                end=run.window_end,
                topics=sub.topics,
                taxonomy=self.services.taxonomy,
                zone=spec.zone,
                title=f"Digest for {local_text(run.window_end, spec.zone)}",
            )
            png = self._chart(session, run.window_end) if with_chart and not digest.empty else None
        if digest.empty and not self.post_when_quiet:
            self._finish(run.id, EMPTY)
            return RunOutcome(sub.id, run.period, EMPTY)
        parts = split_reply(digest.reply)
        done, thread = run.messages_posted, run.thread_ref
        steps: list[Callable[[str | None], str | None]] = []
        for index, part in enumerate(parts):
            # the first part of a resumed run may have been posted just before the previous
            # holder stopped: the poster looks for it first
            key = PartKey(run.id, index, verify=resumed and index == done)
            steps.append(
                lambda thread, part=part, key=key: self._post_part(sub.channel, part, thread, key)
            )
        if png is not None:
            steps.append(
                lambda thread: self.poster.upload_png(
                    sub.channel, png, title="Positions per week", thread=thread
                )
            )
        for index in range(done, len(steps)):
            ref = steps[index](thread)
            if thread is None:
                thread = ref
            if not digests.record_progress(
                self.db,
                run.id,
                worker=self.worker,
                messages_posted=index + 1,
                thread_ref=thread,
                now=self.now(),
            ):
                log.warning("digest %s %s: claim lost after part %d", sub.id, run.period, index + 1)
                return RunOutcome(sub.id, run.period, "lost", messages=index + 1 - done)
        status = EMPTY if digest.empty else POSTED
        self._finish(run.id, status)
        return RunOutcome(sub.id, run.period, status, messages=len(steps) - done)

    def _post_part(self, channel: str, part: Reply, thread: str | None, key: PartKey) -> str | None:
        ids = self.poster.post(channel, part, thread=thread, key=key)
        return ids[0] if ids else None

    def _finish(self, run_id: int, status: str, error: str | None = None) -> None:
        digests.finish_run(
            self.db, run_id, worker=self.worker, status=status, now=self.now(), error=error
        )

    def _chart(self, session: object, end: dt.datetime) -> bytes:
        from bot.chart import weekly_chart

        return weekly_chart(session, end=end.date(), weeks=CHART_WEEKS)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ on demand

    def run_now(self, subscription_id: int) -> RunOutcome:
        return self.run_digest(subscription_id, schedule.manual_period(self.now()))

    def post_chart(self, channel: str) -> str:
        from bot.chart import weekly_chart

        with self.db.session() as session:
            png = weekly_chart(session, end=self.now().date(), weeks=CHART_WEEKS)
        return self.poster.upload_png(channel, png, title="Positions per week")

    # ------------------------------------------------------------------ alerts

    def notify_followers(self, article_id: int | None = None) -> int:
        """Send each follower one message per new article carrying positions they follow;
        returns how many were sent. Claimed before sending (alert_deliveries), so several
        processes and repeated sweeps never send one twice; a failed send releases its
        claim for the next sweep (three tries, then it is dropped)."""
        now = self.now()
        with self.db.session() as session:
            due = digests.alerts_due(
                session,
                platform=self.platform,
                not_before=now - ALERT_LOOKBACK,
                article_id=article_id,
            )
        sent = 0
        for alert in due:
            key = (alert.user_id, alert.article_id)
            if not digests.claim_alert(
                self.db, platform=self.platform, user=alert.user_id, article_id=alert.article_id
            ):
                continue
            try:
                self.poster.direct_message(alert.user_id, alert_reply(alert, self.services))
                sent += 1
                self._alert_failures.pop(key, None)
            except PostFailed as exc:
                failures = self._alert_failures.get(key, 0) + 1
                self._alert_failures[key] = failures
                log.warning("alert to %s failed (%s), try %d", alert.user_id, exc, failures)
                if failures < 3:
                    digests.release_alert(
                        self.db,
                        platform=self.platform,
                        user=alert.user_id,
                        article_id=alert.article_id,
                    )
        return sent


def alert_reply(alert: digests.AlertDue, services: Services) -> Reply:
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


# ---------------------------------------------------------------------------- APScheduler


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

    @property
    def platform(self) -> str:
        return self.runner.platform

    def start(self, *, catch_up: bool = True) -> DigestScheduler:
        self.scheduler.start()
        self.sync_jobs()
        self.feeds = feed_jobs.attach(self.scheduler, self.services)  # a job per feed
        self.scheduler.add_job(
            self.sweep,
            "interval",
            seconds=self.sweep_seconds,
            id="digest:sweep",
            replace_existing=True,
        )
        schedule.register_scheduler(
            self.services.db.url,
            changed=self.sync_jobs,
            run_now=lambda sid: self._pool.submit(self._safely, self.runner.run_now, sid),
            chart=lambda platform, channel: self._pool.submit(
                self._safely, self.runner.post_chart, channel
            ),
        )
        if catch_up:
            self._safely(self.runner.run_due)
            self._safely(self.runner.notify_followers)
        return self

    def stop(self) -> None:
        schedule.unregister_scheduler(self.services.db.url)
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
                subs = digests.active_subscriptions(session, self.platform)
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


__all__ = [
    "CLAIMED",
    "DigestRunner",
    "DigestScheduler",
    "RunOutcome",
    "SubscriptionTrigger",
    "alert_reply",
]
