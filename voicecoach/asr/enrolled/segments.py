"""Speech segments of a stream, cut by the energy endpointer, each with the stream's own audio around it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicecoach.asr.enrolled.takes import CONTEXT, RATE
from voicecoach.asr.pocketsphinx.endpoint import EnergyEndpointer


@dataclass(frozen=True)
class Segment:
    """One stretch of speech: its first and end sample in the stream, and the stream's audio from up to CONTEXT
    before it to up to CONTEXT after it (`lead` samples of it come before the speech)."""

    start: int
    end: int
    audio: npt.NDArray[np.int16]
    lead: int

    @property
    def span(self) -> tuple[int, int]:
        """Where the speech lies in `audio`."""
        return self.lead, self.lead + self.end - self.start


class Segmenter:
    """Feed 16 kHz 16-bit mono PCM; get each speech segment once it has ended. A segment still open after
    twice `keep` seconds is talk, given up and never returned."""

    def __init__(self, keep: float) -> None:
        self.keep = keep
        self._ep = EnergyEndpointer(RATE)
        self._frame_bytes = self._ep.frame_bytes
        self._rest = b""
        self._audio = np.zeros(0, np.int16)  # the recent audio, from sample `_first` on
        self._first = 0
        self.samples = 0
        """Samples taken into frames so far: the stream's time, in samples."""
        self._start: int | None = None  # the segment in progress: its first speech sample
        self._last_speech = 0  # the end of the last speech frame
        self._last_voice = 0

    def feed(self, pcm: bytes) -> list[Segment]:
        """The segments that ended in `pcm`."""
        data = self._rest + pcm
        usable = len(data) // self._frame_bytes * self._frame_bytes
        self._rest = data[usable:]
        if usable:
            self._remember(np.frombuffer(data[:usable], "<i2"))
        out = []
        for at in range(0, usable, self._frame_bytes):
            segment = self._frame(data[at:at + self._frame_bytes])
            if segment is not None:
                out.append(segment)
        return out

    @property
    def open_since(self) -> int | None:
        """The first speech sample of the segment in progress, if one is."""
        return self._start

    @property
    def last_voice(self) -> int:
        """The end of the last frame the voice detector alone called speech, in samples of the stream (quiet
        consonants between words fall under the level the endpointer asks of speech, but not under this)."""
        return self._last_voice

    def flush(self) -> list[Segment]:
        """The end of the stream: the segment in progress, if any, ends here."""
        out = [self._ended()] if self._start is not None else []
        self._ep.reset()
        return out

    def _remember(self, samples: npt.NDArray[np.int16]) -> None:
        self._audio = np.concatenate([self._audio, samples])
        excess = len(self._audio) - round(self.keep * RATE)
        if excess > 0 and self._start is not None and excess > self.keep * RATE:
            self._start = None  # a segment twice as long as what is kept is talk: given up
        if excess > 0 and self._start is None:
            self._audio = self._audio[excess:]
            self._first += excess

    def _frame(self, frame: bytes) -> Segment | None:
        was = self._ep.in_speech
        now = self._ep.process(frame)
        self.samples += len(frame) // 2
        if self._ep.last_speech:
            self._last_speech = self.samples
        if self._ep.last_voice:
            self._last_voice = self.samples
        if now and not was:
            self._start = round(self._ep.speech_start * RATE)
        elif was and not now and self._start is not None:
            return self._ended()
        return None

    def _ended(self) -> Segment:
        start, end = self._start or 0, max(self._last_speech, (self._start or 0) + 1)
        self._start = None
        lo = max(self._first, start - round(CONTEXT * RATE))
        audio = self._audio[lo - self._first: end + round(CONTEXT * RATE) - self._first]
        return Segment(start, end, audio, start - lo)
