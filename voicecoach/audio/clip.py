"""Rendered audio and the utterance it belongs to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicecoach.core.events import UtteranceKind

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono float32 samples in [-1, 1] at `sample_rate` Hz."""

    samples: Samples
    sample_rate: int

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.sample_rate

    def to_int16(self) -> npt.NDArray[np.int16]:
        """The samples as 16-bit PCM."""
        return (np.clip(self.samples, -1.0, 1.0) * 32767.0).astype(np.int16)


@dataclass(frozen=True, eq=False)
class Clip:
    """One utterance ready to play; `audio` is None where nothing is rendered (the print fallback)."""

    utterance_id: int
    text: str
    rate: int
    kind: UtteranceKind
    audio: Audio | None
