"""A command is heard whether the person speaks softly from across the room or loudly beside the microphone."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.audio.wavinput import chunks
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech

RATE = 16000
PHRASES = ("stop", "it hurts", "next", "start bridge", "help", "wait", "resume", "repeat")
VOICES = ("en-us", "en-us+m3", "en-gb", "en+f3")
NOISE_RMS = 10.0  # -70 dBFS: a quiet room, so the softest level still stands 30 dB over it

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed"),
]


def decode(grammar: Grammar, phrase: str, voice: str, dbfs: float) -> list[str]:
    said = speech.scale_to_rms(speech.synthesize(phrase, voice=voice, wpm=160), 32767.0 * 10 ** (dbfs / 20))
    clip = speech.pad(said, before=0.5, after=1.0).astype(np.float64)
    clip += np.random.default_rng(0).normal(0.0, NOISE_RMS, len(clip))
    recognizer = PocketSphinxRecognizer(grammar.phrases())
    heard = []
    for chunk in chunks(speech.to_int16(clip / 32767.0).astype("<i2").tobytes(), RATE):
        heard += recognizer.accept(chunk)
    heard += recognizer.flush()
    return [d.text for d in heard]


def score(grammar: Grammar, dbfs: float) -> tuple[int, list[str]]:
    right, misses = 0, []
    for phrase in PHRASES:
        for voice in VOICES:
            heard = decode(grammar, phrase, voice, dbfs)
            right += heard == [phrase]
            if heard != [phrase]:
                misses.append(f"{phrase} ({voice}) -> {heard}")
    return right, misses


@pytest.mark.parametrize("dbfs", [-40.0, -26.0, -12.0], ids=["soft", "normal", "loud"])
def test_commands_are_heard_at_any_speaking_level(grammar: Grammar, dbfs: float) -> None:
    """Measured (8 phrases x 4 voices): 26, 27 and 27 of 32 right. Without leveling the segment (decode_level 0),
    7, 27 and 25: benchmarks/TUNING.md measures it."""
    right, misses = score(grammar, dbfs)
    assert right >= 24, f"{right} of {len(PHRASES) * len(VOICES)} right at {dbfs:g} dBFS: {misses}"
