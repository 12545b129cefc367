"""The recent audio of a live stream, dithered as the command model was trained: what it embeds."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from voicecoach.asr.embedding.features import STRIDE

HOP = STRIDE * 160
"""Samples between two embedding frames (80 ms)."""
DITHER_RMS = 10.0
"""A faint noise floor (-70 dBFS, within the training ones): a microphone never gives digital silence."""


def dither(audio: npt.NDArray[np.int16], seed: int = 0) -> npt.NDArray[np.int16]:
    """`audio` over a faint noise floor (DITHER_RMS), the same for the same audio and seed."""
    x = audio.astype(np.float64) + np.random.default_rng(seed).normal(0.0, DITHER_RMS, len(audio))
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


class AudioRing:
    """The last `seconds` of a stream, addressed by the absolute sample index; dithered as it comes if `dither`."""

    def __init__(self, seconds: float, rate: int = 16000, dither: bool = True) -> None:
        self._keep = round(seconds * rate)
        self._buf = np.zeros(0, np.int16)
        self._dither = dither
        self.end = 0
        """Samples received since the stream started."""

    def add(self, pcm: bytes) -> None:
        x = np.frombuffer(pcm, dtype="<i2").astype(np.int16)
        if self._dither:
            x = dither(x, self.end)
        self._buf = np.concatenate([self._buf, x])[-self._keep :]
        self.end += len(x)

    def span(self, start: int, end: int) -> npt.NDArray[np.int16]:
        """Samples [start, end) of the stream; those older than the ring holds are left out."""
        first = self.end - len(self._buf)
        return self._buf[max(0, start - first) : max(0, end - first)]
