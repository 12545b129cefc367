"""PocketSphinx and the command model as one recognizer: real speech through both real models."""

from __future__ import annotations

import pytest

from voicecoach.asr.base import Recognizer
from voicecoach.asr.commands_model import CommandModel
from voicecoach.asr.commands_model.combined import ALONE_FRAMES, ALONE_P, Combined, with_command_model
from voicecoach.asr.commands_model.recognizer import CommandModelRecognizer
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.hearing import HearingPath, hear_stream
from voicecoach.testing import speech
from voicecoach.testing.real_talk import negatives_dir

pytestmark = pytest.mark.audio


def heard(recognizer: Recognizer, grammar: Grammar, audio: speech.Audio, mode: str) -> list[str]:
    hearing = HearingPath(recognizer, grammar)
    hearing.coach_mode(mode)
    return [r.text for r in hear_stream(hearing, speech.chunks(audio, 1600))]


def sphinx(grammar: Grammar) -> PocketSphinxRecognizer:
    return PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)


def combined(grammar: Grammar) -> Recognizer:
    return with_command_model(sphinx(grammar), grammar.phrases(), grammar.table, CommandModel.load())


@pytest.mark.parametrize(("text", "voice", "wpm"), [("next", "en-us+Andy", 185), ("skip", "en-us+Mario", 140)])
def test_a_command_pocketsphinx_misses_is_heard_by_the_model_alone(grammar: Grammar, text: str, voice: str,
                                                                   wpm: int) -> None:
    """Said on its own in a voice PocketSphinx hears nothing in (so the model's own commit is what is tested)."""
    audio = speech.pad(speech.synthesize(text, voice, wpm), 1.5, 1.0)
    assert heard(sphinx(grammar), grammar, audio, "running") == []
    assert heard(combined(grammar), grammar, audio, "running") == [text]


@pytest.mark.parametrize("clip", ["05da5bb1-5c0e-4ef4-a5e8-74fd62dbd1ed", "52c27de2-32f5-4cdf-8f31-49570e35cad9",
                                  "6cb6a079-1420-4abe-8584-4501c8611ab2"])
def test_a_command_the_model_alone_hears_in_real_talk_is_not_committed(grammar: Grammar, clip: str) -> None:
    """Real people's talk (the tuning half), where the model alone is sure of a command: the words were not said
    on their own, so the combined recognizer commits nothing."""
    path = negatives_dir() / "clips" / f"{clip}.flac"
    if not path.is_file():
        pytest.skip(f"the real talk is not here ({negatives_dir()})")
    audio = speech.pad(speech.read_wav(path), 1.0, 1.0)
    model = CommandModel.load()
    alone = CommandModelRecognizer(grammar.phrases(), grammar.table, model, threshold=ALONE_P,
                                   consecutive=ALONE_FRAMES)
    assert heard(alone, grammar, audio, "idle") != []
    assert heard(combined(grammar), grammar, audio, "idle") == []


def test_the_model_alone_commits_nothing_while_the_coach_speaks(grammar: Grammar) -> None:
    """"stop" in a voice PocketSphinx misses, heard by the model alone; restricted to the barge-in phrases (the coach
    speaking), the model commits nothing: barge-in is PocketSphinx's."""
    audio = speech.pad(speech.synthesize("stop", "en-us+Annie", 140), 1.5, 1.0)
    assert [grammar.match(text) for text in heard(combined(grammar), grammar, audio, "running")] == [
        grammar.match("stop")]
    recognizer = combined(grammar)
    assert isinstance(recognizer, Combined)
    recognizer.restrict(grammar.barge_in_phrases())
    found = [d.text for chunk in speech.chunks(audio, 1600) for d in recognizer.accept(chunk)]
    assert found + [d.text for d in recognizer.flush()] == []
