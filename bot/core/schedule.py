"""When digests fire: schedule specs, fire times across DST, periods, and start-up catch-up.

Pure functions over an aware "now", so every rule here is testable without a scheduler or
a database. The APScheduler jobs (bot/scheduling/jobs.py) and the start-up catch-up both ask this
module the same two questions — "when is the next fire?" and "which fire is due now?" — so
the on-time path and the recovery path cannot disagree about a period.

Fire times are computed in the subscription's own zone with zoneinfo: 08:00 America/New_York
is 13:00Z in winter and 12:00Z in summer; a local time that does not exist on a spring-
forward day fires at its post-gap equivalent; an ambiguous one fires once, at its first
occurrence. A *period* is the UTC fire time to the minute ("2026-03-09T12:00Z"): the key a
run is claimed under, identical in every process that computes it.

Also owns the Clock (the bot's only source of "now" for scheduling). How the chat handlers
reach a running scheduler is bot.core.schedulers.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.UTC
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    "daily": frozenset(range(7)),
    "everyday": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


class ScheduleError(ValueError):
    """A schedule a user typed that cannot be understood; the message says why."""


# ---------------------------------------------------------------------------- clocks


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class ShiftedClock:
    """Real time moved to start at `start`: it keeps ticking, so a whole bot process
    (APScheduler included, see SubscriptionTrigger) can live on a chosen day — how the
    subprocess tests put a process just before a DST change or a scheduled run."""

    def __init__(self, start: dt.datetime) -> None:
        self.offset = aware(start) - dt.datetime.now(UTC)

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC) + self.offset


class FixedClock:
    """A clock that moves only when told to (unit tests)."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = aware(start)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, when: dt.datetime) -> None:
        with self._lock:
            self._now = aware(when)

    def advance(self, **delta: float) -> dt.datetime:
        with self._lock:
            self._now += dt.timedelta(**delta)
            return self._now


def clock_from_settings(override: str | None) -> Clock:
    """settings.clock_override ("2026-03-08T06:59:50-05:00") starts a ShiftedClock at that
    instant; without it, the system clock."""
    if not override:
        return SystemClock()
    return ShiftedClock(dt.datetime.fromisoformat(override))


