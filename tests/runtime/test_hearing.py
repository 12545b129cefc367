"""The hearing path on audio time: what it tells the recognizer and the echo canceller, and what it lets through."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.echo import EchoCanceller
from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar, load_grammar
from voicecoach.runtime.hearing import HearingPath, HearingSettings, hear_stream
from voicecoach.testing.scripted import ScriptedRecognizer

RATE = 16000
BLOCK = bytes(2 * RATE // 10)  # 100 ms of silence


def feed(hearing: HearingPath, seconds: float, start: float = 0.0) -> list[str]:
    """`seconds` of silence from `start`, 100 ms a block; the commands heard."""
    out = []
    for i in range(round(seconds * 10)):
        out += [r.command.canonical for r in hearing.hear(BLOCK, start + (i + 1) / 10)]
    return out


def test_the_mode_sets_what_the_recognizer_listens_for(content: Content, grammar_dir: Path) -> None:
    # The shipped grammar listens for every command in every mode: here "start" only when idle (`listen`).
    file = grammar_dir / "commands.toml"
    file.write_text(file.read_text().replace('when = ["idle"]', 'when = ["idle"]\nlisten = ["idle"]', 1))
    grammar = load_grammar(grammar_dir, content)
    recognizer = ScriptedRecognizer([(0.15, "start bridge"), (0.35, "start bridge"), (0.55, "next")])
    hearing = HearingPath(recognizer, grammar)
    hearing.coach_mode("idle")
    assert feed(hearing, 0.2) == ["start bridge"]
    hearing.coach_mode("running")
    assert feed(hearing, 0.4, start=0.2) == ["next"]  # "start" is not listened for mid-session
    hearing.coach_mode("paused")  # the same phrases as running: the recognizer is not told again
    feed(hearing, 0.1, start=0.6)
    assert recognizer.calls == [("listen_for", grammar.phrases_heard("idle")),
                                ("listen_for", grammar.phrases_heard("running"))]


def test_more_is_heard_only_right_after_help(grammar: Grammar) -> None:
    recognizer = ScriptedRecognizer([(0.15, "more"), (0.35, "more")])
    hearing = HearingPath(recognizer, grammar)
    hearing.coach_mode("running")
    assert feed(hearing, 0.2) == []
    hearing.coach_mode("running after help")  # Coach.listening, once help has offered "more"
    assert feed(hearing, 0.2, start=0.2) == ["more"]
    assert recognizer.calls[-1] == ("listen_for",
                                    grammar.phrases_heard("running") | {"more", "say more"})


def test_a_commit_heard_unsure_reaches_the_coach_unsure(grammar: Grammar) -> None:
    hearing = HearingPath(ScriptedRecognizer([(0.15, "skip", False), (0.35, "previous")]), grammar)
    heard = [(r.command.canonical, r.sure) for i in range(5) for r in hearing.hear(BLOCK, (i + 1) / 10)]
    assert heard == [("skip", False), ("back", True)]


def test_while_the_coach_speaks_and_a_tail_after_only_barge_in_phrases_commit(grammar: Grammar) -> None:
    script = [(0.25, "next"), (0.45, "stop"), (0.85, "next"), (1.25, "next")]
    recognizer = ScriptedRecognizer(script)
    hearing = HearingPath(recognizer, grammar, settings=HearingSettings(mute_tail=0.3))
    hearing.playing(1, 0.1)
    heard = feed(hearing, 0.6)
    hearing.finished(1, 0.6)
    heard += feed(hearing, 0.7, start=0.6)
    # "next" over the coach and 0.25 s after it is not heard; "stop" is; at 1.3 s (0.7 s after) all are.
    assert heard == ["stop", "next"]
    assert [call for call in recognizer.calls if call[0] == "restrict"] == [
        ("restrict", grammar.barge_in_phrases()), ("restrict", None)]


def test_an_utterance_dropped_before_it_played_does_not_mute(grammar: Grammar) -> None:
    hearing = HearingPath(ScriptedRecognizer([(0.15, "next")]), grammar)
    hearing.finished(7, 0.0)  # never started
    assert not hearing.speaking(0.05)
    assert feed(hearing, 0.2) == ["next"]


def test_a_cut_clip_stops_being_subtracted(grammar: Grammar) -> None:
    """What the loudspeaker was to play after the cut never played: the canceller must not subtract it."""
    recognizer = ScriptedRecognizer([])
    hearing = HearingPath(recognizer, grammar, EchoCanceller(RATE))
    rng = np.random.default_rng(1)
    hearing.playing(1, 0.0)
    hearing.loudspeaker(rng.normal(0, 0.1, RATE).astype(np.float32), 0)
    hearing.finished(1, 0.2, sample=round(0.2 * RATE))  # cut after 0.2 s
    mic = rng.normal(0, 300, 2 * RATE).astype("<i2")
    hear_stream(hearing, (mic[i : i + RATE // 10].tobytes() for i in range(0, len(mic), RATE // 10)))
    heard = np.frombuffer(b"".join(recognizer.accepted), "<i2")
    # Once the cut is over (0.2 s, plus the canceller's filter span), the microphone passes through untouched.
    after = round(0.6 * RATE)
    assert len(heard) > after + RATE // 2
    assert not np.array_equal(heard[:after], mic[:after])  # before the cut it did subtract
    assert np.array_equal(heard[after:], mic[after : len(heard)])


def test_a_failing_canceller_is_dropped_and_the_audio_goes_on(grammar: Grammar,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    class Broken(EchoCanceller):
        def process(self, pcm: bytes) -> bytes:
            raise FloatingPointError("a bug in the canceller")

    recognizer = ScriptedRecognizer([(0.15, "stop")])
    hearing = HearingPath(recognizer, grammar, Broken(RATE))
    assert feed(hearing, 0.3) == ["stop"]
    assert hearing.echo is None and len(recognizer.accepted) == 3
    assert sum("the echo canceller failed" in r.getMessage() for r in caplog.records) == 1


def test_a_phrase_outside_the_grammar_is_reported_not_acted_on(grammar: Grammar,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    hearing = HearingPath(ScriptedRecognizer([(0.05, "jump"), (0.15, "stop")]), grammar)
    heard = hear_stream(hearing, [BLOCK, BLOCK])
    assert [(r.text, r.command.canonical) for r in heard] == [("stop", "stop")]
    assert any("'jump'" in r.getMessage() for r in caplog.records)


def test_a_new_microphone_gets_a_fresh_canceller_set_up_the_same(grammar: Grammar) -> None:
    echo = EchoCanceller(RATE)
    hearing = HearingPath(ScriptedRecognizer([]), grammar, echo)
    hearing.new_microphone()
    assert hearing.echo is not echo and hearing.echo is not None and hearing.echo.settings == echo.settings
