"""The pure parts of the ASR adapters: commit rules, vocabulary checks, grammar shape, test-speech helpers."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.asr import VocabularyError
from voicecoach.asr.commit import match_segment, terminal_phrases
from voicecoach.asr.pocketsphinx import SphinxSettings
from voicecoach.asr.pocketsphinx.decoys import lexicon, loop_transitions, phrase_token, token_phrase, verify_transitions
from voicecoach.asr.pocketsphinx.endpoint import EnergyEndpointer
from voicecoach.asr.vocabulary import check_vocabulary, normalize_phrases
from voicecoach.testing import speech


def test_terminal_phrases() -> None:
    t = terminal_phrases(["stop", "start cat", "start cat stretch", "start rotation", "start rotational stretch"])
    assert t == {"stop", "start cat stretch", "start rotation", "start rotational stretch"}


def test_a_phrase_is_terminal_when_every_longer_one_means_the_same() -> None:
    phrases = ["stop", "start cat", "start cat stretch", "go", "go back"]
    meaning = {"stop": "stop", "start cat": "start cat-stretch", "start cat stretch": "start cat-stretch",
               "go": "go", "go back": "back"}
    assert terminal_phrases(phrases, meaning) == {"stop", "start cat", "start cat stretch", "go back"}
    assert "start cat" not in terminal_phrases(phrases, {"start cat stretch": "start cat-stretch"})  # unknown


def test_whole_segment_rule() -> None:
    phrases = frozenset({"stop", "next", "start cat"})
    assert match_segment(["stop"], phrases) == "stop"
    assert match_segment(["stop", "stop"], phrases) == "stop"
    assert match_segment(["say", "stop"], phrases) is None
    assert match_segment(["next", "we", "do"], phrases) is None
    assert match_segment(["stop", "next"], phrases) is None
    assert match_segment([], phrases) is None


def test_vocabulary_error_names_word_and_phrase() -> None:
    with pytest.raises(VocabularyError, match=r"'zorp' in the command phrase 'go zorp'"):
        check_vocabulary(["stop", "go zorp"], {"stop", "go"}.__contains__, "test")


def test_normalize_phrases() -> None:
    assert normalize_phrases(["Stop", " go  back ", "stop"]) == ["stop", "go back"]
    with pytest.raises(VocabularyError):
        normalize_phrases([" "])


def test_decoys_exclude_commands_and_homophones() -> None:
    dictionary = {
        "pain": [("P", "EY", "N")], "pane": [("P", "EY", "N")], "paint": [("P", "EY", "N", "T")],
        "stop": [("S", "T", "AA", "P")], "stopping": [("S", "T", "AA", "P", "IH", "NG")], "the": [("DH", "AH")],
    }  # fmt: skip
    entries = lambda: ((w, p) for w, prons in dictionary.items() for p in prons)  # noqa: E731
    _, decoys = lexicon(["pain", "stop"], entries, lambda w: 0.0, n_common=0)
    assert "pane" not in decoys and "pain" not in decoys and "stop" not in decoys
    assert {"paint", "stopping"} <= set(decoys)


def test_voicing_twins_are_decoys_however_rare() -> None:
    dictionary = {
        "wait": [("W", "EY", "T")], "wade": [("W", "EY", "D")], "way": [("W", "EY",)], "late": [("L", "EY", "T")],
        "zorp": [("W", "EY", "D")],
    }  # fmt: skip
    entries = lambda: ((w, p) for w, prons in dictionary.items() for p in prons)  # noqa: E731
    rank = {"way": 0.0, "late": -1.0, "wade": -9.0}.get  # "zorp" is unranked: a rare name, left out
    _, decoys = lexicon(["wait"], entries, rank, n_common=0, per_word=1)
    assert list(decoys) == ["way", "wade"]
    _, decoys = lexicon(["wait"], entries, rank, n_common=0, per_word=1, voicing_twins=False)
    assert list(decoys) == ["way"]


def test_loop_grammar_and_tokens() -> None:
    assert token_phrase(phrase_token("start cat stretch")) == "start cat stretch"
    tr = loop_transitions(["stop", "start_cat"], ["nest"], 0.5)
    assert {(a, b) for a, b, _, _ in tr} == {(0, 1), (1, 1)}
    assert sum(p for a, _, p, _ in tr if a == 0) == pytest.approx(1.0)


def test_a_decision_without_decoys_offers_only_commands_and_free_phones() -> None:
    def words(weight: float) -> set[str]:
        return {w for _, _, _, w in verify_transitions(["stop"], ["nest"], ["AA"], weight, 1e-9)}

    assert words(1e-3) == {"stop", "nest", "+aa+"}
    assert words(0.0) == {"stop", "+aa+"}
    with pytest.raises(ValueError, match="decoy_weight"):
        SphinxSettings(decoy_weight=-1.0)


def test_run_words_may_follow_one_another_in_the_phone_loop_and_nowhere_else() -> None:
    transitions = verify_transitions(["stop"], ["got", "nest"], ["AA"], 1e-3, 1e-9, runs=["got"], run_weight=1e-9)
    loop = {(a, b, w) for a, b, _, w in transitions if b == 2 or a == 2}
    assert {w for _, _, w in loop} == {"+aa+", "got"}
    assert (0, 1, 1e-3, "got") in transitions and (2, 2, 1e-9, "got") in transitions
    assert not [t for t in verify_transitions(["stop"], ["got"], ["AA"], 1e-3, 1e-9) if t[3] == "got" and t[1] == 2]


def test_timeline_and_noise_helpers() -> None:
    tone = speech.to_int16(0.3 * np.sin(np.arange(16000) * 2 * np.pi * 440 / 16000))
    track = speech.timeline([(0.5, tone), (1.0, tone)], seconds=3.0)
    assert len(track) == 48000 and track[:8000].max() == 0 and np.abs(track[16000:24000]).max() > 0
    noisy = speech.add_white_noise(tone, 10.0, seed=1)
    noise = noisy.astype(float) - tone.astype(float)
    snr = 20 * np.log10(speech.active_rms(tone) / np.sqrt((noise**2).mean()))
    assert snr == pytest.approx(10.0, abs=0.3)
    assert len(speech.pad(tone, 0.5, 0.25)) == 16000 + 8000 + 4000


def test_endpointer_floor_is_the_numpy_percentile_of_recent_levels() -> None:
    # The floor is kept in a sorted list so it costs no sort per frame; it must equal numpy.percentile of the
    # last floor_window of levels, including after the window is full and old levels drop out.
    ep = EnergyEndpointer()
    rng = np.random.default_rng(3)
    for _ in range(400):  # 12 s: the 3 s window fills and turns over
        frame = rng.normal(0.0, 10 ** rng.uniform(1, 4), 480).astype("<i2").tobytes()
        if ep._levels:
            assert ep._floor(20.0) == pytest.approx(float(np.percentile(ep._levels, 20.0)), abs=1e-9)
        ep.process(frame)
    assert len(ep._sorted) == len(ep._levels) == ep._levels.maxlen


def _noise_after(audio: speech.Audio) -> tuple[float, float] | None:
    ep = EnergyEndpointer()
    pcm = audio.astype("<i2").tobytes()
    for i in range(len(pcm) // ep.frame_bytes):
        ep.process(pcm[i * ep.frame_bytes : (i + 1) * ep.frame_bytes])
    return ep.noise()


def test_endpointer_tells_steady_noise_from_babble() -> None:
    assert _noise_after(speech.white_noise(0.5, 1000.0, seed=1)) is None  # too little heard to tell
    floor, waver = _noise_after(speech.white_noise(3.0, 1000.0, seed=1)) or (0.0, 99.0)
    assert waver < 1.0 and floor == pytest.approx(20 * np.log10(1000.0), abs=1.0)
    talkers = speech.babble(3.0, ["The weather is nice today.", "Please pass the salt."], ["en-us", "en-gb", "en+f3"],
                            rms=1000.0, seed=2)
    _, waver = _noise_after(talkers) or (0.0, 0.0)
    assert waver > 3.0


def test_endpointer_opens_on_a_short_word_and_ignores_steady_noise() -> None:
    ep = EnergyEndpointer()
    noise = speech.white_noise(3.0, 1000.0, seed=4)
    word = speech.add_white_noise(speech.pad(speech.synthesize("stop", "en-us", 200), 0.0, 0.6), 10.0, seed=5)
    opened: list[float] = []
    audio = np.concatenate([noise, word]).astype("<i2").tobytes()
    for i in range(len(audio) // ep.frame_bytes):
        was = ep.in_speech
        ep.process(audio[i * ep.frame_bytes : (i + 1) * ep.frame_bytes])
        if ep.in_speech and not was:
            opened.append(round(ep.speech_start, 2))
    assert len(opened) == 1 and opened[0] >= 3.0  # nothing in the 3 s of noise, then the word
