"""`voicecoach progress`: pain before and after each session, and sessions per week, drawn on a day axis."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from voicecoach.errors import VoicecoachError
from voicecoach.journal.store import SessionRecord

# matplotlib is an optional extra: the coach itself never draws, and a Pi that only runs the coach does without it.
INSTALL = "pip install 'voicecoach[progress]' (in a source checkout: .venv/bin/pip install -e '.[progress]')"


class PlotUnavailable(VoicecoachError):
    """matplotlib is not installed: says how to install it."""

    def __init__(self) -> None:
        super().__init__(f"progress draws with matplotlib, which is not installed: {INSTALL}")


def week_of(day: date) -> date:
    """The Monday that starts the week of `day`."""
    return day - timedelta(days=day.weekday())


def sessions_per_week(records: Sequence[SessionRecord]) -> list[tuple[date, int]]:
    """(Monday, sessions begun that week) from the first session's week to the last's, empty weeks included."""
    if not records:
        return []
    weeks = Counter(week_of(record.started_at.date()) for record in records)
    first, last = min(weeks), max(weeks)
    return [(first + timedelta(weeks=n), weeks.get(first + timedelta(weeks=n), 0))
            for n in range((last - first).days // 7 + 1)]


def pain_points(records: Sequence[SessionRecord]) -> tuple[list[tuple[datetime, int]], list[tuple[datetime, int]]]:
    """The pain scores given before and after sessions, each at the session's start."""
    before = [(r.started_at, r.pain_before) for r in records if r.pain_before is not None]
    after = [(r.started_at, r.pain_after) for r in records if r.pain_after is not None]
    return before, after


def draw_progress(records: Sequence[SessionRecord], out: Path) -> None:
    """Write the picture of `records` to `out` (PNG); PlotUnavailable without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        raise PlotUnavailable() from None
    matplotlib.use("Agg")  # no display on a Pi run headless
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    figure, (pain_axes, week_axes) = plt.subplots(2, 1, sharex=True, figsize=(9, 6), height_ratios=(2, 1),
                                                  layout="constrained")
    try:
        before, after = pain_points(records)
        for points, label, style in ((before, "before", "o--"), (after, "after", "s-")):
            if points:
                pain_axes.plot([_wall(t) for t, _ in points], [s for _, s in points], style, label=label)
        if before or after:
            pain_axes.legend(loc="upper right")
        else:
            pain_axes.text(0.5, 0.5, "No pain scores recorded yet", ha="center", va="center",
                           transform=pain_axes.transAxes)
        pain_axes.set_ylim(-0.5, 10.5)
        pain_axes.set_yticks(range(0, 11, 2))
        pain_axes.set_ylabel("pain (0 to 10)")
        first, last = records[0].started_at, records[-1].started_at
        pain_axes.set_title(f"{len(records)} sessions, {first:%d %b %Y} to {last:%d %b %Y}")

        weeks = sessions_per_week(records)
        week_axes.bar([datetime.combine(monday, datetime.min.time()) for monday, _ in weeks],
                      [count for _, count in weeks], width=7, align="edge", edgecolor="white")
        week_axes.set_ylabel("sessions per week")
        week_axes.yaxis.get_major_locator().set_params(integer=True)
        locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
        week_axes.xaxis.set_major_locator(locator)
        week_axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        week_axes.set_xlim(_wall(first) - timedelta(days=1), _wall(last) + timedelta(days=7))
        figure.savefig(out, format="png", dpi=100)
    finally:
        plt.close(figure)


def _wall(moment: datetime) -> datetime:
    # The time on the clock where it was recorded: a session at 8 in the morning shows at 8, wherever it was.
    return moment.replace(tzinfo=None)
