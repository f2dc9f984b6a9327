"""A topic's statements as a timeline: per month, per side, and where a side turned.

Pure computation over `storage.timeline.Mark`s, so the handler, the chart and the tests
see the same months, counts and stance changes.

A stance change is marked when an actor's critical or conciliatory statement differs from
that actor's previous critical or conciliatory one. Neutral statements neither make nor
break a change: the stance reader calls a statement neutral when its words carry no lean
(`bot.indexer.stance`: no cue, or a tie), and a side that accuses, states a fact, then
accuses again has not turned twice. Changes are tracked per actor — "Others" mixes states,
and China turning is not Russia turning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.format import SIDES
from storage.timeline import Mark

OTHERS = "Others"
LEANING = frozenset({"critical", "conciliatory"})


@dataclass(frozen=True)
class Change:
    actor: str
    before: str
    after: str


@dataclass
class Month:
    period: str  # "2018-01", or "2018" for statements known only to the year
    counts: dict[str, int] = field(default_factory=dict)  # side → statements
    marks: list[Mark] = field(default_factory=list)  # oldest first


def side_of(actor: str, only: str | None = None) -> str:
    """The column a statement falls in: the asked actor, a side, or Others."""
    if only is not None or actor in SIDES:
        return actor
    return OTHERS


def sides_for(only: str | None) -> tuple[str, ...]:
    return (only,) if only is not None else (*SIDES, OTHERS)


def stance_changes(marks: Sequence[Mark]) -> dict[int, Change]:
    """Statement id → the change it marks, over marks in the order they were said."""
    last: dict[str, str] = {}
    out: dict[int, Change] = {}
    for mark in marks:
        if mark.stance not in LEANING:
            continue
        before = last.get(mark.actor)
        if before is not None and before != mark.stance:
            out[mark.id] = Change(mark.actor, before, mark.stance)
        last[mark.actor] = mark.stance
    return out


def by_month(marks: Sequence[Mark], only: str | None = None) -> list[Month]:
    """Marks grouped by the month they were said in, oldest month first. A year-only date
    ("2018") is its own group, placed before that year's months."""
    months: dict[str, Month] = {}
    for mark in marks:
        month = months.setdefault(mark.period, Month(mark.period))
        side = side_of(mark.actor, only)
        month.counts[side] = month.counts.get(side, 0) + 1
        month.marks.append(mark)
    return [months[p] for p in sorted(months)]


def side_totals(marks: Sequence[Mark], only: str | None = None) -> dict[str, int]:
    totals: dict[str, int] = {}
    for mark in marks:
        side = side_of(mark.actor, only)
        totals[side] = totals.get(side, 0) + 1
    return totals


def page_of(months: list[Month], page: int, per_page: int) -> tuple[list[Month], bool]:
    """The months one page shows, oldest first — page 1 the most recent `per_page`, page 2
    the ones before — and whether earlier months remain."""
    end = len(months) - (page - 1) * per_page
    start = max(0, end - per_page)
    return (months[start:end] if end > 0 else []), start > 0


def shown(month: Month, changes: dict[int, Change], *, per_side: int) -> list[Mark]:
    """The statements a month lists: up to `per_side` per side, a statement that marks a
    stance change before any that does not, then the latest; in the order said."""
    chosen: list[Mark] = []
    by_side: dict[str, list[Mark]] = {}
    for mark in month.marks:
        by_side.setdefault(side_of(mark.actor), []).append(mark)
    for marks in by_side.values():
        ranked = sorted(marks, key=lambda m: (m.id in changes, m.stated_on, m.id), reverse=True)
        chosen += ranked[:per_side]
    order = {m.id: i for i, m in enumerate(month.marks)}
    return sorted(chosen, key=lambda m: order[m.id])
