"""Choosing and opening a recognizer, and decoding audio through it as the microphone path does."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from voicecoach.asr.base import Asr, ModelNotFoundError, Recognizer, Sensitivity
from voicecoach.core.events import Command
from voicecoach.core.grammar import Grammar

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Heard:
    """A committed command with the audio time it was committed at."""

    t: float
    command: Command
    text: str


def open_recognizer(asr: Asr | None, grammar: Grammar, model: str | None, env: Mapping[str, str],
                    rate: int = 16000, sensitivity: Sensitivity = "normal") -> Recognizer:
    """Vosk when a model is found (the default), else PocketSphinx with a warning unless Vosk was pinned; either
    compiled from the grammar's phrases, each with the command it means ("start cat" as "start cat stretch").

    `sensitivity` sets PocketSphinx's command weight; Vosk has no such knob, so it warns and goes on.
    """
    phrases, meaning = grammar.phrases(), grammar.table
    # ModelNotFoundError and VocabularyError are VoicecoachErrors: the CLI prints them as one line.
    if asr != "pocketsphinx":
        from voicecoach.asr.vosk.model import resolve_vosk_model
        from voicecoach.asr.vosk.recognizer import VoskRecognizer

        try:
            path = resolve_vosk_model(model, env)
        except ModelNotFoundError as error:
            if asr == "vosk":
                raise
            print(f"voicecoach: warning: {error}. Using PocketSphinx for now.", file=sys.stderr)
        else:
            if sensitivity != "normal":
                print(f"voicecoach: warning: sensitivity {sensitivity!r} applies to PocketSphinx only; "
                      "Vosk listens as at 'normal'.", file=sys.stderr)
            return VoskRecognizer(path, phrases, rate, meaning=meaning)
    from voicecoach.asr.pocketsphinx.recognizer import SENSITIVITY_WEIGHTS, PocketSphinxRecognizer, SphinxSettings

    settings = SphinxSettings(command_weight=SENSITIVITY_WEIGHTS[sensitivity])
    return PocketSphinxRecognizer(phrases, rate, settings=settings, meaning=meaning)


def decode(recognizer: Recognizer, chunks: Iterable[bytes], grammar: Grammar) -> list[Heard]:
    """Feed PCM chunks in order, then flush; every committed phrase becomes a command."""
    detections = []
    for chunk in chunks:
        detections += recognizer.accept(chunk)
    detections += recognizer.flush()
    heard = []
    for detection in detections:
        command = grammar.match(detection.text)
        if command is None:  # a recognizer is built from the grammar's phrases: this is a bug, say so
            log.warning("recognizer returned %r, which is not a command phrase", detection.text)
            continue
        heard.append(Heard(detection.t, command, detection.text))
    return heard
