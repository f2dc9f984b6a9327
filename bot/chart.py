"""The weekly picture: positions per topic and actor per ISO week, as PNG bytes.

matplotlib with the Agg backend (no display, safe on a server thread), figures built with
the object API and closed after use so a long-running bot does not accumulate them. One
small panel per topic (the busiest first), one bar per side per week.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sqlalchemy.orm import Session

from bot.core.format import SIDES
from storage import digest_reads

MAX_PANELS = 6
OTHERS = "Others"
COLOURS = {SIDES[0]: "#3b6ea5", SIDES[1]: "#2e8b57", OTHERS: "#a0a0a0"}

Counts = dict[str, dict[str, dict[tuple[int, int], int]]]  # topic → actor → iso week → n


def iso_weeks(end: dt.date, weeks: int) -> list[tuple[int, int]]:
    """The ISO (year, week) of each of the `weeks` weeks ending with `end`'s, oldest first."""
    out = []
    for i in range(weeks - 1, -1, -1):
        year, week, _ = (end - dt.timedelta(weeks=i)).isocalendar()
        out.append((year, week))
    return out


def weekly_counts(session: Session, *, end: dt.date, weeks: int = 8) -> Counts:
    monday = end - dt.timedelta(days=end.weekday())
    start = monday - dt.timedelta(weeks=weeks - 1)
    counts: Counts = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for topic, actor, published, n in digest_reads.position_counts(session, start, end):
        year, week, _ = published.isocalendar()
        who = actor if actor in SIDES else OTHERS
        counts[topic][who][(year, week)] += n
    return counts


def render_png(counts: Counts, *, end: dt.date, weeks: int = 8, title: str = "") -> bytes:
    """The chart as PNG bytes; an empty span still gives a (labelled) picture."""
    axis = iso_weeks(end, weeks)
    ranked = sorted(counts, key=lambda t: -sum(sum(w.values()) for w in counts[t].values()))
    topics = ranked[:MAX_PANELS]
    rows = max(1, (len(topics) + 1) // 2)
    fig = Figure(figsize=(11, 2.6 * rows + 0.8), dpi=100)
    fig.suptitle(title or f"Positions per week, {weeks} weeks to {end.isoformat()}")
    if not topics:
        ax = fig.add_subplot(1, 1, 1)
        ax.text(0.5, 0.5, "No positions recorded in these weeks", ha="center", va="center")
        ax.set_axis_off()
    actors = [*SIDES, OTHERS]
    width = 0.8 / len(actors)
    labels = [f"W{w:02d}" for _y, w in axis]
    for i, topic in enumerate(topics):
        ax = fig.add_subplot(rows, 2 if len(topics) > 1 else 1, i + 1)
        for j, actor in enumerate(actors):
            values = [counts[topic].get(actor, {}).get(week, 0) for week in axis]
            if not any(values) and actor == OTHERS:
                continue
            xs = [k + (j - 1) * width for k in range(len(axis))]
            ax.bar(xs, values, width=width, label=actor, color=COLOURS[actor])
        ax.set_title(topic, fontsize=10)
        ax.set_xticks(range(len(axis)))
        ax.set_xticklabels(labels, fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        locator = ax.yaxis.get_major_locator()
        if isinstance(locator, MaxNLocator):  # the default AutoLocator is one
            locator.set_params(integer=True)
        if i == 0:
            ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def weekly_chart(session: Session, *, end: dt.date, weeks: int = 8) -> bytes:
    return render_png(weekly_counts(session, end=end, weeks=weeks), end=end, weeks=weeks)