def aware(when: dt.datetime) -> dt.datetime:
    """Naive datetimes in this code base are UTC (that is how the ledger stores them)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def naive_utc(when: dt.datetime) -> dt.datetime:
    return aware(when).replace(tzinfo=None)


# ---------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class Spec:
    """The schedule part of a subscription, validated."""

    hour: int
    minute: int
    zone: ZoneInfo
    days: frozenset[int]  # 0 = Monday

    @property
    def time_text(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    @property
    def days_text(self) -> str:
        return days_text(self.days)


def parse_time(text: str) -> tuple[int, int]:
    """ "08:00", "8:30", "8am", "7:15pm" → (hour, minute)."""
    m = _TIME.match(text.strip())
    if not m:
        raise ScheduleError(f"“{text}” is not a time of day (use HH:MM, e.g. 08:00)")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3):
        if not 1 <= hour <= 12:
            raise ScheduleError(f"“{text}” is not a time of day")
        hour = hour % 12 + (12 if m.group(3).lower() == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"“{text}” is not a time of day (00:00–23:59)")
    return hour, minute


def parse_zone(name: str) -> ZoneInfo:
    try:
        if not re.fullmatch(r"[A-Za-z0-9_+\-/]{1,64}", name):
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(
            f"“{name}” is not a time zone I know (use an IANA name, e.g. Asia/Karachi)"
        ) from None


def parse_days(text: str) -> frozenset[int]:
    """ "daily", "weekdays", "weekends", "mon,thu", "mon-fri" → weekday numbers."""
    key = text.strip().lower()
    if key in _DAY_ALIASES:
        return _DAY_ALIASES[key]
    days: set[int] = set()
    for part in key.split(","):
        part = part.strip()
        if "-" in part:
            a, _, b = part.partition("-")
            start, end = _day(a), _day(b)
            i = start
            while True:
                days.add(i)
                if i == end:
                    break
                i = (i + 1) % 7
        elif part:
            days.add(_day(part))
    if not days:
        raise ScheduleError(f"“{text}” names no days")
    return frozenset(days)


def _day(word: str) -> int:
    w = word.strip()[:3]
    if w not in DAY_NAMES:
        raise ScheduleError(f"“{word}” is not a day (mon, tue, … or daily / weekdays)")
    return DAY_NAMES.index(w)


def is_days(word: str) -> bool:
    try:
        parse_days(word)
        return True
    except ScheduleError:
        return False


def days_text(days: Iterable[int]) -> str:
    """The canonical stored form: daily | weekdays | weekends | mon,thu."""
    d = frozenset(days)
    for name in ("daily", "weekdays", "weekends"):
        if d == _DAY_ALIASES[name]:
            return name
    return ",".join(DAY_NAMES[i] for i in sorted(d))


def spec(time_of_day: str, timezone: str, days: str) -> Spec:
    hour, minute = parse_time(time_of_day)
    return Spec(hour, minute, parse_zone(timezone), parse_days(days))


class HasSchedule(Protocol):
    """Read-only so frozen rows (SubscriptionRow) and ORM models both satisfy it."""

    @property
    def time_of_day(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def days(self) -> str: ...


def spec_of(sub: HasSchedule | Spec) -> Spec:
    return sub if isinstance(sub, Spec) else spec(sub.time_of_day, sub.timezone, sub.days)


# ---------------------------------------------------------------------------- fire times


def _fire_on(s: Spec, day: dt.date) -> dt.datetime:
    """The UTC instant of the local fire time on `day` (gap: shifted forward; fold: first)."""
    local = dt.datetime(day.year, day.month, day.day, s.hour, s.minute, tzinfo=s.zone, fold=0)
    # Round-tripping through UTC normalises a non-existent wall time (spring forward).
    return local.astimezone(UTC)


def next_fire(sub: HasSchedule | Spec, after: dt.datetime) -> dt.datetime:
    """The first fire strictly after `after` (aware, UTC)."""
    s = spec_of(sub)
    after = aware(after)
    start = after.astimezone(s.zone).date() - dt.timedelta(days=1)
    for i in range(9):
        day = start + dt.timedelta(days=i)
        if day.weekday() in s.days:
            fire = _fire_on(s, day)
            if fire > after:
                return fire
    raise AssertionError("a schedule with at least one day fires within 8 days")


def last_fire(sub: HasSchedule | Spec, at: dt.datetime) -> dt.datetime:
    """The latest fire at or before `at` (aware, UTC)."""
    s = spec_of(sub)
    at = aware(at)
    start = at.astimezone(s.zone).date() + dt.timedelta(days=1)
    for i in range(9):
        day = start - dt.timedelta(days=i)
        if day.weekday() in s.days:
            fire = _fire_on(s, day)
            if fire <= at:
                return fire
    raise AssertionError("a schedule with at least one day fired within 8 days")


def period_key(fire: dt.datetime) -> str:
    """The claim key of a scheduled run: its UTC fire time to the minute."""
    return aware(fire).strftime("%Y-%m-%dT%H:%MZ")


def manual_period(now: dt.datetime) -> str:
    """The key of an on-demand run (/digest now): distinct from every scheduled key."""
    return "manual:" + aware(now).strftime("%Y-%m-%dT%H:%M:%SZ")


def period_time(period: str) -> dt.datetime | None:
    """The UTC instant of a scheduled period key; None for a manual one."""
    if period.startswith("manual:"):
        return None
    return dt.datetime.strptime(period, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)


def local_weekday(sub: HasSchedule | Spec, fire: dt.datetime) -> int:
    return aware(fire).astimezone(spec_of(sub).zone).weekday()


# ---------------------------------------------------------------------------- catch-up


@dataclass(frozen=True)
class DueRun:
    subscription_id: int
    period: str
    fire: dt.datetime
    missed: int  # scheduled fires folded into this one run (1 = just this one)


class ScheduledSubscription(HasSchedule, Protocol):
    @property
    def id(self) -> int: ...


def due_runs(
    subscriptions: Iterable[ScheduledSubscription],
    last_periods: Mapping[int, str | None],
    now: dt.datetime,
    grace: dt.timedelta,
) -> list[DueRun]:
    """The runs to post now: for each subscription, its latest fire if no run was recorded
    for it (nor for any later period) and it is no older than `grace`.

    Several missed fires coalesce into one run under the latest period; its window (set by
    the caller from the last *successful* run) covers everything since. A fire older than
    the grace is skipped rather than posted hours late; the next digest covers its news.
    """
    now = aware(now)
    out: list[DueRun] = []
    for sub in subscriptions:
        fire = last_fire(sub, now)
        if now - fire > grace:
            continue
        last = last_periods.get(sub.id)
        last_at = period_time(last) if last else None
        if last_at is not None and last_at >= fire:
            continue
        missed = 1
        if last_at is not None:
            probe = fire
            while True:
                probe = last_fire(sub, probe - dt.timedelta(seconds=1))
                if probe <= last_at or missed > 366:
                    break
                missed += 1
        out.append(DueRun(sub.id, period_key(fire), fire, missed))
    return out
