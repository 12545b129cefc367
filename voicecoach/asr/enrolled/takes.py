"""A stretch of speech as embedding frames, cut the same way for an enrolled take and for a heard segment."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled.dtw import Frames, unit

RATE = 16000
CONTEXT = 0.4
"""Seconds of audio kept either side of the speech: the embedding sees 0.76 s at a time, and a short "stop"
alone would give it one or two frames to compare."""
MIN_SECONDS = 1.2
"""Shorter stretches are padded to this, evenly on both sides."""
FLOOR_DB = 30.0
"""A take's speech is its 30 ms frames within this many dB of its loudest one."""
_FRAME = RATE * 3 // 100
_DITHER_RMS = 8.0  # int16 units: far under any room's noise, so padding never reads as digital silence


def speech_span(pcm: npt.NDArray[np.int16], floor_db: float = FLOOR_DB) -> tuple[int, int] | None:
    """First and last sample of the frames within `floor_db` of the loudest; None if the audio is silent."""
    n = len(pcm) // _FRAME
    if n == 0:
        return None
    frames = pcm[: n * _FRAME].astype(np.float64).reshape(n, _FRAME)
    power = (frames**2).mean(axis=1)
    if power.max() <= 1.0:
        return None
    loud = np.flatnonzero(power >= power.max() * 10 ** (-floor_db / 10))
    return int(loud[0]) * _FRAME, (int(loud[-1]) + 1) * _FRAME


def around(pcm: npt.NDArray[np.int16], start: int, end: int) -> npt.NDArray[np.int16]:
    """pcm[start:end] with CONTEXT either side (the audio's own where it has it), padded to MIN_SECONDS, dithered."""
    margin = round(CONTEXT * RATE)
    # Exactly CONTEXT either side, silence where the audio has none: a take cut at its first word and a segment
    # with a pause before it must line up frame for frame.
    lead = pcm[max(0, start - margin): start].astype(np.float64)
    tail = pcm[end: end + margin].astype(np.float64)
    cut = np.concatenate([np.zeros(margin - len(lead)), lead, pcm[start:end], tail, np.zeros(margin - len(tail))])
    short = max(0, round(MIN_SECONDS * RATE) - len(cut))
    padded = np.concatenate([np.zeros(short // 2), cut, np.zeros(short - short // 2)])
    # Faint noise over all of it: the mel spectrogram of digital silence is far from any room's quiet, and a
    # file's silent padding would otherwise weigh more than the words.
    rng = np.random.default_rng(len(padded))  # deterministic: the same audio always gives the same frames
    padded += rng.normal(0.0, _DITHER_RMS, len(padded))
    out: npt.NDArray[np.int16] = np.clip(padded, -32768, 32767).astype(np.int16)
    return out


def take_frames(embedding: SpeechEmbedding, pcm: npt.NDArray[np.int16],
                span: tuple[int, int] | None = None) -> Frames | None:
    """A recorded take's frames: its speech (`span`, else found by level), with context; None if it holds no
    speech. Found by level only in quiet: in noise 10 dB under the speech every frame is within FLOOR_DB."""
    span = span or speech_span(pcm)
    if span is None:
        return None
    return unit(embedding.embed(around(pcm, *span)))


def with_noise(pcm: npt.NDArray[np.int16], noise: npt.NDArray[np.float64], snr_db: float) -> npt.NDArray[np.int16]:
    """`noise` (looped) under `pcm` at `snr_db` below the speech's level (its loud frames' RMS)."""
    span = speech_span(pcm)
    speech = pcm[span[0]:span[1]] if span else pcm
    level = float(np.sqrt((speech.astype(np.float64) ** 2).mean())) or 1.0
    bed = np.resize(noise, len(pcm))
    bed = bed * (level / (float(np.sqrt((bed**2).mean())) or 1.0) / 10 ** (snr_db / 20))
    return np.clip(pcm.astype(np.float64) + bed, -32768, 32767).astype(np.int16)
