"""A coach driven on a virtual clock, with a speaker that only keeps a transcript."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from voicecoach.core.coach import Coach
from voicecoach.core.events import Effect, Heard, Say, SessionEnded, StopSpeaking, UtteranceFinished
from voicecoach.core.grammar import Grammar
from voicecoach.core.spoken import speech_seconds
from voicecoach.journal.recorder import SessionRecorder, local_now
from voicecoach.runtime.reminding import Reminding


@dataclass
class Line:
    """One line of the transcript: who said what, from `start` to `end` (virtual seconds)."""

    who: str  # "coach" | "user"
    text: str
    start: float
    end: float
    utterance_id: int = 0
    rate: int = 0  # words per minute it was spoken at
    cut: bool = False
    dropped: bool = False  # stopped before it started: nobody heard it
    command: str | None = None  # for the user's lines: the command it matched, if any


class VirtualClock:
    """A clock that stands still until it is moved, and never moves backwards."""

    def __init__(self, start: float = 0.0):
        self.now = start

    def advance_to(self, t: float) -> None:
        if t < self.now:
            raise ValueError(f"the clock cannot go back from {self.now} to {t}")
        self.now = t


@dataclass
class VirtualSession:
    """Runs a Coach with virtual time: utterances last as long as their words take at the current rate."""

    coach: Coach
    grammar: Grammar
    clock: VirtualClock = field(default_factory=VirtualClock)
    duration: Callable[[str, int], float] = speech_seconds  # how long (text, rate) takes to say
    coach_lines: list[Line] = field(default_factory=list)
    user_lines: list[Line] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    recorder: SessionRecorder | None = None  # writes each session to a journal
    reminding: Reminding | None = None  # says reminders when due, on the wall clock below
    wall_origin: datetime = field(default_factory=local_now)
    """The local date and time at virtual second 0: the wall clock runs on with the virtual one."""
    _playing: list[Line] = field(default_factory=list)  # queued or playing, in order
    _finished_now: list[int] = field(default_factory=list)

    @property
    def now(self) -> float:
        return self.clock.now

    def wall(self) -> datetime:
        """The local date and time now."""
        return self.wall_origin + timedelta(seconds=self.now)

    def set_wall(self, moment: datetime) -> None:
        """Set the wall clock to `moment`, now (forwards or back, as NTP or a person may); the virtual clock stays."""
        self.wall_origin = moment - timedelta(seconds=self.now)
        self._remind()

    def start(self) -> None:
        """Let the coach say it is ready."""
        self._apply(self.coach.start(self.now))

    def hear(self, words: str, sure: bool = True) -> Line:
        """The person says `words`: matched by the grammar, like recognized speech (`sure`: Heard.sure)."""
        command = self.grammar.match(words)
        line = Line("user", words, self.now, self.now, command=command.canonical if command else None)
        self.user_lines.append(line)
        if command is not None:
            effects = self.coach.handle(Heard(command, sure), self.now)
            if self.recorder is not None:
                self.recorder.heard(command, effects)
            self._apply(effects)
        return line

    def heard_so_far(self) -> int:
        """How many coach utterances, from the first, have started or were dropped by now: the index past them.

        Utterances start in the order they were queued; a dropped one keeps the start it would have had, so it is
        passed as soon as it was dropped (several sentences queued and cut at once must not hide what came after).
        """
        count = 0
        for line in self.coach_lines:
            if not (line.dropped or line.start <= self.now):
                break
            count += 1
        return count

    def next_event_time(self) -> float | None:
        """When something next happens: a deadline, an utterance's start or its end."""
        times = [t for t in (self.coach.next_deadline(),) if t is not None]
        times += [line.start for line in self._playing if line.start > self.now]
        times += [line.end for line in self._playing[:1]]
        check = self.reminding.next_check() if self.reminding is not None else None
        if check is not None:
            # Never now or before: the wall clock is kept to the microsecond, the virtual one is not.
            times.append(max(self.now + (check - self.wall()).total_seconds(), self.now + 1e-6))
        return min(times) if times else None

    def advance(self, until: float) -> None:
        """Move the clock to `until`, running everything that falls due on the way, in order."""
        while True:
            self._deliver_finished()
            self._remind()
            upcoming = self.next_event_time()
            if upcoming is None or upcoming > until:
                break
            self.clock.advance_to(max(self.now, upcoming))
            if self._playing and self._playing[0].end <= self.now:
                done = self._playing.pop(0)
                self._apply(self.coach.handle(UtteranceFinished(done.utterance_id), self.now))
            else:
                self._apply(self.coach.on_timer(self.now))
        self.clock.advance_to(max(self.now, until))

    def _remind(self) -> None:
        if self.reminding is not None:
            for event in self.reminding.poll(self.coach, speaking=bool(self._playing)):
                self._apply(self.coach.handle(event, self.now))

    def _deliver_finished(self) -> None:
        while self._finished_now:
            utterance_id = self._finished_now.pop(0)
            self._apply(self.coach.handle(UtteranceFinished(utterance_id), self.now))

    def _apply(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Say):
                start = max([self.now, *(line.end for line in self._playing[-1:])])
                line = Line("coach", effect.text, start, start + self.duration(effect.text, effect.rate),
                            effect.utterance_id, effect.rate)
                self._playing.append(line)
                self.coach_lines.append(line)
            elif isinstance(effect, StopSpeaking):
                self._stop()
            elif isinstance(effect, SessionEnded):
                self.ended.append(effect.reason)
        if self.recorder is not None:
            self.recorder.applied(effects, self.coach)
        if self.reminding is not None:
            self.reminding.applied(effects)
        self._deliver_finished()

    def _stop(self) -> None:
        for line in self._playing:
            if line.start <= self.now:  # started, if only just: it was said, and cut
                line.end, line.cut = self.now, True
            else:
                line.end, line.dropped = line.start, True
            self._finished_now.append(line.utterance_id)
        self._playing.clear()

    def transcript(self) -> list[Line]:
        """Everything said so far by both sides, in time order."""
        heard = [line for line in self.coach_lines if line.start <= self.now and not line.dropped]
        # The user's lines first, so a reply sorts after the words it answers.
        return sorted([*self.user_lines, *heard], key=lambda line: line.start)


def format_line(line: Line) -> str:
    """One transcript line with its virtual time, as the reports and text mode print it."""
    who = "you  " if line.who == "user" else "coach"
    note = ""
    if line.who == "user":
        note = f"  [{line.command}]" if line.command else "  [not a command]"
    elif line.cut:
        note = "  [cut]"
    return f"[{line.start:8.2f}s] {who}: {line.text}{note}"
