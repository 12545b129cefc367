"""The trained command model: a smoke run of its training command, its streaming features, its second opinion."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from voicecoach.asr.base import Detection
from voicecoach.asr.commands_model import NONE, CommandModel, CommandModelError, corpus
from voicecoach.asr.commands_model.model import label_of
from voicecoach.asr.commands_model.recognizer import SecondOpinion
from voicecoach.asr.commands_model.voices import Voice
from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech

pytestmark = pytest.mark.audio
needs_training = pytest.mark.skipif(shutil.which("flite") is None or shutil.which("sox") is None,
                                    reason="training needs flite and sox (Debian packages flite, sox)")
PHRASES = 3  # the smoke run's phrases: the grammar's first three


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The training command on a tiny corpus: 3 phrases, 2 espeak-ng voices each and flite's, 4 real clips."""
    pytest.importorskip("sklearn")
    from voicecoach.asr.commands_model.train import main
    from voicecoach.testing.real_talk import negatives_dir

    if not (negatives_dir() / "noise" / "kitchen.flac").is_file():
        pytest.skip(f"the training's real negatives and noise are not here ({negatives_dir()})")

    out = tmp_path_factory.mktemp("model") / "command_model.npz"
    assert main(["--out", str(out), "--phrases", str(PHRASES), "--espeak", "2", "--piper", "0", "--copies", "0",
                 "--real-clips", "4", "--everyday", "1", "--coach", "6", "--epochs", "20", "--rooms", "1",
                 "--replies", "0"]) == 0
    return out


@needs_training
def test_the_trained_model_loads_and_knows_its_phrases_and_no_other(tiny_model: Path, grammar: Grammar) -> None:
    model = CommandModel.load(tiny_model)
    trained = grammar.phrases()[:PHRASES]
    assert model.phrases == frozenset(trained)
    assert NONE in model.classes
    assert model.unknown(grammar.phrases()) == sorted(set(grammar.phrases()) - set(trained))
    report = tiny_model.with_suffix(".md").read_text()
    assert report.count("|") > 10  # the report of the data used
    assert model.never_alone <= set(model.classes) - {NONE}  # what it holds back, chosen on the tuning half
    assert "never committed alone" in report


@needs_training
def test_the_trained_model_tells_its_training_clips_apart_better_than_chance(tiny_model: Path,
                                                                             grammar: Grammar) -> None:
    model = CommandModel.load(tiny_model)
    embedding = SpeechEmbedding()
    rng = np.random.default_rng(0)
    right = total = 0
    for phrase in grammar.phrases()[:PHRASES]:
        label = label_of(grammar.table[phrase])
        for voice in (Voice("flite", "awb", 1.0), Voice("flite", "rms", 0.8)):  # voices it was trained on
            wins = corpus.positive_windows(embedding, voice.say(phrase), rng, None)
            scores = model.probabilities(wins).mean(axis=0)
            right += model.classes[int(scores.argmax())] == label
            total += 1
    assert right / total > 1 / len(model.classes)


@needs_training
def test_a_phrase_the_model_never_learned_stands_on_pocketsphinx_alone(tiny_model: Path, grammar: Grammar) -> None:
    model = CommandModel.load(tiny_model)
    phrase = "stop"
    assert phrase in model.unknown(grammar.phrases())
    inner = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    both = SecondOpinion(inner, grammar.phrases(), grammar.table, model)
    both.listen_for(grammar.phrases_heard("running"))
    heard: list[Detection] = []
    for block in speech.chunks(speech.pad(speech.synthesize(phrase, "en-gb", 160), 0.6, 1.0), 1600):
        heard += both.accept(block)
    heard += both.flush()
    assert [d.text for d in heard] == [phrase]
    assert both.vetoed == []


def test_a_missing_model_file_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(CommandModelError, match=r"missing\.npz.*python -m voicecoach\.asr\.commands_model\.train"):
        CommandModel.load(tmp_path / "missing.npz")


def test_the_shipped_model_is_small_and_knows_every_shipped_phrase(grammar: Grammar) -> None:
    from voicecoach.asr.commands_model import MODEL_PATH

    assert MODEL_PATH.stat().st_size < 1_000_000
    model = CommandModel.load()
    assert model.unknown(grammar.phrases()) == []
    assert {label_of(grammar.table[p]) for p in grammar.phrases()} | {NONE} == set(model.classes)


