"""When to remind the person of their exercises: reminder times, quiet hours and snooze, on a local time passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

# Theory of operation
# -------------------
# A reminder time ("08:00") makes a slot each day: that time on that date, in the local time zone of `now`. The
# slot that matters is the latest one at or before now. It is due when
#   - the clock is set (not before EARLIEST_CLOCK, and not behind the last session the journal holds),
#   - no session ended after it, or in the hour before it (exercising at 07:50 answers the 08:00 reminder),
#   - it was not said yet (once per slot; "not now" snoozes it, and it is said once more when the snooze ends),
#   - it is not quiet hours now, and quiet hours have not begun since the slot: one that falls in quiet hours
#     waits for their end, one that quiet hours overtake is dropped (no evening reminder the next morning).
# Times are compared as instants (UTC), and a slot is known by its date and time of day as well: a clock set back
# (the end of summer time, NTP correcting a clock that ran ahead, or a fixed UTC offset that changed overnight)
# never makes a slot already said due again.

EARLIEST_CLOCK = datetime(2026, 1, 1, tzinfo=UTC)
"""A clock before this is unset: a Raspberry Pi has no battery clock and boots at 1970 until NTP sets it."""

DONE_EARLY = timedelta(hours=1)
"""A session that ended this long before a reminder time counts for it."""

SNOOZE_RANGE = (5, 240)
"""The minutes "not now" may put a reminder off by."""

DEFAULT_SNOOZE_MINUTES = 30

_CLOCK_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

REMINDER_KEYS = ("reminders", "quiet_hours", "snooze_minutes")
"""The config file's keys for reminders (cli/config.py); a dialog may set them too (testing/dialog.py)."""


def parse_clock(text: object) -> time:
    """"08:00" (24-hour, hours and minutes) as a time; ValueError saying what is wrong."""
    match = _CLOCK_RE.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"must be a time of day as \"HH:MM\" (24-hour, e.g. \"08:00\" or \"18:30\"), got {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def parse_times(value: object) -> tuple[time, ...]:
    """["08:00", "18:00"] as times of day, earliest first; ValueError saying what is wrong."""
    if not isinstance(value, list | tuple):
        raise ValueError(f"must be a list of times of day, e.g. [\"08:00\", \"18:00\"], got {value!r}")
    times = sorted(parse_clock(item) for item in value)
    for first, second in pairwise(times):
        if first == second:
            raise ValueError(f"{clock_text(first)} is given twice")
    return tuple(times)


def parse_snooze(value: object) -> int:
    """The minutes "not now" puts a reminder off by; ValueError saying what is wrong."""
    low, high = SNOOZE_RANGE
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number of minutes, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"must be between {low} and {high} minutes, got {value!r}")
    return value


def clock_text(moment: time) -> str:
    """A time of day as "HH:MM", the form parse_clock reads."""
    return moment.strftime("%H:%M")


