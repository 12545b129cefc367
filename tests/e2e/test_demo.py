"""`voicecoach demo`: a whole spoken session through the real recognizer, written to a WAV and a transcript."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from voicecoach.testing import speech

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed"),
]


def test_demo_writes_a_session_a_person_can_listen_to(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "voicecoach", "demo", "--asr", "pocketsphinx", "--out", str(out)],
                            capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    transcript = (out / "transcript.txt").read_text()
    # Every command of the scenario was heard by the real recognizer, and the coach reacted to each.
    for heard in ("start lower back rotational stretch", "pause", "resume", "how long", "stop"):
        assert f"(heard: {heard})" in transcript
    for said in ("coach: Before we begin", "coach: Holding here.", "coach: Carrying on.", "left.",
                 "coach: We will end here."):
        assert said in transcript
    audio, rate = soundfile.read(str(out / "session.wav"), dtype="float32")
    assert rate == 16000 and audio.ndim == 1 and 60 < len(audio) / rate < 600
    # Both voices are really there: the person's and the coach's, not silence.
    seconds = np.abs(audio[: len(audio) // rate * rate]).reshape(-1, rate).max(axis=1)
    assert (seconds > 0.05).mean() > 0.5
