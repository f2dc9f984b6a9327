"""The /timeline picture: statements per month per side, with stance changes marked.

Drawn like the weekly digest chart (`bot.chart`: Agg backend, the object API, the same
side colours, a figure per call that nothing keeps), so the two pictures read alike. The
months are the ones the reply lists, as categories: a gap of two years between two busy
months is a label, not forty empty bars.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.chart import COLOURS
from bot.core.timeline import Change, Month, side_of

FALLBACK_COLOUR = "#a0a0a0"


def render_png(
    months: list[Month], sides: tuple[str, ...], changes: dict[int, Change], *, title: str
) -> bytes:
    fig = Figure(figsize=(max(5.0, 0.7 * len(months) + 2.5), 3.4), dpi=100)
    fig.suptitle(title, fontsize=11)
    ax = fig.add_subplot(1, 1, 1)
    if not months:
        ax.text(0.5, 0.5, "No statements in this range", ha="center", va="center")
        ax.set_axis_off()
    else:
        width = 0.8 / len(sides)
        labelled = False
        for j, side in enumerate(sides):
            values = [m.counts.get(side, 0) for m in months]
            if not any(values) and len(sides) > 1:
                continue
            offset = (j - (len(sides) - 1) / 2) * width
            xs = [k + offset for k in range(len(months))]
            colour = COLOURS.get(side, FALLBACK_COLOUR)
            ax.bar(xs, values, width=width, label=side, color=colour)
            turned = [
                (k + offset, m.counts.get(side, 0))
                for k, m in enumerate(months)
                if any(mark.id in changes and side_of(mark.actor) == side for mark in m.marks)
                or (len(sides) == 1 and any(mark.id in changes for mark in m.marks))
            ]
            if turned:
                ax.scatter(
                    [x for x, _ in turned],
                    [y + 0.15 for _, y in turned],
                    marker="v",
                    color="#c0392b",
                    zorder=3,
                    label=None if labelled else "stance changed",
                )
                labelled = True
        ax.set_xticks(range(len(months)))
        ax.set_xticklabels([m.period for m in months], fontsize=7, rotation=45, ha="right")
        ax.tick_params(axis="y", labelsize=7)
        locator = ax.yaxis.get_major_locator()
        if isinstance(locator, MaxNLocator):  # the default AutoLocator is one
            locator.set_params(integer=True)
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
