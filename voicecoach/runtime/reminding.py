"""Says a reminder when one is due: core/reminders.py on a wall clock, for the live loop and the virtual session."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from voicecoach.core.coach import Coach
from voicecoach.core.events import Effect, ReminderDue, SessionEnded, Snoozed
from voicecoach.core.reminders import Reminders, ReminderSettings, SaidReminder
from voicecoach.journal.recorder import local_now
from voicecoach.journal.store import Journal, JournalError

log = logging.getLogger(__name__)
T = TypeVar("T")


class Reminding:
    """Tells the caller when to hand the coach ReminderDue, and keeps the reminders told of sessions and snoozes.

    The caller (the live loop, the virtual session) calls `poll` whenever something may have changed and hands
    the coach what it returns, then `applied` with every batch of the coach's effects.
    """

    def __init__(self, settings: ReminderSettings, wall: Callable[[], datetime] = local_now,
                 journal: Journal | None = None):
        self.wall = wall
        self.journal = journal
        self.reminders = Reminders(settings, last_session=self._last_session(), said=self._said())

    def _said(self) -> SaidReminder | None:
        return self._read(Journal.reminder, "a reminder said before a restart may be said again")

    def _last_session(self) -> datetime | None:
        return self._read(Journal.last_session_end, "they go by this run's sessions only")

    def _read(self, read: Callable[[Journal], T | None], otherwise: str) -> T | None:
        """What `read` finds in the journal; None if there is none, or it cannot be read (said once, in the log)."""
        if self.journal is None:
            return None
        try:
            return read(self.journal)
        except (JournalError, sqlite3.Error) as error:
            log.warning("reminders: the journal cannot be read (%s): %s", error, otherwise)
            return None

    def _keep_said(self) -> None:
        """Keep the reminder said (and its snooze) in the journal, so that a restart does not say it again."""
        said = self.reminders.said
        if self.journal is None or said is None:
            return
        try:
            self.journal.set_reminder(said)
        except (JournalError, sqlite3.Error, OSError) as error:
            log.warning("reminders: the journal cannot be written (%s): after a restart this reminder may be "
                        "said again", error)

    def poll(self, coach: Coach, speaking: bool) -> list[ReminderDue]:
        """[ReminderDue()] when a reminder is due and the coach is idle and silent; else []."""
        if coach.listening != "idle" or speaking:
            return []
        now = self.wall()
        if not self.reminders.due(now):
            return []
        last = self._last_session()  # another voicecoach (`run --text`) may have recorded a session meanwhile
        if last is not None:
            self.reminders.session_done(last)
            if not self.reminders.due(now):
                return []
        self.reminders.reminded(now)
        self._keep_said()
        log.info("reminder due at %s: no session since", now.isoformat(timespec="minutes"))
        return [ReminderDue()]

    def applied(self, effects: Sequence[Effect]) -> None:
        """The coach's effects: a session that ended, or "not now"."""
        for effect in effects:
            if isinstance(effect, SessionEnded):
                # With a journal, the session counts only if a repetition was done (it was recorded before this).
                done = self.wall() if self.journal is None else self._last_session()
                if done is not None:
                    self.reminders.session_done(done)
            elif isinstance(effect, Snoozed):
                self.reminders.snoozed(self.wall())
                self._keep_said()

    def next_check(self) -> datetime | None:
        """The next moment at which a reminder may fall due with nothing else happening; None: never."""
        return self.reminders.next_check(self.wall())
