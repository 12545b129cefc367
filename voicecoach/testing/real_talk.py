"""Real people's everyday talk (../shared/data/real-speech-negatives): where it is, and its held-out half."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

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
