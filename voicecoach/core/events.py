"""The events that go into the coach and the effects that come out of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

UtteranceKind = Literal["instruction", "count", "info"]


@dataclass(frozen=True)
class Command:
    """A recognized command: its canonical name, a target for `start`, a number for the check-in's `score`."""

    name: str
    target: str | None = None
    number: int | None = None

    @property
    def canonical(self) -> str:
        """The command as one string, e.g. "stop", "start bridge" or "score 4"."""
        if self.number is not None:
            return f"{self.name} {self.number}"
        return f"{self.name} {self.target}" if self.target else self.name


# --- events: what happens to the coach ---------------------------------


@dataclass(frozen=True)
class Heard:
    """The person said a command. `sure` False: the recognizer heard it only a little (Detection.sure); a command
    that would change the session is asked back ("Tell me again?") and done when it is said again."""

    command: Command
    sure: bool = True


@dataclass(frozen=True)
class UtteranceFinished:
    """The speaker finished playing (or cut short) utterance `utterance_id`."""

    utterance_id: int


AlertKind = Literal["microphone lost", "microphone back"]


@dataclass(frozen=True)
class Alert:
    """Something happened outside the dialog, e.g. the microphone was lost: pause a running session, say so."""

    kind: AlertKind


@dataclass(frozen=True)
class ReminderDue:
    """A reminder time has come and no session was done since (core/reminders.py): say so, if nothing runs."""


Event = Heard | UtteranceFinished | Alert | ReminderDue


# --- effects: what the coach asks the outside world to do ---------------


@dataclass(frozen=True)
class Say:
    """Speak `text` at `rate` words per minute; report UtteranceFinished(utterance_id) when done."""

    utterance_id: int
    text: str
    rate: int
    kind: UtteranceKind = "instruction"


@dataclass(frozen=True)
class StopSpeaking:
    """Cut the current utterance now and drop any that are queued."""


@dataclass(frozen=True)
class SessionEnded:
    """The session is over: finished, stopped, or stopped for pain."""

    reason: Literal["finished", "stopped", "pain"]


@dataclass(frozen=True)
class Snoozed:
    """The person said "not now" to a reminder: remind them once more after the snooze."""


@dataclass(frozen=True)
class PainRated:
    """The person rated their back's pain, from 0 to 10, before or after the exercises (for the journal)."""

    moment: Literal["before", "after"]
    score: int


@dataclass(frozen=True)
class AskedBack:
    """A command heard unsure was asked back rather than done (Heard.sure): for the journal, nothing was said yet."""

    command: Command


Effect = Say | StopSpeaking | SessionEnded | Snoozed | PainRated | AskedBack
