"""The enrolment conversation as the live loop's session, on a hand-stepped clock: when the silence timer runs,
when "stop" counts, and a take that was "stop"."""

from __future__ import annotations

import numpy as np

from voicecoach.asr.enrolled.conversation import INTRO, EnrolmentConversation
from voicecoach.asr.enrolled.matcher import Take
from voicecoach.core.events import Alert, Command, Effect, Heard, Say, SessionEnded, UtteranceFinished
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.enrolment import EnrolmentSession, enrolment_phrases

STOPS = frozenset({"stop", "please stop"})


def unused_take(phrase: str, name: str, audio: np.ndarray) -> Take:
    raise AssertionError("no take was expected to be learned")


def session(phrases: list[str]) -> EnrolmentSession:
    return EnrolmentSession(EnrolmentConversation(phrases, unused_take, timeout=8.0), STOPS)


def texts(effects: list[Effect]) -> list[str]:
    return [e.text for e in effects if isinstance(e, Say)]


def finish(s: EnrolmentSession, effects: list[Effect], now: float) -> None:
    for effect in effects:
        if isinstance(effect, Say):
            s.handle(UtteranceFinished(effect.utterance_id), now)


def test_the_silence_is_timed_from_the_end_of_the_coachs_words() -> None:
    s = session(["next"])
    said = s.start(0.0)
    assert texts(said) == [INTRO, "Say: next."]
    assert s.next_deadline() is None and s.on_timer(30.0) == []  # the intro alone lasts longer than the timeout
    finish(s, said, 31.0)
    assert s.next_deadline() == 39.0
    assert s.on_timer(38.9) == []
    assert texts(s.on_timer(39.0)) == ["I did not hear anything. Please say next once more."]


def test_no_silence_is_timed_while_the_microphone_is_lost() -> None:
    s = session(["next"])
    finish(s, s.start(0.0), 9.0)
    s.handle(Alert("microphone lost"), 10.0)
    assert s.next_deadline() is None and s.on_timer(60.0) == []
    s.handle(Alert("microphone back"), 61.0)
    assert s.next_deadline() == 69.0


def test_stop_counts_only_while_the_coach_is_silent() -> None:
    s = session(["next", "pause"])
    said = s.start(0.0)
    stop = Heard(Command("stop"))
    assert s.handle(stop, 1.0) == []  # its own intro says "stop"
    finish(s, said, 9.0)
    ended = s.handle(stop, 10.0)
    assert ended[-1] == SessionEnded("stopped")
    assert s.finished is not None and s.finished.stopped and s.finished.takes == ()


def test_a_take_that_was_stop_is_no_take_of_another_command() -> None:
    s = session(["next"])
    finish(s, s.start(0.0), 9.0)
    assert s.take(np.zeros(16000, np.int16), ("please stop",), 10.0) == []
    assert s.conversation.takes == []


def test_each_command_is_enrolled_once_by_a_phrase_it_is_said_in(grammar: Grammar) -> None:
    # The check-in's scores are commands with a number: "score 4" is their name, "four" what is said.
    everything = enrolment_phrases(grammar, everything=True)
    assert set(everything) <= set(grammar.phrases()) and len(everything) == len(set(grammar.table.values()))
    assert everything[:1] == ["start bridge"] and "four" in everything and "stop" in everything
    # The full enrolment: what is heard while coaching, not the answers heard only for a moment.
    phrases = enrolment_phrases(grammar)
    assert "stop" in phrases and "it hurts" in phrases and "next" in phrases
    assert not {"four", "not now", "more"} & set(phrases)
    assert len(phrases) <= 20
