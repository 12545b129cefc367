"""The general recognizer's savings (combined.Savings) on real synthesized speech through PocketSphinx and the
command model: the veto read from the streamed windows agrees with embedding the audio again, and the model alone
scores fewer windows while committing what it committed with nothing saved."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.asr.commands_model import CommandModel
from voicecoach.asr.commands_model.combined import NONE_SAVED, Combined, Savings, with_command_model
from voicecoach.asr.commands_model.recognizer import (
    LOOK_BACK,
    STREAMED_MARGIN,
    CommandModelRecognizer,
    SecondOpinion,
)
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech
from voicecoach.testing.real_talk import negatives_dir

pytestmark = pytest.mark.audio
CHUNK = 1600


@pytest.fixture(scope="module")
def model() -> CommandModel:
    return CommandModel.load()


class BothWays(SecondOpinion):
    """The veto on the streamed windows, noting for each commit judged the probability embedding the audio again
    gives beside it."""

    def __init__(self, grammar: Grammar, model: CommandModel, stream: CommandModelRecognizer) -> None:
        super().__init__(PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table), grammar.phrases(),
                         grammar.table, model, stream=stream)
        self.stream = stream
        self.pairs: list[tuple[Detection, float, float]] = []

    def agrees(self, detection: Detection) -> bool:
        assert self.stream.agreement(detection.t, "stop") is not None  # the stream holds the windows before it
        self.pairs.append((detection, self.probability(detection), self.probability(detection, streamed=False)))
        return super().agrees(detection)


def test_the_veto_on_the_streamed_windows_agrees_with_embedding_the_audio_again(grammar: Grammar,
                                                                                model: CommandModel) -> None:
    """Commands in several voices and a real person's talk: at every PocketSphinx commit the model's probability of
    the command, from the windows the model alone streamed and from embedding the 2.7 s before the commit again,
    gives the same verdict, and is far enough from the veto for the streamed windows to decide alone for most."""
    said = [speech.synthesize(text, voice, 150) for text, voice in
            (("stop", "en-us+m3"), ("start bridge", "en-gb+f2"), ("next", "en-us"), ("it hurts", "en-us+m1"),
             ("wait", "en-gb"), ("how long", "en-us+f2"), ("skip", "en-us+m4"), ("stop it", "en-gb+m3"))]
    talk = negatives_dir() / "clips" / "05da5bb1-5c0e-4ef4-a5e8-74fd62dbd1ed.flac"
    if talk.is_file():
        said.insert(3, speech.read_wav(talk))
    audio = speech.concatenate([speech.pad(s, 1.2, 1.2) for s in said])
    stream = CommandModelRecognizer(grammar.phrases(), grammar.table, model)
    judged = BothWays(grammar, model, stream)
    for chunk in speech.chunks(audio, CHUNK):
        stream.accept(chunk)  # first, as Combined feeds them
        judged.accept(chunk)
    judged.flush()
    assert len(judged.pairs) >= 6, judged.pairs
    for detection, streamed, embedded in judged.pairs:
        assert (streamed >= model.veto) == (embedded >= model.veto), (detection, streamed, embedded)
        if embedded > 0.5:
            assert streamed > 0.1, (detection, streamed, embedded)
    assert sum(embedded > 0.5 for _, _, embedded in judged.pairs) >= 4  # the model heard most of the commands
    far = [not model.veto / STREAMED_MARGIN <= streamed <= model.veto * STREAMED_MARGIN
           for _, streamed, _ in judged.pairs]
    assert sum(far) > len(far) / 2, judged.pairs


def general(grammar: Grammar, model: CommandModel, savings: Savings) -> Combined:
    recognizer = with_command_model(PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table),
                                    grammar.phrases(), grammar.table, model, savings=savings)
    assert isinstance(recognizer, Combined)
    return recognizer


def heard(recognizer: Recognizer, audio: npt.NDArray[np.int16], coach: range | None = None,
          barge_in: frozenset[str] = frozenset()) -> list[Detection]:
    """Every commit, the recognizer restricted to `barge_in` while the coach speaks (`coach`: those chunks)."""
    out = []
    for i, chunk in enumerate(speech.chunks(audio, CHUNK)):
        if coach is not None and i in (coach.start, coach.stop):
            recognizer.restrict(barge_in if i == coach.start else None)
        out += recognizer.accept(chunk)
    return out + recognizer.flush()


def test_the_savings_change_no_commit_and_score_fewer_windows(grammar: Grammar, model: CommandModel) -> None:
    """A command only the model alone hears, after 2.5 s of quiet; the coach speaking (restricted); "wait" after
    it. Every commit, text and time, is the one made with nothing saved, the model alone's included; the
    model scored under half the windows: none in the quiet, none while the coach spoke."""
    coach = speech.through_room(speech.synthesize("Slowly lift your hips off the floor, and hold it there.",
                                                  "en-us+f3", 170), speech.room_response(seed=3))
    audio = speech.timeline([(2.5, speech.synthesize("next", "en-us+Andy", 185)), (6.0, coach),
                             (7.5 + len(coach) / speech.RATE, speech.synthesize("wait", "en-gb", 150))],
                            10.5 + len(coach) / speech.RATE)
    coach_s = range(6 * speech.RATE // CHUNK, (6 * speech.RATE + len(coach)) // CHUNK + 4)  # and 0.3 s after
    before, after = general(grammar, model, NONE_SAVED), general(grammar, model, Savings())
    found = heard(before, audio, coach_s, grammar.barge_in_phrases())
    assert [d.text for d in found] == ["next", "wait"]
    assert heard(after, audio, coach_s, grammar.barge_in_phrases()) == found
    assert after.alone.scored < before.alone.scored / 2, (after.alone.scored, before.alone.scored)


def test_under_a_voice_profile_the_model_alone_scores_only_what_the_veto_asks_for(grammar: Grammar,
                                                                                model: CommandModel) -> None:
    """Its own commits off (as under a voice profile): the same commits as with nothing saved, PocketSphinx's "wait"
    judged by the veto, and the model scores no more windows than the veto reads for it."""
    audio = speech.pad(speech.concatenate([speech.synthesize("next", "en-us+Andy", 185),
                                           speech.synthesize("wait", "en-gb", 150)], 2.0), 2.5, 1.5)
    before, after = general(grammar, model, NONE_SAVED), general(grammar, model, Savings())
    before.commits_alone = after.commits_alone = False
    found = heard(before, audio)
    assert [d.text for d in found] == ["wait"]  # "next" was the model alone's
    assert heard(after, audio) == found
    assert 0 < after.alone.scored <= LOOK_BACK * len(found) < before.alone.scored