def test_the_second_opinion_drops_a_command_the_model_finds_unlikely(grammar: Grammar) -> None:
    """Real speech through the real shipped model: a clip of everyday talk is not "stop" to it, a spoken stop is."""
    from voicecoach.asr.commands_model.recognizer import agreement
    from voicecoach.testing.real_talk import held_out, negatives_dir

    model, embedding = CommandModel.load(), SpeechEmbedding()
    clips = [p for p in sorted((negatives_dir() / "clips").glob("*.flac")) if held_out(p.name)]  # never trained on
    if not clips:
        pytest.skip("the real-speech negatives are not here")
    talk = speech.read_wav(clips[0])
    said = speech.pad(speech.synthesize("stop", "en-us+Linda", 160), 1.2, 0.3)  # a held-out voice
    assert agreement(model, embedding, said, "stop") >= model.veto
    assert agreement(model, embedding, talk, "stop") < model.veto


@pytest.mark.parametrize(("veto", "kept"), [(None, ["stop"]), (1.5, [])])
def test_the_second_opinion_vetoes_below_the_veto_it_is_given(grammar: Grammar, veto: float | None,
                                                              kept: list[str]) -> None:
    """A spoken "stop" that PocketSphinx hears stands under the model's own veto, and falls under one no
    probability reaches."""
    from voicecoach.audio.wavinput import chunks

    said = speech.pad(speech.synthesize("stop", voice="en-gb", wpm=150), 1.2, 0.6)
    judged = SecondOpinion(PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table), grammar.phrases(),
                           grammar.table, CommandModel.load(), veto=veto)
    found = [d for chunk in chunks(said.astype("<i2").tobytes(), speech.RATE) for d in judged.accept(chunk)]
    assert [d.text for d in found + judged.flush()] == kept
    assert [d.text for d in judged.vetoed] == ["stop"][len(kept):]


@pytest.mark.parametrize(("bar", "sure"), [(None, True), (0.0, True), (1.5, False)])
def test_a_commit_the_model_likes_less_than_the_bar_is_unsure(grammar: Grammar, bar: float | None,
                                                              sure: bool) -> None:
    """The same spoken "stop": it stands under every bar, sure unless the model gives it less than the bar (1.5:
    more than any probability), and then unsure, for the coach to ask back."""
    from voicecoach.audio.wavinput import chunks

    said = speech.pad(speech.synthesize("stop", voice="en-gb", wpm=150), 1.2, 0.6)
    judged = SecondOpinion(PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table), grammar.phrases(),
                           grammar.table, CommandModel.load(), unsure_below=bar)
    found = [d for chunk in chunks(said.astype("<i2").tobytes(), speech.RATE) for d in judged.accept(chunk)]
    assert [(d.text, d.sure) for d in found + judged.flush()] == [("stop", sure)]


def test_no_veto_while_the_coach_speaks(grammar: Grammar) -> None:
    """A person's "stop" over the coach's voice, which PocketSphinx hears and the model once vetoed: while the
    recognizer is restricted to the barge-in phrases, PocketSphinx's word stands."""
    from voicecoach.asr.commands_model.recognizer import SecondOpinion
    from voicecoach.audio.wavinput import chunks, to_pcm16
    from voicecoach.core.coach import DEFAULT_RATE
    from voicecoach.testing.coach_voice import render_session

    coach = render_session(["Lie down on your back and bend the knees, placing the feet flat on the floor.",
                            "Gradually raise the buttocks off the ground until the body forms a straight line from "
                            "the shoulders to the knees.",
                            "Hold for five seconds, and keep breathing slowly."], DEFAULT_RATE)[-1]
    model = CommandModel.load()
    for voice in ("en-us+m3", "en-us+f2"):
        stop = speech.synthesize("stop", voice=voice, wpm=150).astype(np.float32) / 32768.0
        at = int(1.5 * speech.RATE)
        mic = np.concatenate([0.5 * coach, np.zeros(speech.RATE, dtype=np.float32)])
        mic[at:at + len(stop)] += 2.0 * stop * (np.abs(coach).max() / max(1e-6, float(np.abs(stop).max())))
        pcm = to_pcm16(mic / max(1.0, float(np.abs(mic).max())))
        heard = {}
        for name, recognizer in (("alone", PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)),
                                 ("second", SecondOpinion(PocketSphinxRecognizer(grammar.phrases(),
                                                                                 meaning=grammar.table),
                                                          grammar.phrases(), grammar.table, model))):
            recognizer.restrict(grammar.barge_in_phrases())
            found = [d for chunk in chunks(pcm, speech.RATE) for d in recognizer.accept(chunk)]
            heard[name] = [d.text for d in found + recognizer.flush()]
        assert heard["alone"] == ["stop"], (voice, heard)
        assert heard["second"] == heard["alone"], (voice, heard)


def test_training_without_the_real_negatives_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    from voicecoach.asr.commands_model.train import main

    monkeypatch.setenv("VOICECOACH_REAL_NEGATIVES", str(tmp_path / "nowhere"))
    assert main(["--out", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "nowhere" in err and "VOICECOACH_REAL_NEGATIVES" in err
