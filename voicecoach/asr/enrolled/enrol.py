"""A recorded take to an enrolled Take: its frames, and its frames under noise for calibrating the threshold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled.matcher import Take
from voicecoach.asr.enrolled.takes import RATE, speech_span, take_frames, with_noise
from voicecoach.errors import VoicecoachError

CALIBRATION_SNR_DB = 10.0
"""White noise this far under the take's speech: a take said on the floor, in a room, is about as far from the
person's quiet takes. (Babble of the person's own takes at 10 dB stood as far from them as their everyday
sentences did: no threshold could then keep those out.)"""
MAX_SECONDS = 4.0
QUIET_RMS = 100.0
"""int16 units: speech quieter than this (-50 dBFS) is too far from the microphone to learn from."""


class TakeError(VoicecoachError):
    """A take that cannot be learned from: the message says why, in plain words."""


NoiseKind = str  # "white", "pink", "brown" or "shaped"
AUGMENT: tuple[tuple[NoiseKind, float], ...] = (("white", 10.0), ("white", 5.0))
"""The noisy variants stored with each take to be matched as it is: (noise, dB under the speech)."""


def _white(seed: int) -> npt.NDArray[np.float64]:
    return np.random.default_rng(seed).normal(0.0, 1000.0, 3 * RATE)


def noise(kind: NoiseKind, seed: int, like: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
    """3 s of white noise, of noise whose power falls with frequency as 1/f (pink) or 1/f² (brown), or of noise
    with the spectrum of `like` (shaped: the take's own voice, its words made unrecognizable)."""
    white = _white(seed)
    if kind == "white":
        return white
    spectrum = np.fft.rfft(white)
    f = np.arange(len(spectrum), dtype=np.float64)
    if kind == "shaped":
        voice = np.abs(np.fft.rfft(like.astype(np.float64), 2 * (len(spectrum) - 1)))
        spectrum *= voice / (float(np.sqrt((voice**2).mean())) or 1.0)
    else:
        spectrum[1:] /= f[1:] ** {"pink": 0.5, "brown": 1.0}[kind]
    spectrum[0] = 0.0
    out: npt.NDArray[np.float64] = np.fft.irfft(spectrum, len(white))
    return out


def enrol_take(embedding: SpeechEmbedding, phrase: str, name: str, pcm: npt.NDArray[np.int16],
               augment: Sequence[tuple[NoiseKind, float]] = AUGMENT) -> Take:
    """The take `name` of `phrase`, from 16 kHz mono audio; TakeError if it is empty, too quiet, clipped or long."""
    if len(pcm) > MAX_SECONDS * RATE:
        raise TakeError(f"it lasts {len(pcm) / RATE:.1f} s; a take is one command, under {MAX_SECONDS:g} s")
    level = float(np.sqrt((pcm.astype(np.float64) ** 2).mean())) if len(pcm) else 0.0
    if level < QUIET_RMS / 4:
        raise TakeError("it holds no speech, or speech too quiet to hear; say it closer to the microphone")
    if np.count_nonzero(np.abs(pcm.astype(np.int32)) >= 32767) > 0.001 * len(pcm):
        raise TakeError("it is clipped (too loud); say it a little further from the microphone")
    span = speech_span(pcm)
    frames = take_frames(embedding, pcm, span)
    if span is None or frames is None or len(frames) == 0:
        raise TakeError("it holds no speech")
    seed = sum(name.encode())
    noisy = take_frames(embedding, with_noise(pcm, _white(seed), CALIBRATION_SNR_DB), span)
    variants = [take_frames(embedding, with_noise(pcm, noise(kind, seed + 1 + i, pcm), snr), span)
                for i, (kind, snr) in enumerate(augment)]
    return Take(phrase, name, frames, () if noisy is None else (noisy,),
                tuple(v for v in variants if v is not None and len(v)))
