"""Speech segments from 30 ms frames: a voice detector gated by the frame's lift over a tracked noise floor."""

# Why not pocketsphinx.Endpointer alone: its WebRTC-style Vad calls any steady noise speech, so in a fan or
# white noise at 10 dB the whole stream became one 12 s segment and no command was ever decided; and it
# needs 0.27 s of speech to open a segment, longer than a quick "stop". Here a frame is speech only if the
# Vad says so *and* it is `margin_db` above the noise floor, and a segment opens on a shorter run of speech.

from __future__ import annotations

import bisect
import collections
import math
from dataclasses import dataclass

import numpy as np
import pocketsphinx


@dataclass(frozen=True)
class EndpointSettings:
    """How segments are cut; the defaults were measured with espeak-ng voices in white noise and babble."""

    vad_mode: int = 3
    """Aggressiveness of the voice activity detector, 0 (loose) to 3."""
    margin_db: float = 6.0
    """How far above the noise floor a frame must be to count as speech."""
    floor_window: float = 3.0
    """Seconds of recent frames the noise floor is taken from."""
    floor_percentile: float = 20.0
    """The floor is this percentile of the recent frames' levels: pauses between words pull it down."""
    floor_min: float = 35.0
    """dB (of the int16 frame's mean square): the floor is never taken lower than this (0: no limit), 5 dB under
    the recognizer's dither (RMS 100, 40 dB), where the decoder hears nothing anyway. Without a limit, on digital
    silence the floor falls to nothing, and the echo canceller's faint residual passes for speech, stretching the
    person's "stop" into a segment that is no command. Higher, the coach's pauses became segment ends and its own
    sentences were heard as commands (benchmarks/NOTES-pocketsphinx.md)."""
    start_window: float = 0.15
    """Seconds looked at to decide speech began..."""
    start_ratio: float = 0.75
    """...and the share of them that must be speech."""
    end_window: float = 0.45
    """Seconds looked at to decide speech ended (a comma in the coach's speech lasts up to about 0.35 s)..."""
    end_ratio: float = 0.9
    """...and the share of them that must be quiet."""


class EnergyEndpointer:
    """Feed frames of `frame_bytes` one at a time; `process` returns True while inside a segment."""

    def __init__(self, sample_rate: int = 16000, settings: EndpointSettings | None = None) -> None:
        self.settings = s = settings or EndpointSettings()
        self._vad = pocketsphinx.Vad(s.vad_mode, sample_rate)
        self.frame_length: float = self._vad.frame_length
        self.frame_bytes: int = self._vad.frame_bytes
        n = max(1, round(s.floor_window / self.frame_length))
        self._levels: collections.deque[float] = collections.deque(maxlen=n)
        self._sorted: list[float] = []  # the same levels, sorted: a percentile per frame without a sort
        self._start: collections.deque[bool] = collections.deque(maxlen=self._frames_in(s.start_window))
        self._end: collections.deque[bool] = collections.deque(maxlen=self._frames_in(s.end_window))
        self._frames = 0
        self.in_speech = False
        self.speech_start = 0.0
        """Seconds from the first frame to the first speech frame of the current (or last) segment."""
        self.last_speech = False
        """Whether the last frame was speech by itself (Vad and lift), whatever the segment state."""
        self.last_voice = False
        """Whether the voice detector alone called the last frame speech."""

    def reset(self) -> None:
        """A new stream: forget the floor and any segment, but keep counting time from the first frame."""
        self._levels.clear()
        self._sorted.clear()
        self._start.clear()
        self._end.clear()
        self.in_speech = False
        self.last_speech = self.last_voice = False

    def _frames_in(self, seconds: float) -> int:
        return max(1, round(seconds / self.frame_length))

    def _floor(self, percentile: float) -> float:
        """The percentile of the recent levels (linear interpolation, as numpy.percentile)."""
        values = self._sorted
        pos = percentile / 100.0 * (len(values) - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, len(values) - 1)
        return values[lo] + (values[hi] - values[lo]) * (pos - lo)

    def _remember(self, db: float) -> None:
        if len(self._levels) == self._levels.maxlen:
            del self._sorted[bisect.bisect_left(self._sorted, self._levels[0])]
        self._levels.append(db)
        bisect.insort(self._sorted, db)

    def noise(self) -> tuple[float, float] | None:
        """The recent noise floor (dB, as `floor_percentile`) and how much it wavers: the 35th percentile of the
        recent levels less the 5th. Steady noise (a fan, white noise) wavers by about 0.5 dB, babble by 5 or
        more, as its talkers pause and resume. None until a second of levels is in."""
        if len(self._levels) < self._frames_in(1.0):
            return None
        return self._floor(self.settings.floor_percentile), self._floor(35.0) - self._floor(5.0)

    def level(self, frame: bytes) -> float:
        x = np.frombuffer(frame, dtype="<i2").astype(np.float64)
        return float(10 * np.log10((x * x).mean() + 1.0))

    def process(self, frame: bytes) -> bool:
        """Take one frame; return whether the stream is in a speech segment after it."""
        s = self.settings
        self._frames += 1
        db = self.level(frame)
        # Until 0.3 s of levels are in, a percentile means little: compare with the quietest frame so far
        # (the first frame of a stream is never speech). Otherwise steady noise opened a segment at once.
        if len(self._levels) >= 10:
            floor = self._floor(s.floor_percentile)
        else:
            floor = self._sorted[0] if self._sorted else math.inf
        floor = max(floor, s.floor_min)
        self.last_voice = self._vad.is_speech(frame)
        speech = self.last_voice and db >= floor + s.margin_db
        self.last_speech = speech
        self._remember(db)
        self._start.append(speech)
        self._end.append(speech)
        if not self.in_speech:
            if len(self._start) == self._start.maxlen and sum(self._start) >= s.start_ratio * len(self._start):
                self.in_speech = True
                first = next(i for i, v in enumerate(self._start) if v)
                self.speech_start = (self._frames - len(self._start) + first) * self.frame_length
                self._end.clear()
                self._end.extend([True] * len(self._start))
        elif len(self._end) == self._end.maxlen and sum(not v for v in self._end) >= s.end_ratio * len(self._end):
            self.in_speech = False
        return self.in_speech
