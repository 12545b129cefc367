"""Test speech: espeak-ng utterances as 16 kHz mono int16 arrays, noise mixing and timelines, cached on disk."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voicecoach.audio.espeak import SpeechSynthesisError as SpeechSynthesisError
from voicecoach.audio.espeak import espeak
from voicecoach.audio.espeak import espeak_available as espeak_available
from voicecoach.audio.espeak import read_wav as read_wav

Audio = npt.NDArray[np.int16]
Floats = npt.NDArray[np.float32]

RATE = 16000
CACHE_ENV = "VOICECOACH_TEST_AUDIO_CACHE"
# Bump when the synthesis recipe changes, so stale cached clips are never reused.
_RECIPE = "v1"


def cache_dir() -> Path:
    """Where synthesized clips are kept: $VOICECOACH_TEST_AUDIO_CACHE, else .cache/ in the repository (git-ignored)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    repo_root = Path(__file__).resolve().parents[2]
    return repo_root / ".cache" / "voicecoach-test-audio"


def synthesize(text: str, voice: str = "en-us", wpm: int = 160, rate: int = RATE) -> Audio:
    """Speak `text` with espeak-ng `voice` at `wpm` words per minute; mono int16 at `rate` Hz, no padding."""
    return cached(f"{_RECIPE}|{voice}|{wpm}|{rate}|{text}", lambda: espeak(text, voice, wpm, rate))


def cached(key: str, render: Callable[[], Audio], prefix: str = "") -> Audio:
    """The clip cached under `key` (the recipe, voice, rate and text that make it), else `render()`'s, kept."""
    path = _cache_path(key, prefix, ".npy")
    if path.exists():
        found: Audio = np.load(path)
        return found
    audio = render()
    _keep(path, lambda tmp: np.save(tmp, audio))
    return audio


def cached_list(key: str, render: Callable[[], list[Floats]], prefix: str = "") -> list[Floats]:
    """The arrays cached under `key` (all that makes them), else `render()`'s, kept together in one file."""
    path = _cache_path(key, prefix, ".npz")
    if path.exists():
        with np.load(path) as found:
            return [found[f"arr_{i}"] for i in range(len(found.files))]
    arrays = render()
    _keep(path, lambda tmp: np.savez(tmp, *arrays))
    return arrays


def _cache_path(key: str, prefix: str, suffix: str) -> Path:
    return cache_dir() / f"{prefix}{hashlib.sha256(key.encode()).hexdigest()[:24]}{suffix}"


