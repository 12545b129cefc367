"""Two ways of hearing as one Recognizer: the first opinion's commits, and the command model's own where it is sure."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.asr.commands_model.island import Islands
from voicecoach.asr.commands_model.model import CommandModel
from voicecoach.asr.commands_model.recognizer import (
    CONFIRM_P,
    RATE,
    CommandModelRecognizer,
    SecondOpinion,
    phrase_classes,
)
from voicecoach.core.grammar import normalize

APART_S = 1.5
"""One utterance is one command: a commit this soon after the other way's is the same words heard twice."""


class Combined:
    """`first`'s commits (PocketSphinx with the model's veto), and `alone`'s (the command model by itself) when the
    words were said on their own: quiet before and after, no longer than a command (island.py). Said inside
    everyday talk, a command-like phrase is where the model alone goes wrong (benchmarks/COMMAND_MODEL.md).

    When the words have ended, the phrase is the one the latest window was sure of: after a pause the model can be
    sure of another command from the first syllable.

    `alone` commits nothing while the recognizer is restricted (the coach speaking), nor words that began before the
    restriction ended: it never heard commands over the coach's voice, and the coach's own words, a count such as
    "Five." said on its own, are the restriction's to keep out."""

    def __init__(self, first: Recognizer, alone: CommandModelRecognizer, islands: Islands | None = None,
                 hold: bool = True) -> None:
        """`islands`: the stream's energy, if `alone` gates on it too (CommandModelRecognizer's `quiet`); `hold`:
        `alone` scores nothing while none of its commits would be kept (restricted, or not commits_alone)."""
        if first.sample_rate != alone.sample_rate:
            raise ValueError("both recognizers must take the same sample rate")
        self.sample_rate = first.sample_rate
        self.first = first
        """The recognizer heard first: PocketSphinx under the model's veto."""
        self.alone = alone
        self._islands = islands or Islands()
        self._hold = hold
        self._waiting: list[Detection] = []  # the model's commits, until the words are judged said on their own
        self._restricted = False
        self._free_since = 0.0  # when the restriction last ended (seconds of stream)
        self._last: tuple[float, bool] | None = None  # (time, from alone) of the last commit
        self._commits_alone = True

    def accept(self, pcm: bytes) -> list[Detection]:
        self._islands.add(pcm)
        self._wait(self.alone.accept(pcm))  # first: `first` may ask it for a second opinion on this chunk
        first = self.first.accept(pcm)
        return self._merge(first, self._decided(ended=False))

    def flush(self) -> list[Detection]:
        self._wait(self.alone.flush())
        first = self.first.flush()
        return self._merge(first, self._decided(ended=True))

    @property
    def commits_alone(self) -> bool:
        """Whether `alone`'s commits count; off under a voice profile, whose takes hear the person's commands said
        on their own better (benchmarks/ENROLMENT.md). Off, `alone` scores only the windows the veto asks for
        (if `hold`)."""
        return self._commits_alone

    @commits_alone.setter
    def commits_alone(self, on: bool) -> None:
        self._commits_alone = on
        self._held()

    def restrict(self, phrases: frozenset[str] | None) -> None:
        if self._restricted and phrases is None:
            self._free_since = self._now()
        self._restricted = phrases is not None
        if self._restricted:
            self._waiting.clear()
        self.first.restrict(phrases)
        self.alone.restrict(phrases)
        self._held()

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        self.first.listen_for(phrases)
        self.alone.listen_for(phrases)

    def _held(self) -> None:
        """If `hold`, hold `alone` while none of its commits would be kept: restricted, or not commits_alone."""
        self.alone.hold(self._hold and (self._restricted or not self._commits_alone))

    def _wait(self, found: list[Detection]) -> None:
        if self.commits_alone and not self._restricted:
            self._waiting += found

    def _now(self) -> float:
        return self._islands.frames / 100

    def _decided(self, ended: bool) -> list[Detection]:
        out, self._waiting = judged(self._waiting, self.alone, self._islands, ended, self._free_since)
        return out

    def _merge(self, first: list[Detection], alone: list[Detection]) -> list[Detection]:
        out = []
        for detection, own in sorted([(d, False) for d in first] + [(d, True) for d in alone], key=lambda x: x[0].t):
            if self._last is not None and self._last[1] != own and detection.t - self._last[0] < APART_S:
                continue
            out.append(detection)
            self._last = (detection.t, own)
        return out


