"""The stock takes: training voices' takes heard beside the general recognizer when no one has enrolled, through the
real PocketSphinx, command model, embedding and matcher."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voicecoach.asr.enrolled import stock
from voicecoach.asr.enrolled.recognizer import EnrolledRecognizer
from voicecoach.asr.enrolled.wrap import with_stock
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.enrolment import enrolment_phrases
from voicecoach.runtime.hearing import HearingPath, hear_stream
from voicecoach.runtime.recognizers import open_recognizer
from voicecoach.testing import speech

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed"),
    pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed (the stock takes' two voices)"),
]
NO_PROFILE = Path(__file__).parent / "no-voice-profile-here"


@pytest.fixture(scope="module", autouse=True)
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The stock takes as `python -m voicecoach.asr.enrolled.stock` builds them (they are not shipped), where the
    recognizer looks for them."""
    path = tmp_path_factory.mktemp("stock") / "stock_takes.npz"
    assert stock.main(["--out", str(path)]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stock, "STOCK_PATH", path)
        yield path


def heard(grammar: Grammar, audio: speech.Audio, stock_takes: bool) -> list[str]:
    recognizer = open_recognizer("pocketsphinx", grammar, None, {}, profile=NO_PROFILE, stock=stock_takes)
    assert isinstance(recognizer, EnrolledRecognizer) == stock_takes
    hearing = HearingPath(recognizer, grammar)
    hearing.coach_mode("running")
    return [r.text for r in hear_stream(hearing, speech.chunks(audio, 1600))]


# Voices neither among the stock takes' nor held out for evaluation; white noise, not the benchmarks' kitchen.
@pytest.mark.parametrize(("text", "voice", "snr"), [("pause", "en-gb+f5", None), ("it hurts", "en-029+m2", 5.0),
                                                    ("skip", "en-029+m2", None)])
def test_the_stock_takes_hear_what_the_general_recognizer_misses(grammar: Grammar, text: str, voice: str,
                                                                 snr: float | None) -> None:
    audio = speech.synthesize(text, voice, 150)
    if snr is not None:
        noise = np.random.default_rng(3).normal(0, 3000, 4 * 16000).astype(np.int16)
        audio = speech.add_noise(audio, noise, snr)
    audio = speech.pad(audio, 1.5, 1.5)
    assert heard(grammar, audio, stock_takes=False) == []
    assert heard(grammar, audio, stock_takes=True) == [text]


def test_the_stock_takes_say_every_command_enrolment_asks_for_in_every_stock_voice(grammar: Grammar) -> None:
    matcher = stock.load()
    voices = len(stock.ESPEAK_VOICES) + len(stock.FLITE_VOICES)
    phrases = enrolment_phrases(grammar)
    assert sorted({t.phrase for t in matcher.takes}) == sorted(phrases)
    assert len(matcher.takes) == 2 * voices * len(phrases)
    assert 0.05 < matcher.threshold <= 0.135


def test_the_build_command_writes_takes_that_load_back(grammar: Grammar, tmp_path: Path) -> None:
    out = tmp_path / "stock.npz"
    assert stock.main(["--out", str(out), "--phrases", "2", "--voices", "1"]) == 0
    matcher = stock.load(out)
    assert [t.name for t in matcher.takes] == [f"espeak:{stock.ESPEAK_VOICES[0]}@160/{p.replace(' ', '_')}-{i}"
                                               for p in enrolment_phrases(grammar)[:2] for i in (1, 2)]
    assert all(t.frames.dtype == np.float32 and t.variants for t in matcher.takes)


def test_a_damaged_stock_file_is_one_line_and_hearing_goes_on(grammar: Grammar, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "stock_takes.npz"
    bad.write_bytes(b"PK\x03\x04 not a whole file")
    with pytest.raises(stock.StockError, match=r"build it with `python -m voicecoach\.asr\.enrolled\.stock`") as error:
        stock.load(bad)
    assert str(bad) in str(error.value) and "\n" not in str(error.value)
    monkeypatch.setattr(stock, "STOCK_PATH", bad)
    general = open_recognizer("pocketsphinx", grammar, None, {}, profile=NO_PROFILE, stock=False)
    assert with_stock(general, frozenset(grammar.phrases()), grammar.table) is general
    assert "hearing without the stock takes" in capsys.readouterr().err
