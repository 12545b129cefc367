"""Records sessions in the journal by watching what goes into the coach and what comes out of it."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from voicecoach.core.content import Content
from voicecoach.core.events import AskedBack, Command, Effect, PainRated, SessionEnded
from voicecoach.core.plan import PlanStep
from voicecoach.core.progression import ExerciseLoad
from voicecoach.journal.labels import StepLabel, label_plan
from voicecoach.journal.loads import current_loads, step_loads
from voicecoach.journal.store import EndReason, Journal, JournalError

log = logging.getLogger(__name__)

# The coach stays pure: it knows nothing of the journal. The runtime calls `heard` with each command the person
# said and what the coach did about it, and `applied` after every batch of effects, and the recorder reads the
# coach's mode, plan and step to tell what happened:
#
#   idle -> running or paused          a session began (its target: the "start" command just heard)
#   step i -> i+1 with no command      step i was done (a command moving the plan skipped it, or went back)
#   running or paused -> idle          the session ended; with no command, its last step was done
#   SessionEnded(reason)               the coach's own word on why it ended (stands over the guess below)
#   PainRated(moment, score)           the check-in's answer, to the session it was asked in (even if it
#                                      closes with it), or to the one a new plan opens
#
# A command the coach acted on (its effects were not empty, nor only asked it back) during a session is kept as
# said, but for a number
# (the check-in's score, kept as pain). Each of these is one transaction, so a power cut loses at most the one
# under way; a session's close and the load steps it makes are one. The recorder also keeps the coach's loads as
# the journal has them (coach.use_loads): on its first sight of the coach, and after each session, whose close
# steps them (journal/loads.py).

# Why a session ended, guessed when the coach goes idle, before its SessionEnded comes (a power cut, or "start"
# said over the closing sentence, may keep that from ever coming). "start" mid-session switches to another session:
# the one before was stopped. Any other command, or none: it ran to its end.
_ENDED_BY: dict[str, EndReason] = {"stop": "stopped", "it hurts": "pain", "start": "stopped"}


class CoachView(Protocol):
    """What the recorder reads of the coach (voicecoach.core.coach.Coach)."""

    @property
    def content(self) -> Content: ...

    @property
    def mode(self) -> str: ...

    @property
    def plan(self) -> Sequence[PlanStep]: ...

    @property
    def index(self) -> int: ...

    def use_loads(self, loads: Mapping[str, ExerciseLoad]) -> None: ...


def local_now() -> datetime:
    """The wall clock, local time with its UTC offset."""
    return datetime.now().astimezone()


@dataclass
class _Open:
    id: int
    plan: Sequence[PlanStep]
    labels: list[StepLabel]
    index: int


class SessionRecorder:
    """Writes each session of one coach to `journal`, at the times `wall` gives."""

    def __init__(self, journal: Journal, wall: Callable[[], datetime] = local_now):
        self.journal = journal
        self.wall = wall
        self._open: _Open | None = None
        self._closed: tuple[int, EndReason] | None = None  # the session that ended last, and why, as written
        self._command: Command | None = None  # heard, acted on, and not yet seen applied
        self._failed = False
        self._loads_given = False  # whether the coach has had the journal's loads

    def heard(self, command: Command, effects: Sequence[Effect]) -> None:
        """The person said `command`, and the coach answered with `effects` (none: it ignored it; AskedBack: it asked
        for it again, and did nothing yet)."""
        if not effects or any(isinstance(effect, AskedBack) for effect in effects):
            return
        self._command = command
        session = self._open
        if session is not None and command.number is None:
            index = session.index
            exercise = session.labels[index].exercise if index < len(session.labels) else None
            self._safely(lambda: self.journal.said(session.id, self.wall(), command.canonical, index, exercise))

    def applied(self, effects: Sequence[Effect], coach: CoachView) -> None:
        """The coach's `effects` have been carried out, and `coach` is in the state they left it in."""
        command, self._command = self._command, None
        if not self._loads_given:
            self._loads_given = True
            self._safely(lambda: coach.use_loads(current_loads(self.journal, coach.content)))
        self._safely(lambda: self._observe(effects, coach, command))

    def _safely(self, write: Callable[[], object]) -> None:
        if self._failed:
            return
        try:
            write()
        except (sqlite3.Error, OSError, JournalError) as error:
            # The person on the floor matters more than the record: say it once, and go on without one.
            self._failed = True
            log.warning("the journal %s cannot be written (%s): this session is not recorded further",
                        self.journal.path, error)

    def _observe(self, effects: Sequence[Effect], coach: CoachView, command: Command | None) -> None:
        session = self._open
        rated = [effect for effect in effects if isinstance(effect, PainRated)]
        # A score belongs to the session it was asked in; one that comes with a new plan, to the session it opens.
        to_open = session is None or coach.plan is not session.plan
        if session is not None and not to_open:
            for rating in rated:
                self.journal.set_pain(session.id, rating.moment, rating.score)
        if session is not None and (coach.mode == "idle" or coach.plan is not session.plan):
            if command is None and coach.mode == "idle":
                self._steps_done(session, len(session.plan))
            reason = _ENDED_BY.get(command.name, "finished") if command is not None else "finished"
            with self.journal.together():  # a session recorded as closed has had its loads stepped
                self.journal.end_session(session.id, self.wall(), reason)
                step_loads(self.journal, coach.content, session.id, self.wall())
            self._open, self._closed = None, (session.id, reason)
            session = None
            coach.use_loads(current_loads(self.journal, coach.content))
        if session is None and coach.mode != "idle" and coach.plan:
            target = command.target if command is not None and command.target else _exercises(coach.plan)
            session_id = self.journal.start_session(self.wall(), target)
            self._open = _Open(session_id, coach.plan, label_plan(coach.content, coach.plan), coach.index)
        elif session is not None and coach.index != session.index:
            if command is None:
                self._steps_done(session, coach.index)
            session.index = coach.index
        opened = self._open
        if opened is not None and to_open:
            for rating in rated:
                self.journal.set_pain(opened.id, rating.moment, rating.score)
        for effect in effects:
            if isinstance(effect, SessionEnded) and self._closed is not None and self._closed[1] != effect.reason:
                self.journal.set_end_reason(self._closed[0], effect.reason)
                self._closed = (self._closed[0], effect.reason)

    def _steps_done(self, session: _Open, upto: int) -> None:
        for index in range(session.index, min(upto, len(session.plan))):
            self.journal.step_done(session.id, self.wall(), index, session.labels[index], session.plan[index].hold)
        session.index = upto


def _exercises(plan: Sequence[PlanStep]) -> str:
    names = dict.fromkeys(step.exercise for step in plan if step.exercise is not None)
    return ", ".join(names) or "?"