def judged(waiting: list[Detection], alone: CommandModelRecognizer, islands: Islands, ended: bool,
           since: float = 0.0) -> tuple[list[Detection], list[Detection]]:
    """`alone`'s commits waiting for the words to be judged said on their own: those that were, committed now (the
    phrase the latest window was sure of), and those still waiting for the quiet after them."""
    out, still = [], []
    for commit in waiting:
        verdict = islands.judge(commit.t, ended=ended, since=since)
        if verdict is None:
            still.append(commit)
        elif verdict:
            out.append(Detection(round(islands.frames / 100, 3), alone.latest_sure(commit.t) or commit.text))
    return out, still


def fired_alone(model: CommandModel, phrases: Sequence[str], meaning: Mapping[str, Hashable],
                audio: npt.NDArray[np.int16]) -> frozenset[str]:
    """The classes the model alone commits in `audio` (every phrase listened for, none held back) as Combined keeps
    its commits, words said on their own: what a model's never_alone is chosen from (train.py)."""
    islands = Islands()
    alone = CommandModelRecognizer(phrases, meaning, model, threshold=ALONE_P, consecutive=ALONE_FRAMES,
                                   quiet=islands)
    waiting: list[Detection] = []
    fired: list[Detection] = []
    for chunk in (audio[i : i + RATE // 10] for i in range(0, len(audio), RATE // 10)):
        pcm = chunk.astype("<i2").tobytes()
        islands.add(pcm)
        out, waiting = judged(waiting + alone.accept(pcm), alone, islands, ended=False)
        fired += out
    fired += judged(waiting, alone, islands, ended=True)[0]
    classes = phrase_classes(phrases, meaning)
    return frozenset(classes[normalize(d.text)] for d in fired)


ALONE_P = 0.999
"""The model alone commits a command it gives at least this probability ..."""
ALONE_FRAMES = 2
"""... in this many windows in a row. Of the settings tried, the one that fired least on the tuning half of the real
talk (benchmarks/COMMAND_MODEL.md)."""
NEVER_ALONE = frozenset({"pause", "resume", "it hurts", "slower", "start cat stretch", "how long", "back", "repeat",
                         "skip", "list exercises"})
"""The commands the model alone never commits: those it committed when each clip of the tuning half of the real talk
was said on its own (a short sentence is an island too). PocketSphinx still hears them. A retrained model holds back
its own list too (CommandModel.never_alone, fired_alone's on the tuning half said apart): the list depends on the
clips' order and noise floors, and on the shipped model that way gives 11, 7 of them here (and help, more, not now,
score 7; not back, list exercises, repeat)."""


@dataclass(frozen=True)
class Savings:
    """The work the combined recognizer leaves out (benchmarks/PIPELINE_COST.md measures each, and what it changes)."""

    streamed_opinion: bool = True
    """The veto reads the windows the model alone streamed instead of embedding CONTEXT again at each commit, unless
    they put the command near the veto probability (recognizer.STREAMED_MARGIN)."""
    hold: bool = True
    """The model alone scores nothing while none of its commits is kept: while the coach speaks (restricted), and
    under a voice profile (Combined.commits_alone off); the veto still asks it for the windows it needs."""
    quiet: bool = True
    """The model alone scores no window in which no 10 ms frame is loud (island.py's measure)."""


NONE_SAVED = Savings(streamed_opinion=False, hold=False, quiet=False)
"""Everything computed, as before any saving: what the savings are checked against."""


def with_command_model(first: Recognizer, phrases: Sequence[str], meaning: Mapping[str, Hashable],
                       model: CommandModel, alone: bool = True, savings: Savings = Savings(),
                       confirm: float = CONFIRM_P, veto: float | None = None,
                       alone_frames: int = ALONE_FRAMES) -> Recognizer:
    """`first` with the command model's veto (`veto`, or the model's own) and its confirmation of tentative commits
    (SecondOpinion) and, if `alone`, its own commits (Combined), each sure in `alone_frames` windows in a row."""
    if not alone:
        return SecondOpinion(first, phrases, meaning, model, confirm=confirm, veto=veto)
    islands = Islands()
    own = CommandModelRecognizer(phrases, meaning, model, threshold=ALONE_P, consecutive=alone_frames,
                                 never=NEVER_ALONE | model.never_alone, quiet=islands if savings.quiet else None)
    judged = SecondOpinion(first, phrases, meaning, model, stream=own if savings.streamed_opinion else None,
                           confirm=confirm, veto=veto)
    return Combined(judged, own, islands, hold=savings.hold)
