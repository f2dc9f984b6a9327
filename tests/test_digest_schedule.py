"""Fire times across DST, periods, catch-up and the APScheduler trigger — pure functions,
cross-checked against the schedule's specification written out plainly."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import schedule
from bot.core.handlers.digest import parse_schedule
from bot.core.schedule import FixedClock, ShiftedClock, due_runs, next_fire, period_key, spec
from bot.scheduling.jobs import SubscriptionTrigger
from tests.digest_helpers import utc

NY = spec("08:00", "America/New_York", "daily")
KHI = spec("08:00", "Asia/Karachi", "daily")


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # spring forward on Sunday 2026-03-08: EST (UTC-5) before, EDT (UTC-4) from that day
        (utc(2026, 3, 6, 14), utc(2026, 3, 7, 13)),
        (utc(2026, 3, 7, 14), utc(2026, 3, 8, 12)),
        (utc(2026, 3, 8, 12, 30), utc(2026, 3, 9, 12)),
        # fall back on Sunday 2026-11-01: EDT before, EST from that day
        (utc(2026, 10, 30, 13), utc(2026, 10, 31, 12)),
        (utc(2026, 10, 31, 13), utc(2026, 11, 1, 13)),
        (utc(2026, 11, 1, 13, 30), utc(2026, 11, 2, 13)),
    ],
)
def test_new_york_morning_follows_dst(after: dt.datetime, expected: dt.datetime) -> None:
    assert next_fire(NY, after) == expected
    assert next_fire(NY, after).astimezone(ZoneInfo("America/New_York")).hour == 8


def test_karachi_has_no_dst_and_stays_at_0300z() -> None:
    t = utc(2026, 3, 1)
    for _ in range(300):
        t = next_fire(KHI, t)
        assert (t.hour, t.minute) == (3, 0)


def test_weekdays_skip_the_weekend_in_local_time() -> None:
    s = spec("08:00", "Asia/Karachi", "weekdays")
    friday = next_fire(s, utc(2026, 3, 5, 4))  # after Thursday's run
    assert friday == utc(2026, 3, 6, 3)
    assert next_fire(s, friday) == utc(2026, 3, 9, 3)  # Monday


def test_a_time_that_does_not_exist_fires_once_after_the_gap() -> None:
    s = spec("02:30", "America/New_York", "daily")
    fire = next_fire(s, utc(2026, 3, 8, 0))
    assert utc(2026, 3, 8, 6) < fire < utc(2026, 3, 8, 8)
    assert next_fire(s, fire) == utc(2026, 3, 9, 6, 30)


def test_an_ambiguous_time_fires_once_at_its_first_occurrence() -> None:
    s = spec("01:30", "America/New_York", "daily")
    fire = next_fire(s, utc(2026, 11, 1, 0))
    assert fire == utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    assert next_fire(s, fire) == utc(2026, 11, 2, 6, 30)


def _reference_fire(after: dt.datetime, zone: str, hour: int, days: set[int]) -> dt.datetime:
    """The specification written out plainly: the first local date on or after the
    current one whose weekday is scheduled and whose wall time hour:15 (first occurrence
    when the clock repeats) is later than `after`."""
    tz = ZoneInfo(zone)
    local = after.astimezone(tz).date()
    for offset in range(-1, 9):
        day = local + dt.timedelta(days=offset)
        if day.weekday() not in days:
            continue
        wall = dt.datetime.combine(day, dt.time(hour, 15), tzinfo=tz)
        fire = wall.astimezone(dt.UTC)
        if fire > after:
            return fire
    raise AssertionError("no fire within a week")


@settings(max_examples=150, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31)),
    st.sampled_from(["America/New_York", "Asia/Karachi", "Europe/London", "Australia/Sydney"]),
    st.integers(min_value=0, max_value=23).filter(lambda h: h not in (1, 2, 3)),
    st.sampled_from(["daily", "weekdays", "mon,thu"]),
)
def test_next_fire_agrees_with_the_plain_specification(
    after: dt.datetime, zone: str, hour: int, days: str
) -> None:
    # APScheduler's CronTrigger was the oracle here until it was found to skip a Monday
    # in the week Sydney's clocks go forward (see the test below); the plain
    # specification is the oracle now.
    s = spec(f"{hour:02d}:15", zone, days)
    weekdays = {"daily": set(range(7)), "weekdays": set(range(5)), "mon,thu": {0, 3}}[days]
    now = after.replace(tzinfo=dt.UTC)
    assert next_fire(s, now) == _reference_fire(now, zone, hour, weekdays)


def test_the_monday_after_sydney_moves_its_clocks_is_not_skipped() -> None:
    # Thursday 2 Oct 2025, 01:07 in Sydney; clocks go forward on Sunday 5 Oct. The next
    # Monday/Thursday 00:15 is Monday 6 Oct, 00:15 AEDT = Sunday 13:15 UTC.
    # (APScheduler 3.11's CronTrigger answers Thursday 9 Oct.)
    s = spec("00:15", "Australia/Sydney", "mon,thu")
    assert next_fire(s, utc(2025, 10, 1, 15, 7)) == utc(2025, 10, 5, 13, 15)


def test_period_key_is_the_utc_minute() -> None:
    fire = next_fire(NY, utc(2026, 3, 8, 0))
    assert period_key(fire) == "2026-03-08T12:00Z"
    assert schedule.period_time("2026-03-08T12:00Z") == fire
    assert schedule.period_time(schedule.manual_period(fire)) is None


class _Sub:
    def __init__(self, id: int, time_of_day: str = "08:00", tz: str = "UTC", days: str = "daily"):
        self.id, self.time_of_day, self.timezone, self.days = id, time_of_day, tz, days


def test_due_runs_coalesces_missed_fires_within_the_grace() -> None:
    sub = _Sub(1, "08:00", "UTC", "daily")
    hourly_grace = dt.timedelta(hours=3)
    # the bot was down from Monday 07:00 to Wednesday 09:30: Mon, Tue and Wed runs missed
    due = due_runs([sub], {1: "2026-03-08T08:00Z"}, utc(2026, 3, 11, 9, 30), hourly_grace)
    assert [(d.period, d.missed) for d in due] == [("2026-03-11T08:00Z", 3)]
    # already run (in any process): nothing
    assert due_runs([sub], {1: "2026-03-11T08:00Z"}, utc(2026, 3, 11, 9, 30), hourly_grace) == []
    # too late: skipped rather than posted hours after the fact
    assert due_runs([sub], {1: None}, utc(2026, 3, 11, 12, 0), hourly_grace) == []
    # a manual run in between does not count as the scheduled one
    assert len(due_runs([sub], {1: None}, utc(2026, 3, 11, 8, 0, 1), hourly_grace)) == 1


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["08:00", "Asia/Karachi", "weekdays"], ("08:00", "Asia/Karachi", "weekdays", [], [])),
        (["7am"], ("07:00", "UTC", "daily", [], [])),
        (
            ["18:30", "mon,thu", "topics:aid,trust"],
            ("18:30", "UTC", "mon,thu", ["aid", "trust"], []),
        ),
        (["8:05", "mon-fri", "Europe/London"], ("08:05", "Europe/London", "weekdays", [], [])),
    ],
)
def test_parse_schedule_words(words: list[str], expected: tuple[object, ...]) -> None:
    assert parse_schedule(words, default_zone="UTC") == expected


@pytest.mark.parametrize("words", [["25:00"], ["08:00", "Mars/Olympus"], ["noon"], []])
def test_parse_schedule_reports_problems(words: list[str]) -> None:
    assert parse_schedule(words, default_zone="UTC")[4]


def test_trigger_maps_a_shifted_clock_back_to_real_time() -> None:
    real_now = dt.datetime.now(dt.UTC)
    clock = ShiftedClock(utc(2026, 3, 8, 11, 59, 50))  # ten seconds before 08:00 EDT
    trigger = SubscriptionTrigger(NY, clock)
    fire = trigger.get_next_fire_time(None, real_now)
    assert fire is not None
    assert dt.timedelta(seconds=9) < fire - real_now < dt.timedelta(seconds=11)


def test_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(utc(2026, 1, 1))
    assert clock.now() == utc(2026, 1, 1)
    clock.advance(minutes=5)
    assert clock.now() == utc(2026, 1, 1, 0, 5)
    assert schedule.clock_from_settings(None).now().tzinfo is not None
