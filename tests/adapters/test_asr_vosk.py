"""The Vosk recognizer against a real model, when $VOICECOACH_VOSK_MODEL names one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.corpus import SOUND_ALIKES
from benchmarks.streaming import PHRASES, command_clips, report, sentence_clips, stream
from voicecoach.asr import VocabularyError
from voicecoach.testing import speech

MODEL = os.environ.get("VOICECOACH_VOSK_MODEL")
pytestmark = [
    pytest.mark.vosk,
    pytest.mark.skipif(not MODEL, reason="set $VOICECOACH_VOSK_MODEL to a Vosk model directory"),
]

needs_espeak = pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed")


def _recognizer(phrases: list[str] = PHRASES):  # type: ignore[no-untyped-def]
    from voicecoach.asr.vosk.recognizer import VoskRecognizer

    return VoskRecognizer(Path(str(MODEL)), phrases, 16000)


def test_unknown_word_is_a_vocabulary_error() -> None:
    with pytest.raises(VocabularyError, match=r"'florbix'.*'start florbix'"):
        _recognizer(["stop", "start florbix"])


@needs_espeak
@pytest.mark.audio
def test_recall_clean() -> None:
    outcomes = stream(_recognizer(), command_clips(None, ["en-us", "en-gb", "en+f3"], [160]))
    recall = sum(o.correct for o in outcomes) / len(outcomes)
    assert recall >= 0.9, f"recall {recall:.1%}\n{report(outcomes)}"


@needs_espeak
@pytest.mark.audio
def test_sound_alikes_yield_nothing() -> None:
    outcomes = stream(_recognizer(), sentence_clips(SOUND_ALIKES, ["en-us"]))
    false = 1 - sum(o.correct for o in outcomes) / len(outcomes)
    assert false <= 0.1, report(outcomes)
