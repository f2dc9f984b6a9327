"""The digest runner: claim, compose and post one platform's digests, part by part.

`DigestRunner` does the work and holds no timers — the CLI (`digest`, `digest-due` for cron)
and the scheduler (bot.scheduling.jobs) share it. A run is:

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
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.core import schedule
from bot.core.digest import compose, local_text, split_reply
from bot.core.poster import PartKey, Poster, PostFailed
from bot.core.reply import Reply
from bot.core.schedule import Clock
from bot.core.services import Services
from bot.scheduling.alerts import FollowerAlerts
from bot.scheduling.liveness import holder_alive_fn, worker_id
from storage import claims, subscriptions
from storage.claims import EMPTY, FAILED, POSTED

log = logging.getLogger(__name__)

RETRY_PENDING = "retry-pending"  # failed, and to be retried once its backoff has passed
CHART_WEEKS = 8
MONDAY = 0


@dataclass(frozen=True)
class RunOutcome:
    subscription_id: int
    period: str
    status: str  # posted | empty | failed | skipped | lost | retry-pending
    messages: int = 0
    error: str | None = None


@dataclass(frozen=True)
class Posted:
    """How far `post_parts` got: messages posted now, and whether the claim was lost."""

    messages: int
    lost: bool = False


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
        self.alerts = FollowerAlerts(services, poster)

    def now(self) -> dt.datetime:
        return schedule.aware(self.clock.now())

    # ------------------------------------------------------------------ due work

    def run_due(self, subscription_id: int | None = None) -> list[RunOutcome]:
        """Post every digest due now (on time or missed within the grace, several missed
        periods coalesced into one), then resume runs abandoned by dead processes."""
        now = self.now()
        with self.db.session() as session:
            subs = subscriptions.active_subscriptions(session, self.platform)
            if subscription_id is not None:
                subs = [s for s in subs if s.id == subscription_id]
            last = claims.last_periods(session, [s.id for s in subs])
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
            subs = {s.id: s for s in subscriptions.active_subscriptions(session, self.platform)}
            if subscription_id is not None:
                subs = {k: v for k, v in subs.items() if k == subscription_id}
            failed = claims.failed_runs(session, list(subs), since=now - self.grace)
            last = claims.last_periods(session, list(subs))
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
            claim = claims.retry_run(self.db, run, worker=self.worker, now=now)
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
            claimed = claims.abandoned_runs(session, older_than=now + dt.timedelta(seconds=1))
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
        self, sub: subscriptions.SubscriptionRow, period: str
    ) -> tuple[dt.datetime, dt.datetime]:
        """[last successful digest's end, this fire) — or, for a first digest, since the
        schedule's previous fire. A manual run ends now."""
        fire = schedule.period_time(period) or self.now()
        with self.db.session() as session:
            start = claims.last_window_end(session, sub.id)
            if start is None:
                start = claims.first_window_start(session, sub.id)
        if start is None:
            start = schedule.last_fire(sub, fire - dt.timedelta(seconds=1))
        start = schedule.aware(start)
        return min(start, fire), fire

    def run_digest(self, subscription_id: int, period: str) -> RunOutcome:
        with self.db.session() as session:
            sub = subscriptions.subscription(session, subscription_id)
        if sub is None:
            return RunOutcome(subscription_id, period, "skipped", error="no such subscription")
        start, end = self.window_for(sub, period)
        claim = claims.claim_run(
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

    def _execute(self, sub: subscriptions.SubscriptionRow, claim: claims.Claim) -> RunOutcome:
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

    def _is_chart_day(self, sub: subscriptions.SubscriptionRow, fire: dt.datetime | None) -> bool:
        return fire is not None and schedule.local_weekday(sub, fire) == MONDAY

    def _post_run(
        self,
        sub: subscriptions.SubscriptionRow,
        run: claims.RunRow,
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
        posted = self.post_parts(sub.channel, digest.reply, png=png, run=run, resumed=resumed)
        if posted.lost:
            log.warning(
                "digest %s %s: claim lost after part %d",
                sub.id,
                run.period,
                run.messages_posted + posted.messages,
            )
            return RunOutcome(sub.id, run.period, "lost", messages=posted.messages)
        status = EMPTY if digest.empty else POSTED
        self._finish(run.id, status)
        return RunOutcome(sub.id, run.period, status, messages=posted.messages)

    def post_parts(
        self,
        channel: str,
        reply: Reply,
        *,
        png: bytes | None = None,
        run: claims.RunRow | None = None,
        resumed: bool = False,
    ) -> Posted:
        """Post a digest as its parts (then the chart) in one thread.

        With a claimed `run`, posting starts at its first unposted part, in its thread;
        each part carries its PartKey and is recorded as posted before the next, and
        posting stops as soon as the claim turns out lost. Without one (a one-off digest
        from the CLI) the parts are simply posted in order. PostFailed propagates."""
        parts = split_reply(reply)
        done, thread = (run.messages_posted, run.thread_ref) if run else (0, None)
        steps: list[Callable[[str | None], str | None]] = []
        for index, part in enumerate(parts):
            # the first part of a resumed run may have been posted just before the previous
            # holder stopped: the poster looks for it first
            key = PartKey(run.id, index, verify=resumed and index == done) if run else None
            steps.append(functools.partial(self._post_part, channel, part, key=key))
        if png is not None:
            steps.append(
                lambda thread: self.poster.upload_png(
                    channel, png, title="Positions per week", thread=thread
                )
            )
        for index in range(done, len(steps)):
            ref = steps[index](thread)
            if thread is None:
                thread = ref
            if run is not None and not claims.record_progress(
                self.db,
                run.id,
                worker=self.worker,
                messages_posted=index + 1,
                thread_ref=thread,
                now=self.now(),
            ):
                return Posted(index + 1 - done, lost=True)
        return Posted(len(steps) - done)

    def _post_part(
        self, channel: str, part: Reply, thread: str | None, key: PartKey | None
    ) -> str | None:
        ids = self.poster.post(channel, part, thread=thread, key=key)
        return ids[0] if ids else None

    def _finish(self, run_id: int, status: str, error: str | None = None) -> None:
        claims.finish_run(
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
        """Topic alerts for this platform's followers (bot.scheduling.alerts), on the
        runner's clock; returns how many were sent."""
        return self.alerts.notify(self.now(), article_id)
