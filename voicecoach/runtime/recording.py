"""A microphone that also writes what it hears to a WAV file (`voicecoach run --record`, for debugging)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import soundfile

from voicecoach.audio.mic import TARGET_RATE
from voicecoach.runtime.live import Microphone


class RecordingMicrophone:
    """`microphone`, with every block it delivers also written to a new WAV in `directory`."""

    def __init__(self, microphone: Microphone, directory: Path) -> None:
        self.microphone = microphone
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / time.strftime("mic-%Y%m%d-%H%M%S.wav")
        self._wav = soundfile.SoundFile(str(self.path), "w", samplerate=TARGET_RATE, channels=1, subtype="PCM_16")
        print(f"voicecoach: recording the microphone to {self.path}", file=sys.stderr)

    def read(self, timeout: float) -> bytes:
        pcm = self.microphone.read(timeout)
        if pcm:
            self._wav.buffer_write(pcm, dtype="int16")
            self._wav.flush()  # a power cut keeps what was heard until then
        return pcm

    def reopen(self) -> object:
        return self.microphone.reopen()

    def sample_at(self, t: float) -> int | None:
        return self.microphone.sample_at(t)