@dataclass(frozen=True)
class QuietHours:
    """A stretch of each day with no reminders, from `start` to `end`; it spans midnight when `end` is earlier."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError(f"quiet hours start and end at {clock_text(self.start)}: give two different times")

    @classmethod
    def parse(cls, text: object) -> QuietHours:
        """"22:00-07:00" as quiet hours; ValueError saying what is wrong."""
        parts = text.split("-") if isinstance(text, str) else []
        if len(parts) != 2:
            raise ValueError(f"must be two times of day as \"HH:MM-HH:MM\" (e.g. \"22:00-07:00\"), got {text!r}")
        return cls(parse_clock(parts[0].strip()), parse_clock(parts[1].strip()))

    def __str__(self) -> str:
        return f"{clock_text(self.start)}-{clock_text(self.end)}"

    def contains(self, moment: time) -> bool:
        """Whether the wall-clock time `moment` is quiet."""
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True)
class ReminderSettings:
    """When to remind, and how to be put off."""

    times: tuple[time, ...] = ()
    """Times of day to remind at, local time; none: never remind."""

    quiet: QuietHours | None = None
    """No reminder is said in these hours; none: any time."""

    snooze: timedelta = timedelta(minutes=DEFAULT_SNOOZE_MINUTES)
    """How long "not now" puts the reminder off."""

    def __post_init__(self) -> None:
        if any(t.tzinfo is not None or t.second or t.microsecond for t in self.times):
            raise ValueError("reminder times are local hours and minutes, with no time zone or seconds")
        if len(set(self.times)) != len(self.times):
            raise ValueError("a reminder time is given twice")
        low, high = SNOOZE_RANGE
        if not timedelta(minutes=low) <= self.snooze <= timedelta(minutes=high):
            raise ValueError(f"the snooze must be {low} to {high} minutes")
        for moment in self.times:
            if self.quiet is not None and self.quiet.contains(moment):
                raise ValueError(f"{clock_text(moment)} falls in the quiet hours {self.quiet}")

    def with_value(self, key: str, value: object) -> ReminderSettings:
        """These settings with one of REMINDER_KEYS set as a config file writes it; ValueError saying what is wrong."""
        if key == "reminders":
            return replace(self, times=parse_times(value))
        if key == "quiet_hours":
            return replace(self, quiet=QuietHours.parse(value))
        if key == "snooze_minutes":
            return replace(self, snooze=timedelta(minutes=parse_snooze(value)))
        raise ValueError(f"'{key}' is not a reminder setting ({', '.join(REMINDER_KEYS)})")


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"a reminder needs a local time with its time zone, not {moment!r}")
    return moment.astimezone(UTC)


def _at(day: date, moment: time, like: datetime) -> datetime:
    """`moment` on `day` in the time zone of `like`, as an instant."""
    return datetime.combine(day, moment, tzinfo=like.tzinfo).astimezone(UTC)


def _latest(moments: tuple[time, ...], now: datetime) -> tuple[datetime, datetime] | None:
    """The latest of `moments` (on today's date or yesterday's) at or before `now`: as an instant, and as the
    wall-clock date and time it names."""
    today = now.date()
    at = _utc(now)
    past = [(_at(day, m, now), datetime.combine(day, m)) for day in (today, today - timedelta(days=1))
            for m in moments]
    return max((p for p in past if p[0] <= at), default=None)


def _next(moments: tuple[time, ...], now: datetime) -> datetime | None:
    """The first of `moments` (today or tomorrow) after `now`, as an instant."""
    today = now.date()
    at = _utc(now)
    coming = [_at(day, m, now) for day in (today, today + timedelta(days=1)) for m in moments]
    return min((c for c in coming if c > at), default=None)


@dataclass(frozen=True)
class SaidReminder:
    """The reminder said last, as the journal keeps it across restarts."""

    slot: datetime
    """The reminder time it was said for, as an instant (UTC)."""

    wall: datetime
    """The same, as the local date and time of day it names (no time zone)."""

    snoozed_until: datetime | None = None
    """After "not now": when it is said once more (UTC); None: it was not put off."""


class Reminders:
    """Decides whether a reminder is due; pure: the caller passes the local time and says what happened."""

    def __init__(self, settings: ReminderSettings, last_session: datetime | None = None,
                 said: SaidReminder | None = None):
        self.settings = settings
        self.last_session = None if last_session is None else _utc(last_session)
        # The slot last reminded of (instant, wall time), and when it is said once more after "not now".
        self._said: tuple[datetime, datetime] | None = None if said is None else (_utc(said.slot), said.wall)
        self._snoozed_until = None if said is None or said.snoozed_until is None else _utc(said.snoozed_until)

    @property
    def said(self) -> SaidReminder | None:
        """The reminder said last, to keep across a restart; None if none was said."""
        if self._said is None:
            return None
        return SaidReminder(self._said[0], self._said[1], self._snoozed_until)

    def slot(self, now: datetime) -> datetime | None:
        """The reminder time that matters at `now` (the latest at or before it), as an instant; None if none."""
        latest = _latest(self.settings.times, now)
        return None if latest is None else latest[0]

    def due(self, now: datetime) -> bool:
        """Whether a reminder should be said at `now` (a local time with its time zone)."""
        at = _utc(now)
        latest = _latest(self.settings.times, now)
        if latest is None or at < EARLIEST_CLOCK:
            return False
        slot, wall = latest
        last = self.last_session
        if last is not None and (last > at or last >= slot - DONE_EARLY):
            return False  # done since (or just before) the slot; or the clock is behind the journal: not set yet
        if self._quiet(now, slot):
            return False
        said = self._said
        if said is not None and (wall == said[1] or slot <= said[0]):
            return wall == said[1] and self._snoozed_until is not None and at >= self._snoozed_until
        return True

    def _quiet(self, now: datetime, slot: datetime) -> bool:
        quiet = self.settings.quiet
        if quiet is None:
            return False
        began = _latest((quiet.start,), now)
        return quiet.contains(now.time()) or (began is not None and began[0] > slot)

    def reminded(self, now: datetime) -> None:
        """The reminder due at `now` has been said."""
        self._said = _latest(self.settings.times, now)
        self._snoozed_until = None

    def snoozed(self, now: datetime) -> None:
        """The person said "not now" at `now`: say it once more after the snooze, unless a session comes first."""
        if self._said is not None:
            self._snoozed_until = _utc(now) + self.settings.snooze

    def session_done(self, at: datetime) -> None:
        """A session ended at `at`."""
        moment = _utc(at)
        self.last_session = moment if self.last_session is None else max(self.last_session, moment)

    def next_check(self, now: datetime) -> datetime | None:
        """The first moment after `now` at which a reminder that is not due now may fall due; None: never."""
        quiet = self.settings.quiet
        candidates = [_next(self.settings.times, now), self._snoozed_until,
                      _next((quiet.end,), now) if quiet is not None else None]
        at = _utc(now)
        return min((c for c in candidates if c is not None and c > at), default=None)
