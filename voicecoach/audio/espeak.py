"""A person's voice from the espeak-ng program, for `voicecoach demo` and test speech: 16-bit mono at any rate."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile
import soxr

from voicecoach.errors import VoicecoachError

Audio = npt.NDArray[np.int16]


class SpeechSynthesisError(VoicecoachError):
    """espeak-ng is missing or failed to render a clip; the message says what to install or which voice failed."""


def espeak_available() -> bool:
    """True when the espeak-ng program can be run."""
    return shutil.which("espeak-ng") is not None


def espeak(text: str, voice: str = "en-us", wpm: int = 160, rate: int = 16000) -> Audio:
    """`text` spoken by espeak-ng `voice` at `wpm` words per minute: mono int16 at `rate` Hz, no padding."""
    if not espeak_available():
        raise SpeechSynthesisError("espeak-ng is not installed: install the Debian package espeak-ng "
                                   "(sudo apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        proc = subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(wav), text],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not wav.exists():
            raise SpeechSynthesisError(f"espeak-ng failed for voice {voice!r}: {proc.stderr.strip()}")
        return read_wav(wav, rate)


def read_wav(path: Path, rate: int = 16000) -> Audio:
    """A synthesizer's WAV file as mono int16 at `rate` Hz."""
    data, src_rate = soundfile.read(path, dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    if src_rate != rate:
        mono = soxr.resample(mono, src_rate, rate)
    return np.clip(np.round(np.asarray(mono, dtype=np.float64) * 32767.0), -32768, 32767).astype(np.int16)
