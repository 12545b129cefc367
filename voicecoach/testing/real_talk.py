"""Real people's everyday talk (../shared/data/real-speech-negatives): where it is, and its held-out half."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

NEGATIVES = Path(__file__).resolve().parents[3] / "shared" / "data" / "real-speech-negatives"


def negatives_dir() -> Path:
    """The real-speech negatives: ../shared/data/real-speech-negatives beside the checkout, or
    $VOICECOACH_REAL_NEGATIVES."""
    return Path(os.environ.get("VOICECOACH_REAL_NEGATIVES", NEGATIVES))


def held_out(name: str) -> bool:
    """Whether a real-speech clip is in the held-out half (a hash of its name: stable, and blind to its content)."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % 2 == 1


def calibration(name: str) -> bool:
    """Whether a clip of the tuning half is kept for choosing thresholds rather than for training (a third)."""
    return int(hashlib.sha256(name.encode()).hexdigest()[8:16], 16) % 3 == 0


APART_S = 1.5
"""The quiet before a clip said apart (said_apart)."""


def said_apart(clips: Sequence[npt.NDArray[np.int16]]) -> npt.NDArray[np.int16]:
    """The clips one after another, each after APART_S of its own noise floor (white noise at its quietest tenth):
    every utterance said on its own, as a command is."""
    out = []
    for n, audio in enumerate(clips):
        out.append(quiet_before(audio, n))
        out.append(audio)
    return np.concatenate(out) if out else np.zeros(0, np.int16)


def quiet_before(audio: npt.NDArray[np.int16], seed: int) -> npt.NDArray[np.int16]:
    """APART_S of a clip's own noise floor: white noise at the RMS of its quietest tenth of 10 ms frames."""
    from voicecoach.testing import speech

    x = audio.astype(np.float64)
    frames = len(x) // 160
    energy = (x[: frames * 160].reshape(frames, 160) ** 2).mean(axis=1) if frames else np.zeros(1)
    return speech.white_noise(APART_S, max(3.0, float(np.sqrt(np.percentile(energy, 10)))), seed=seed)
