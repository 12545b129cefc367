"""Tentative commits: a segment without a command decided again without decoys, confirmed by the command model."""

from __future__ import annotations

import pytest

from voicecoach.asr.base import Recognizer
from voicecoach.asr.commands_model import CommandModel
from voicecoach.asr.commands_model.recognizer import SecondOpinion
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer, SphinxSettings
from voicecoach.asr.pocketsphinx.settings import SENSITIVITY_WEIGHTS, TENTATIVE, listening_settings
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech

# A held-out voice's "stop" that the decision with decoys loses (nothing here is tuned on it).
VOICE = "en-us+Jacky"


def heard(rec: Recognizer, audio: speech.Audio) -> list[tuple[str, bool]]:
    out = [d for chunk in speech.chunks(audio, 1600) for d in rec.accept(chunk)] + rec.flush()
    return [(d.text, d.tentative) for d in out]


@pytest.fixture(scope="module")
def stop() -> speech.Audio:
    return speech.synthesize("stop", VOICE, 160)


def test_a_command_the_decoys_lost_is_offered_tentatively_and_only_then(grammar: Grammar,
                                                                        stop: speech.Audio) -> None:
    said = speech.pad(stop, 0.5, 0.8)
    phrases = grammar.phrases()
    assert heard(PocketSphinxRecognizer(phrases, meaning=grammar.table), said) == []
    offered = PocketSphinxRecognizer(phrases, settings=SphinxSettings(tentative=True), meaning=grammar.table)
    assert heard(offered, said) == [("stop", True)]


def test_nothing_is_offered_tentatively_in_a_segment_over_the_coachs_voice(grammar: Grammar,
                                                                          stop: speech.Audio) -> None:
    rec = PocketSphinxRecognizer(grammar.phrases(), settings=SphinxSettings(tentative=True), meaning=grammar.table)
    rec.restrict(frozenset({"stop"}))
    assert all(not tentative for _, tentative in heard(rec, speech.pad(stop, 0.5, 0.8)))


def test_the_command_model_confirms_a_tentative_command_it_is_sure_of_and_no_other(grammar: Grammar,
                                                                                   stop: speech.Audio) -> None:
    phrases, model = grammar.phrases(), CommandModel.load()

    def opinion(confirm: float) -> SecondOpinion:
        offered = PocketSphinxRecognizer(phrases, settings=SphinxSettings(tentative=True), meaning=grammar.table)
        return SecondOpinion(offered, phrases, grammar.table, model, confirm=confirm)

    after_quiet = speech.pad(stop, 3.0, 0.8)
    assert heard(opinion(0.9), after_quiet) == [("stop", False)]
    assert heard(opinion(1.01), after_quiet) == []  # more sure than it can be: nothing stands
    assert heard(opinion(0.0), speech.pad(stop, 0.5, 0.8)) == []  # the stream's first seconds: no opinion yet


def test_tentative_commits_only_under_a_second_opinion_and_not_at_low_sensitivity() -> None:
    assert not listening_settings(SENSITIVITY_WEIGHTS["normal"], second_opinion=False).tentative
    assert not listening_settings(SENSITIVITY_WEIGHTS["low"], second_opinion=True).tentative
    assert listening_settings(SENSITIVITY_WEIGHTS["high"], second_opinion=True).tentative == TENTATIVE
    assert listening_settings(SENSITIVITY_WEIGHTS["normal"], second_opinion=True, tentative=False).command_weight == 1.0
