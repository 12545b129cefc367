"""PocketSphinx and the command model as one recognizer: real speech through both real models."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.asr.base import Recognizer
from voicecoach.asr.commands_model import CommandModel
from voicecoach.asr.commands_model.combined import (
    ALONE_FRAMES,
    ALONE_P,
    NEVER_ALONE,
    Combined,
    fired_alone,
    with_command_model,
)
from voicecoach.asr.commands_model.recognizer import CommandModelRecognizer
from voicecoach.asr.embedding import shared_embedding
from voicecoach.asr.enrolled import profile
from voicecoach.asr.enrolled.enrol import enrol_take
from voicecoach.asr.enrolled.recognizer import EnrolledRecognizer
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.hearing import HearingPath, hear_stream
from voicecoach.runtime.recognizers import open_recognizer
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


def test_a_model_holds_back_what_it_fired_on_alone_and_the_training_finds_it(grammar: Grammar) -> None:
    """"next" in a voice PocketSphinx hears nothing in: the model alone commits it, and fired_alone (how the training
    chooses a model's never_alone) finds it; a model that lists it commits it no more, and the same words inside a
    sentence are found by neither."""
    import dataclasses

    audio = speech.pad(speech.synthesize("next", "en-us+Andy", 185), 1.5, 1.0)
    model = CommandModel.load()
    assert fired_alone(model, grammar.phrases(), grammar.table, audio) == {"next"}
    talk = speech.pad(speech.synthesize("Turn left at the next corner and keep going straight.", "en-us+Andy", 185),
                      1.5, 1.0)
    assert fired_alone(model, grammar.phrases(), grammar.table, talk) == frozenset()
    held = dataclasses.replace(model, never_alone=frozenset({"next"}))
    assert heard(with_command_model(sphinx(grammar), grammar.phrases(), grammar.table, held), grammar, audio,
                 "running") == []


@pytest.mark.parametrize(("text", "voice", "wpm"), [("next", "en-us+Andy", 185), ("next", "en-us+Gene", 140)])
def test_a_command_pocketsphinx_misses_is_heard_by_the_model_alone(grammar: Grammar, text: str, voice: str,
                                                                   wpm: int) -> None:
    """Said on its own in a voice PocketSphinx hears nothing in (so the model's own commit is what is tested)."""
    audio = speech.pad(speech.synthesize(text, voice, wpm), 1.5, 1.0)
    assert heard(sphinx(grammar), grammar, audio, "running") == []
    assert heard(combined(grammar), grammar, audio, "running") == [text]


def test_the_model_alone_commits_only_after_alone_frames_sure_windows(grammar: Grammar) -> None:
    """The first test's "next", which only the model alone hears: asked to be sure in more windows in a row than a
    word lasts, the combined recognizer commits nothing (benchmarks/ALONE_FRAMES_TUNING.md measures 3 to 5)."""
    audio = speech.pad(speech.synthesize("next", "en-us+Andy", 185), 1.5, 1.0)
    strict = with_command_model(sphinx(grammar), grammar.phrases(), grammar.table, CommandModel.load(),
                                alone_frames=40)
    assert heard(strict, grammar, audio, "running") == []
    shipped = with_command_model(sphinx(grammar), grammar.phrases(), grammar.table, CommandModel.load(),
                                 alone_frames=ALONE_FRAMES)
    assert heard(shipped, grammar, audio, "running") == ["next"]


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


def test_the_model_alone_never_commits_a_command_it_fired_on_in_real_talk(grammar: Grammar) -> None:
    """"skip" said on its own in a voice PocketSphinx misses: the model alone hears it, but skip is one of the
    commands it committed in real people's short sentences, so only PocketSphinx may commit it."""
    audio = speech.pad(speech.synthesize("skip", "en-us+Mario", 140), 1.5, 1.0)
    model = CommandModel.load()
    alone = CommandModelRecognizer(grammar.phrases(), grammar.table, model, threshold=ALONE_P,
                                   consecutive=ALONE_FRAMES)
    assert heard(alone, grammar, audio, "running") == ["skip"]
    assert "skip" in NEVER_ALONE
    assert heard(combined(grammar), grammar, audio, "running") == []


@pytest.mark.parametrize("text", ["start bridge", "next", "stop"])
def test_after_a_long_silence_the_whole_command_is_committed_not_its_first_syllable(grammar: Grammar,
                                                                                    text: str) -> None:
    """The model alone can be sure of "skip" or "please stop" from the first syllable of "start bridge" after a
    long silence (test_embedding_stream.py); the combined recognizer commits the command said, once."""
    audio = speech.pad(speech.synthesize(text, "en-us", 150), 2.5, 1.5)
    assert [grammar.match(t) for t in heard(combined(grammar), grammar, audio, "idle")] == [grammar.match(text)]


def test_under_a_voice_profile_the_model_alone_commits_nothing(grammar: Grammar, tmp_path: Path) -> None:
    """With a profile, the person's takes hear the words said on their own, not the model alone: "next" in the voice
    of the first test (which the model alone commits without a profile) is heard by nobody when the profile holds
    other commands only (benchmarks/ENROLMENT.md: the model's own commits cost the profile recall and let talk in)."""
    embedding = shared_embedding()
    takes = [enrol_take(embedding, phrase, f"{phrase}-{i}", speech.synthesize(phrase, "en-us+m3", wpm))
             for phrase in ("stop", "pause") for i, wpm in enumerate((160, 175), 1)]
    profile.save(tmp_path / "voice", takes)
    audio = speech.pad(speech.synthesize("next", "en-us+Andy", 185), 1.5, 1.0)
    enrolled = open_recognizer("pocketsphinx", grammar, None, {}, profile=tmp_path / "voice")
    assert isinstance(enrolled, EnrolledRecognizer)
    assert heard(enrolled, grammar, audio, "running") == []
    assert heard(open_recognizer("pocketsphinx", grammar, None, {}, profile=tmp_path / "none"), grammar, audio,
                 "running") == ["next"]


def test_a_kitchens_clatter_is_no_pain(grammar: Grammar) -> None:
    """The kitchen recording with nobody speaking, 10 dB under a voice: "ow" and "pain", phrases of it hurts
    until then, were heard in its clatter (benchmarks/NOISE_ALONE.md) and ended the session; now nothing is."""
    path = negatives_dir() / "noise" / "kitchen.flac"
    if not path.is_file():
        pytest.skip(f"the kitchen noise is not here ({negatives_dir()})")
    minute = speech.scale_to_rms(speech.read_wav(path)[: 60 * speech.RATE], 1000.0)
    clatter = minute[20 * speech.RATE: 40 * speech.RATE]
    before = [*grammar.phrases(), "ow", "pain"]
    meaning = {**grammar.table, "ow": grammar.table["it hurts"], "pain": grammar.table["it hurts"]}
    as_before = with_command_model(PocketSphinxRecognizer(before, meaning=meaning), before, meaning,
                                   CommandModel.load())
    as_before.listen_for(frozenset([*grammar.phrases_heard("running"), "ow", "pain"]))  # what the coach asked for
    found = [d.text for chunk in speech.chunks(clatter, 1600) for d in as_before.accept(chunk)]
    assert [*found, *(d.text for d in as_before.flush())] == ["ow"]
    assert heard(combined(grammar), grammar, clatter, "running") == []
