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


NoiseKind = str  # "white", "pink", "brown", "shaped", or "room" (white, after a room's echo)
AUGMENT: tuple[tuple[NoiseKind, float], ...] = (("white", 10.0), ("white", 5.0), ("room", 10.0))
"""The noisy variants stored with each take to be matched as it is: (noise, dB under the speech). The third, the
take across a room (in_a_room), chosen on espeak-ng's training voices m3, f2, m1, m5, f4, m7
(benchmarks/PROFILE_ROOM_VARIANTS.md): 6 more of 228 commands from the floor of simulated rooms, 7 more with a
kitchen's noise running too, none fewer elsewhere and no false command more; with a fourth at 5 dB, one fewer at
10 and 5 dB and a clatter heard as a command."""
STOCK_AUGMENT: tuple[tuple[NoiseKind, float], ...] = (("white", 10.0), ("white", 5.0))
"""The stock takes' variants, as benchmarks/COMMAND_MODEL.md measured them."""


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


ROOM_RT60 = 0.5
"""Seconds: a living room's reverberation time (0.3 to 0.6 s in the benchmarks' simulated rooms)."""
ROOM_DRR_DB = -3.0
"""The direct sound this many dB over the echo: a mouth 1 to 3 m from the microphone in such a room."""


def in_a_room(pcm: npt.NDArray[np.int16], seed: int) -> npt.NDArray[np.int16]:
    """`pcm` as a microphone across a room would hear it: the direct sound and an echo of exponentially decaying
    noise (ROOM_RT60, ROOM_DRR_DB), at the take's own level."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(ROOM_RT60 * RATE)) / RATE
    tail = rng.normal(0.0, 1.0, len(t)) * np.exp(-6.9 * t / ROOM_RT60)  # 60 dB down at ROOM_RT60
    tail *= np.sqrt(10 ** (-ROOM_DRR_DB / 10) / float((tail**2).sum()))
    response = np.concatenate([[1.0], tail])
    n = 1 << (len(pcm) + len(response) - 2).bit_length()  # by FFT: an 8000-tap echo is slow to convolve directly
    wet = np.fft.irfft(np.fft.rfft(pcm.astype(np.float64), n) * np.fft.rfft(response, n), n)[: len(pcm)]
    wet *= float(np.sqrt((pcm.astype(np.float64) ** 2).mean())) / (float(np.sqrt((wet**2).mean())) or 1.0)
    out: npt.NDArray[np.int16] = np.clip(wet, -32768, 32767).astype(np.int16)
    return out


def _variant(pcm: npt.NDArray[np.int16], kind: NoiseKind, seed: int, snr: float) -> npt.NDArray[np.int16]:
    if kind == "room":
        return with_noise(in_a_room(pcm, seed), _white(seed), snr)
    return with_noise(pcm, noise(kind, seed, pcm), snr)


def enrol_take(embedding: SpeechEmbedding, phrase: str, name: str, pcm: npt.NDArray[np.int16],
               augment: Sequence[tuple[NoiseKind, float]] = AUGMENT, command: bool = True) -> Take:
    """The take `name` of `phrase`, from 16 kHz mono audio (`command` False: a word that is no command,
    Take.command); TakeError if it is empty, too quiet, clipped or long."""
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
    variants = [take_frames(embedding, _variant(pcm, kind, seed + 1 + i, snr), span)
                for i, (kind, snr) in enumerate(augment)]
    return Take(phrase, name, frames, () if noisy is None else (noisy,),
                tuple(v for v in variants if v is not None and len(v)), command)
