"""Outputs without a sound card: printing the text, or consuming audio at real-time rate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voicecoach.audio.clip import Audio, Clip, Samples

Clock = Callable[[], float]

# A pause a listener would hear after the words of an utterance that is only printed.
_PRINT_TAIL_S = 0.3


def estimate_duration(clip: Clip) -> float:
    """How long the clip lasts: its audio if rendered, else its words at its rate."""
    if clip.audio is not None:
        return clip.audio.duration
    words = max(1, len(clip.text.split()))
    return words * 60.0 / max(1, clip.rate) + _PRINT_TAIL_S


def wait_until(deadline: float, cut: threading.Event, clock: Clock) -> bool:
    """Wait until `deadline` on `clock`; True if `cut` was set first."""
    while True:
        remaining = deadline - clock()
        if remaining <= 0:
            return cut.is_set()
        if cut.wait(remaining):
            return True


class PrintSink:
    """Prints "coach: TEXT" and takes as long as the words would take to say."""

    def __init__(self, print_fn: Callable[[str], None] = print, clock: Clock = time.monotonic) -> None:
        self._print = print_fn
        self._clock = clock

    def play(self, clip: Clip, cut: threading.Event, on_start: Callable[[float], None]) -> float:
        start = self._clock()
        on_start(start)
        self._print(f"coach: {clip.text}")
        wait_until(start + estimate_duration(clip), cut, self._clock)
        return self._clock()

    def close(self) -> None:
        pass


@dataclass(frozen=True, eq=False)
class Played:
    """What the RealRateSink played: the utterance, when, and whether it was cut."""

    utterance_id: int
    text: str
    start: float
    end: float
    cut: bool
    audio: Audio | None

    def heard(self) -> Samples:
        """The samples that were actually played (up to the cut)."""
        if self.audio is None:
            return np.zeros(0, dtype=np.float32)
        n = round((self.end - self.start) * self.audio.sample_rate)
        return self.audio.samples[: max(0, n)]


class RealRateSink:
    """Consumes audio at real-time rate without a sound card and records what it played, with start times."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._played: list[Played] = []
        self._lock = threading.Lock()

    @property
    def played(self) -> list[Played]:
        """Everything played so far, in order."""
        with self._lock:
            return list(self._played)

    def play(self, clip: Clip, cut: threading.Event, on_start: Callable[[float], None]) -> float:
        start = self._clock()
        on_start(start)
        was_cut = wait_until(start + estimate_duration(clip), cut, self._clock)
        end = self._clock()
        with self._lock:
            self._played.append(Played(clip.utterance_id, clip.text, start, end, was_cut, clip.audio))
        return end

    def mix(self, origin: float, sample_rate: int, length: int | None = None) -> Samples:
        """Everything played, placed on one track whose sample 0 is time `origin` on the clock."""
        import soxr

        pieces: list[tuple[int, Samples]] = []
        for p in self.played:
            heard = p.heard()
            if p.audio is not None and p.audio.sample_rate != sample_rate and len(heard):
                heard = soxr.resample(heard, p.audio.sample_rate, sample_rate).astype(np.float32)
            pieces.append((round((p.start - origin) * sample_rate), heard))
        end = max((max(0, at) + len(s) for at, s in pieces), default=0)
        track = np.zeros(end if length is None else length, dtype=np.float32)
        for at, samples in pieces:
            if at < 0:
                samples, at = samples[-at:], 0
            n = max(0, min(len(samples), len(track) - at))
            track[at : at + n] += samples[:n]
        return track

    def close(self) -> None:
        pass
