"""The spoken enrolment, sans I/O: the coach asks for each command, the person says it back, takes are kept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from voicecoach.asr.enrolled.enrol import TakeError
from voicecoach.asr.enrolled.matcher import Take

STOP = "stop"
FIRST_STOP = "To learn your voice, say stop."
"""The first line when stop comes first (in_order): it asks for stop at once. Until stop has its takes only the
general recognizer hears stop over the coach's voice, and barely (benchmarks/ENROLMENT-SPOKEN.md), so the line said
before them is short, and says the one word a "stop" over it would be taken for."""
INTRO_ONE = "Say each command back after me, as you would on the floor."
"""The one sentence that explains the enrolment: said after stop's takes, or first when the enrolment does not
begin with stop (one command redone: `enroll how long`)."""
STOP_LEARNED = f"Saying stop now ends this at any time. {INTRO_ONE}"
"""Said once stop has its two takes: from then on, stop is heard by the person's own takes over the coach's voice,
this line included."""
OTHERS_INTRO = "Last, a few words that are not commands, once each, so that I can tell them apart."
"""Said before the words that are no command (`others`), once the commands are done."""
TakeMaker = Callable[[str, str, npt.NDArray[np.int16]], Take]
"""(phrase, take name, 16 kHz audio) to a Take; TakeError with a plain reason when the take is unusable."""
StopHearer = Callable[[Sequence[Take], npt.NDArray[np.int16], bool], bool]
"""(the takes so far, 16 kHz audio, whether it was said in place of a take) to whether it is "stop"
(stop_over.StopOver)."""


@dataclass(frozen=True)
class Say:
    """The coach says `text`, then listens."""

    text: str


@dataclass(frozen=True)
class Finished:
    """The enrolment ended (every command done, or the person said stop): the takes to save."""

    takes: tuple[Take, ...]
    stopped: bool
    microphone_lost: bool = False
    """The enrolment ended because the microphone went away (it is also `stopped`)."""


Action = Say | Finished


@dataclass
class EnrolmentConversation:
    """For each of `phrases`, `per_command` takes, then one of each of `others` (words that are no command,
    Take.command); a take that is unusable, or a silence of `timeout` seconds, is asked again once, in plain words,
    then the conversation moves on without it. Once stop has its two takes, `hears_stop` hears stop by them too:
    over the coach's voice, and in place of another command's take."""

    phrases: Sequence[str]
    make_take: TakeMaker
    per_command: int = 2
    timeout: float = 8.0
    hears_stop: StopHearer | None = None
    others: Sequence[str] = ()
    takes: list[Take] = field(default_factory=list)
    _index: int = 0
    _number: int = 1
    _retried: bool = False
    _asked_at: float = 0.0
    _done: bool = False

    def start(self, now: float) -> list[Action]:
        self._asked_at = now
        if self.phrases[0] == STOP:
            return [Say(FIRST_STOP)]
        return [Say(INTRO_ONE), self._ask()]

    def heard(self, audio: npt.NDArray[np.int16], now: float) -> list[Action]:
        """A stretch of speech the hearing path cut, while the coach was listening for a take."""
        if self._done:
            return []
        phrase = self._phrase
        if phrase != STOP and self._hears_stop(audio, instead_of_take=True):
            return self.stop(now)
        try:
            take = self.make_take(phrase, f"{phrase.replace(' ', '_')}-{self._number}", audio)
        except TakeError as error:
            return self._again(f"I could not use that: {error}.", now)
        self.takes.append(take if self._index < len(self.phrases) else replace(take, command=False))
        return self._next(now)

    def stop(self, now: float) -> list[Action]:
        """The person said stop (heard by the general recognizer, over the coach's voice or in a take, while
        another command was asked for); the takes so far are kept, as the coach says."""
        if self._done or self._phrase == STOP:
            return []  # saying "stop" when asked for it is the take itself
        self._done = True
        return [Say(f"Stopped. {learned(self.takes)} so far."), Finished(tuple(self.takes), True)]

    def spoken_over(self, audio: npt.NDArray[np.int16], now: float) -> list[Action]:
        """A stretch of speech begun while the coach spoke: the end, if the person's stop takes hear stop in it."""
        if self._done or self._phrase == STOP or not self._hears_stop(audio, instead_of_take=False):
            return []
        return self.stop(now)

    def _hears_stop(self, audio: npt.NDArray[np.int16], instead_of_take: bool) -> bool:
        return self.hears_stop is not None and self.stop_learned and self.hears_stop(self.takes, audio, instead_of_take)

    def microphone_lost(self, now: float) -> list[Action]:
        """The microphone went away: the enrolment ends here, keeping the takes so far."""
        if self._done:
            return []
        self._done = True
        return [Say("I lost the microphone, so I stop here and keep what I learned so far."),
                Finished(tuple(self.takes), True, microphone_lost=True)]

    @property
    def asking(self) -> str | None:
        """The phrase a take is asked for now; None once the conversation has ended."""
        return None if self._done else self._phrase

    @property
    def _phrase(self) -> str:
        return [*self.phrases, *self.others][self._index]

    def listening(self, now: float) -> None:
        """The coach's words have finished playing: the silence before a take is counted from `now`."""
        self._asked_at = now

    def deadline(self) -> float | None:
        """When tick() next has something to do, if ever."""
        return None if self._done else self._asked_at + self.timeout

    def tick(self, now: float) -> list[Action]:
        """Time passes; a silence past `timeout` is asked again once, then skipped."""
        if self._done or now - self._asked_at < self.timeout:
            return []
        return self._again("I did not hear anything.", now)

    def _again(self, why: str, now: float) -> list[Action]:
        self._asked_at = now
        if not self._retried:
            self._retried = True
            return [Say(f"{why} Please say {self._phrase} once more.")]
        return [Say("Let us move on."), *self._next(now, skip_command=True)]

    def _next(self, now: float, skip_command: bool = False) -> list[Action]:
        self._retried = False
        self._asked_at = now
        if self._number < self.per_command and not skip_command and self._index < len(self.phrases):
            self._number += 1
            return [Say("Again.")]
        finished = self._phrase
        self._index += 1
        self._number = 1
        if self._index >= len(self.phrases) + len(self.others):
            self._done = True
            return [Say(f"Done. {learned(self.takes)}."), Finished(tuple(self.takes), False)]
        told = [Say(STOP_LEARNED if self.stop_learned else INTRO_ONE)] if finished == STOP else []
        if self._index == len(self.phrases):
            told.append(Say(OTHERS_INTRO))
        return [*told, self._ask()]

    @property
    def stop_learned(self) -> bool:
        """Stop has the two takes its own threshold is calibrated from."""
        return sum(1 for take in self.takes if take.phrase == STOP) >= 2

    def _ask(self) -> Say:
        phrase = self._phrase
        return Say(f"{phrase[:1].upper()}{phrase[1:]}.")


def in_order(phrases: Sequence[str]) -> list[str]:
    """`phrases` in the order the enrolment asks for them: stop first, so that it can end the rest by the person's
    own voice; the others as they were."""
    return sorted(phrases, key=lambda phrase: phrase != STOP)


def learned(takes: Sequence[Take]) -> str:
    """How many commands the takes teach, in words: a command is heard from the profile once it has two takes."""
    counts = Counter(take.phrase for take in takes if take.command)
    full = sum(1 for n in counts.values() if n >= 2)
    out = f"I learned {full} command{'' if full == 1 else 's'}"
    single = len(counts) - full
    if single:
        out += f"; {single} more need{'s' if single == 1 else ''} a second take"
    return out
