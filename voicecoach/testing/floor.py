"""A simulated floor for the live loop: microphone, loudspeaker and clock on one timeline, and a person answering."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicecoach.core.events import Say, StopSpeaking
from voicecoach.runtime.live import PlayedCallback, TimeCallback
from voicecoach.testing import speech
from voicecoach.testing.microphone import FedMicrophone

RATE = 16000
BLOCK = RATE // 20  # the microphone's 50 ms blocks
ORIGIN = 1000.0  # the clock's time at the microphone's first sample


@dataclass
class Line:
    """One of the coach's utterances as the loudspeaker played it (microphone samples)."""

    utterance_id: int
    text: str
    audio: speech.Audio
    start: int = -1
    end: int = -1


class Floor:
    """The clock is the microphone's sample count, so a run is as long as its audio, however fast the machine.

    The microphone hands out blocks as fast as the decoder takes them: the coach's voice as the loudspeaker plays
    it (times `echo_gain`), the person, and faint noise. Each time the coach falls silent, the person says the
    next of `answers` `reaction` seconds later (None: says nothing). After a take, the microphone waits (in wall
    time) for the coach's reply once `reply_within` seconds of audio have passed: the reply is never later than
    a Pi that decides within that, however loaded this machine is. `steady`: nor is it earlier, and the coach's
    first words start `reply_within` seconds in, so that everything lies on the same microphone samples (and
    noise) in every run, however loaded this machine is. `interruptions`: what the person says over the coach,
    `interrupt_at` seconds (None: `reaction`) after it starts to say the line of that text (as a reply it is
    waited for too).
    """

    def __init__(self, answers: Sequence[speech.Audio | None], coach_voice: Callable[[str], speech.Audio],
                 echo_gain: float = 0.1, reaction: float = 0.6, reply_within: float = 1.5,
                 limit: float = 600.0, interruptions: Mapping[str, speech.Audio] | None = None,
                 steady: bool = False, interrupt_at: float | None = None) -> None:
        self.answers = list(answers)
        self.interruptions = dict(interruptions or {})
        self.interrupt_at = None if interrupt_at is None else round(interrupt_at * RATE)
        self.coach_voice = coach_voice
        self.echo_gain = echo_gain
        self.reaction = round(reaction * RATE)
        self.reply_within = round(reply_within * RATE)
        self.limit = round(limit * RATE)
        self.steady = steady
        # The coach's first words, or its reply to the last take, are awaited from this sample on; with `steady`,
        # they start there.
        self._reply_by = self.reply_within
        self.lines: list[Line] = []
        """Everything the coach said, in order."""
        self.takes: list[tuple[int, int]] = []
        """Where the person spoke: (first, end) sample."""
        self.pos = 0
        self._queue: list[Line] = []
        self._playing: Line | None = None
        self._person: tuple[int, speech.Audio] | None = None
        self._awaiting_reply = steady
        self._noise = np.random.default_rng(5)
        self._cond = threading.Condition()
        self._started: TimeCallback | None = None
        self._finished: TimeCallback | None = None
        self._played: PlayedCallback | None = None

    def clock(self) -> float:
        return ORIGIN + self.pos / RATE

    def microphone(self) -> FedMicrophone:
        return FedMicrophone(self.read, sample_at=lambda t: round((t - ORIGIN) * RATE))

    def open_speaker(self, started: TimeCallback, finished: TimeCallback, played: PlayedCallback) -> FloorSpeaker:
        self._started, self._finished, self._played = started, finished, played
        return FloorSpeaker(self)

    def said(self) -> list[str]:
        """The coach's lines that have started playing."""
        return [line.text for line in self.lines if line.start >= 0]

    # --- the loudspeaker, on the loop's thread ---------------------------------------

    def speak(self, effect: Say | StopSpeaking) -> None:
        with self._cond:
            if isinstance(effect, Say):
                line = Line(effect.utterance_id, effect.text, self.coach_voice(effect.text))
                self.lines.append(line)
                self._queue.append(line)
                self._awaiting_reply = False
            else:
                self._queue.clear()
                if self._playing is not None:
                    self._playing.end = self.pos
            self._cond.notify_all()

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._playing is not None or bool(self._queue)

    # --- the microphone, on the decoder's thread ---------------------------------------

    def read(self) -> bytes:
        with self._cond:
            if self._awaiting_reply and self.pos >= self._reply_by:
                self._cond.wait_for(lambda: not self._awaiting_reply, timeout=10.0)
                self._awaiting_reply = False
            if self.pos >= self.limit:
                raise RuntimeError(f"the floor ran out of time at {self.pos / RATE:.0f} s")
            self._advance_speaker()
            a, b = self.pos, self.pos + BLOCK
            out = self._noise.normal(0.0, 20.0, BLOCK)
            line = self._playing
            if line is not None:
                out += self._part(line.audio, line.start, a, b) * self.echo_gain
            if self._person is not None:
                out += self._part(self._person[1], self._person[0], a, b)
            self.pos = b
        return speech.to_int16(out / 32767.0).tobytes()

    def _advance_speaker(self) -> None:
        line = self._playing
        if line is not None and self.pos >= line.end:
            self._playing = None
            assert self._finished is not None
            self._finished(line.utterance_id, ORIGIN + line.end / RATE)
            if not self._queue:
                self._answer()
        if self._playing is None and self._queue and (not self.steady or self.pos >= self._reply_by):
            line = self._playing = self._queue.pop(0)
            line.start, line.end = self.pos, self.pos + len(line.audio)
            assert self._started is not None and self._played is not None
            self._started(line.utterance_id, ORIGIN + line.start / RATE)
            self._played(line.audio.astype(np.float32) / 32767.0, ORIGIN + line.start / RATE)
            if line.text in self.interruptions:
                self._say(self.interruptions.pop(line.text), self.interrupt_at)

    def _answer(self) -> None:
        if not self.answers:
            return
        audio = self.answers.pop(0)
        if audio is not None:
            self._say(audio)

    def _say(self, audio: speech.Audio, after: int | None = None) -> None:
        start = self.pos + (self.reaction if after is None else after)
        self._person = (start, audio)
        self.takes.append((start, start + len(audio)))
        self._reply_by = start + len(audio) + self.reply_within
        self._awaiting_reply = True

    @staticmethod
    def _part(audio: speech.Audio, start: int, a: int, b: int) -> npt.NDArray[np.float64]:
        out = np.zeros(b - a)
        lo, hi = max(a, start), min(b, start + len(audio))
        if lo < hi:
            out[lo - a:hi - a] = audio[lo - start:hi - start]
        return out


class FloorSpeaker:
    """The loop's Speaker on a Floor."""

    def __init__(self, floor: Floor) -> None:
        self.floor = floor

    @property
    def busy(self) -> bool:
        return self.floor.busy

    def handle(self, effect: Say | StopSpeaking) -> None:
        self.floor.speak(effect)

    def close(self) -> None:
        pass