def _keep(path: Path, save: Callable[[Path], None]) -> None:
    """Written then renamed, so a concurrent or interrupted run never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp{path.suffix}")
    save(tmp)
    tmp.replace(path)


def to_int16(x: npt.NDArray[np.floating] | Audio) -> Audio:
    """Float samples in [-1, 1] (or int16 already) to int16, clipping what overflows."""
    if x.dtype == np.int16:
        return x.astype(np.int16, copy=True)
    return np.clip(np.round(np.asarray(x, dtype=np.float64) * 32767.0), -32768, 32767).astype(np.int16)


def silence(seconds: float, rate: int = RATE) -> Audio:
    """Digital silence."""
    return np.zeros(round(seconds * rate), dtype=np.int16)


def pad(audio: Audio, before: float = 0.5, after: float = 0.8, rate: int = RATE) -> Audio:
    """Surround a clip with silence, as a person pauses before and after a command."""
    return np.concatenate([silence(before, rate), audio, silence(after, rate)])


def active_rms(audio: Audio, rate: int = RATE, floor_db: float = 30.0) -> float:
    """RMS over the 20 ms frames within `floor_db` of the loudest one: the level of the speech, not its pauses."""
    x = audio.astype(np.float64)
    n = max(1, rate // 50)
    frames = x[: len(x) // n * n].reshape(-1, n) if len(x) >= n else x.reshape(1, -1)
    power = (frames**2).mean(axis=1)
    if power.max() <= 0.0:
        return 0.0
    keep = power >= power.max() * 10 ** (-floor_db / 10)
    return float(np.sqrt(power[keep].mean()))


def scale_to_rms(audio: Audio, rms: float, rate: int = RATE) -> Audio:
    """Scale a clip so its speech (see active_rms) has the given RMS in int16 units."""
    current = active_rms(audio, rate)
    if current == 0.0:
        return audio.copy()
    return to_int16(audio.astype(np.float64) * (rms / current) / 32767.0)


def white_noise(seconds_or_samples: float | int, rms: float, seed: int = 0, rate: int = RATE) -> Audio:
    """Gaussian white noise with the given RMS (int16 units); an int is a sample count, a float seconds."""
    n = seconds_or_samples if isinstance(seconds_or_samples, int) else round(seconds_or_samples * rate)
    rng = np.random.default_rng(seed)
    return to_int16(rng.normal(0.0, rms, n) / 32767.0)


def babble(seconds: float, sentences: Sequence[str], voices: Sequence[str], rms: float, seed: int = 0,
           rate: int = RATE) -> Audio:
    """Several voices talking at once (cocktail-party noise), `seconds` long, at the given RMS."""
    rng = np.random.default_rng(seed)
    n = round(seconds * rate)
    out = np.zeros(n, dtype=np.float64)
    for i, voice in enumerate(voices):
        pos = 0
        while pos < n:
            clip = synthesize(sentences[int(rng.integers(len(sentences)))], voice, 150 + 10 * i, rate)
            end = min(n, pos + len(clip))
            out[pos:end] += clip[: end - pos]
            pos = end + int(rng.integers(0, rate // 5))
    return scale_to_rms(to_int16(out / 32767.0 / max(1, len(voices)) ** 0.5), rms, rate)


def add_noise(audio: Audio, noise: Audio, snr_db: float, speech_rms: float | None = None,
              rate: int = RATE) -> Audio:
    """Mix `noise` (looped or cut to length) under `audio` so speech RMS / noise RMS is `snr_db`.

    The speech level is active_rms of `audio` unless given: pass the RMS of the unpadded clip so that
    silence padding does not change the SNR.
    """
    level = active_rms(audio, rate) if speech_rms is None else speech_rms
    reps = -(-len(audio) // max(1, len(noise)))
    bed = np.tile(noise.astype(np.float64), reps)[: len(audio)]
    bed_rms = float(np.sqrt((bed**2).mean())) or 1.0
    bed *= level / bed_rms / 10 ** (snr_db / 20)
    return to_int16((audio.astype(np.float64) + bed) / 32767.0)


def add_white_noise(audio: Audio, snr_db: float, seed: int = 0, speech_rms: float | None = None,
                    rate: int = RATE) -> Audio:
    """Mix white noise at `snr_db` under a clip (the SNR is measured on the speech, see add_noise)."""
    return add_noise(audio, white_noise(len(audio), 1000.0, seed, rate), snr_db, speech_rms, rate)


def room_response(seed: int = 1, delay: float = 0.023, rt60: float = 0.25, rate: int = RATE) -> npt.NDArray[np.float64]:
    """A loudspeaker-to-microphone echo path: `delay` of flight, a direct sound, then a diffuse tail as strong
    as it, decaying by 60 dB in `rt60` seconds (a small furnished room)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(1.2 * rt60 * rate)) / rate
    tail = rng.normal(0.0, 1.0, len(t)) * np.exp(-6.9 * t / rt60)
    tail /= np.sqrt((tail**2).sum())
    tail[0] = 1.0
    return np.concatenate((np.zeros(int(delay * rate)), tail))


def through_room(audio: Audio, response: npt.NDArray[np.float64], tail: bool = False) -> Audio:
    """`audio` as the microphone hears it from the loudspeaker, at the same active level and length (`tail`: and
    the room's reverberation after it)."""
    echo = np.convolve(audio.astype(np.float64), response)[: None if tail else len(audio)]
    rms = active_rms(to_int16(echo / 32767.0)) or 1.0
    return to_int16(echo * (active_rms(audio) / rms) / 32767.0)


def timeline(clips: Sequence[tuple[float, Audio]], seconds: float | None = None, rate: int = RATE) -> Audio:
    """Place each (start_seconds, clip) on one track, summing where they overlap."""
    ends = [round(t * rate) + len(c) for t, c in clips]
    n = round(seconds * rate) if seconds is not None else max(ends, default=0)
    out = np.zeros(n, dtype=np.float64)
    for t, clip in clips:
        start = round(t * rate)
        end = min(n, start + len(clip))
        if end > start:
            out[start:end] += clip[: end - start]
    return to_int16(out / 32767.0)


def concatenate(clips: Sequence[Audio], gap: float = 0.0, rate: int = RATE) -> Audio:
    """Clips one after another with `gap` seconds of silence between them."""
    parts: list[Audio] = []
    for i, clip in enumerate(clips):
        if i and gap > 0:
            parts.append(silence(gap, rate))
        parts.append(clip)
    return np.concatenate(parts) if parts else silence(0.0, rate)


def chunks(audio: Audio, size: int) -> list[bytes]:
    """Split a clip into byte chunks of `size` samples (the last may be shorter), as a microphone delivers them."""
    from voicecoach.audio.wavinput import blocks  # one splitter for files, tests and the microphone path

    return list(blocks(audio.astype("<i2").tobytes(), size))
