"""A second synthesizer, flite (Debian): voices built from recorded speech, to check what was tuned on espeak-ng."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from voicecoach.testing import speech

# kal16: a US man (diphones); awb: a Scottish man; rms: a US man; slt: a US woman (the last three statistical
# voices trained on CMU ARCTIC recordings). flite's other voices are kal at 8 kHz and a talking clock.
VOICES = ("kal16", "awb", "rms", "slt")
STRETCHES = (1.25, 1.0, 0.8)
"""flite's duration_stretch: slower and faster speech, as espeak-ng's 130, 160 and 200 wpm."""
_RECIPE = "flite-v1"


class FliteError(RuntimeError):
    """flite is missing or failed; the message says what to do."""


def available() -> bool:
    """True when the flite program runs and has every voice of VOICES (an unknown voice silently becomes kal)."""
    if shutil.which("flite") is None:
        return False
    listed = subprocess.run(["flite", "-lv"], capture_output=True, text=True, check=False).stdout
    return set(VOICES) <= set(listed.replace(":", " ").split())


def synthesize(text: str, voice: str, stretch: float = 1.0) -> speech.Audio:
    """`text` spoken by flite `voice`, `stretch` times as long as its own pace; mono int16 at speech.RATE.

    Cached beside espeak-ng's clips (speech.cached).
    """
    return speech.cached(f"{_RECIPE}|{voice}|{stretch}|{speech.RATE}|{text}", lambda: _render(text, voice, stretch),
                         prefix="flite-")


def _render(text: str, voice: str, stretch: float) -> speech.Audio:
    if not available():
        raise FliteError("flite is missing, or lacks one of the voices " + ", ".join(VOICES)
                         + ": install the Debian package flite (sudo apt-get install flite)")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        proc = subprocess.run(["flite", "-voice", voice, "--setf", f"duration_stretch={stretch:g}", "-t", text,
                               "-o", str(wav)], capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not wav.exists():
            raise FliteError(f"flite failed for voice {voice!r}: {(proc.stderr or proc.stdout).strip()}")
        return speech.read_wav(wav)
