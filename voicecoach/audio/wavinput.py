"""Audio files in any rate, channel count and 8- to 32-bit format, as 16 kHz mono 16-bit PCM chunks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from voicecoach.errors import VoicecoachError

CHUNK_S = 0.1  # the microphone's block size too: files decode through the same chunking


class AudioFileError(VoicecoachError):
    """An audio file that cannot be read."""


def read_pcm16(path: Path, rate: int) -> bytes:
    """The whole file as 16-bit mono PCM at `rate`: channels averaged, resampled with soxr."""
    import soundfile
    import soxr

    try:
        data, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, OSError) as error:
        raise AudioFileError(f"{path}: cannot read audio ({error}); give a WAV, FLAC or OGG file") from None
    if data.size == 0:
        raise AudioFileError(f"{path}: the file holds no audio")
    mono = data.mean(axis=1)
    if file_rate != rate:
        mono = soxr.resample(mono, file_rate, rate, quality="HQ")
    return to_pcm16(mono)


def to_pcm16(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as little-endian 16-bit PCM, clipped rather than wrapped."""
    pcm: bytes = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    return pcm


def chunks(pcm: bytes, rate: int, seconds: float = CHUNK_S) -> Iterator[bytes]:
    """Split PCM into blocks of `seconds`, as the microphone delivers them."""
    return blocks(pcm, int(rate * seconds))


def blocks(pcm: bytes, samples: int) -> Iterator[bytes]:
    """Split 16-bit PCM into blocks of `samples` samples; the last may be shorter."""
    size = samples * 2
    for start in range(0, len(pcm), size):
        yield pcm[start:start + size]
