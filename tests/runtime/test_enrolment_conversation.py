"""The spoken enrolment as a dialog on a virtual clock, each take real synthesized audio through the real
embedding (enrol_take)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled.conversation import (
    FIRST_STOP,
    INTRO_ONE,
    OTHERS_INTRO,
    STOP_LEARNED,
    Action,
    EnrolmentConversation,
    Finished,
    Say,
    in_order,
)
from voicecoach.asr.enrolled.enrol import enrol_take
from voicecoach.asr.enrolled.matcher import Take
from voicecoach.asr.enrolled.stop_over import StopOver
from voicecoach.audio.echo import EchoCanceller
from voicecoach.core.events import Say as SayEffect
from voicecoach.core.events import SessionEnded, StopSpeaking, UtteranceFinished
from voicecoach.runtime.enrolment import EnrolmentSession
from voicecoach.testing import speech

pytestmark = pytest.mark.audio


@functools.cache
def embedding() -> SpeechEmbedding:
    return SpeechEmbedding()


def make_take(phrase: str, name: str, audio: speech.Audio) -> Take:
    return enrol_take(embedding(), phrase, name, audio)


def said(phrase: str, wpm: int = 160) -> speech.Audio:
    return speech.pad(speech.synthesize(phrase, "en-us", wpm), 0.3, 0.3)


def lines(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Say)]


def test_the_words_that_are_no_command_come_last_once_each_and_teach_no_command() -> None:
    talk = EnrolmentConversation(["next"], make_take, others=["okay", "thanks"])
    talk.start(0.0)
    talk.heard(said("next"), 3.0)
    assert lines(talk.heard(said("next", 175), 5.0)) == [OTHERS_INTRO, "Okay."]
    assert lines(talk.heard(said("okay"), 8.0)) == ["Thanks."]
    end = talk.heard(said("thanks"), 10.0)
    assert lines(end) == ["Done. I learned 1 command."]
    assert [(t.name, t.command) for t in talk.takes] == [("next-1", True), ("next-2", True), ("okay-1", False),
                                                          ("thanks-1", False)]


def test_two_takes_of_each_command_then_done() -> None:
    talk = EnrolmentConversation(["next", "how long"], make_take)
    assert lines(talk.start(0.0)) == ["Say each command back after me, as you would on the floor.", "Next."]
    assert lines(talk.heard(said("next"), 3.0)) == ["Again."]
    assert lines(talk.heard(said("next", 175), 5.0)) == ["How long."]
    assert lines(talk.heard(said("how long"), 8.0)) == ["Again."]
    end = talk.heard(said("how long", 175), 10.0)
    assert lines(end) == ["Done. I learned 2 commands."]
    finished = end[-1]
    assert isinstance(finished, Finished) and not finished.stopped
    assert [t.name for t in finished.takes] == ["next-1", "next-2", "how_long-1", "how_long-2"]


def test_an_unusable_take_is_asked_again_once_then_skipped() -> None:
    talk = EnrolmentConversation(["pause", "next"], make_take)
    talk.start(0.0)
    silence = np.zeros(16000, np.int16)
    assert lines(talk.heard(silence, 2.0)) == ["I could not use that: it holds no speech, or speech too quiet to "
                                              "hear; say it closer to the microphone. Please say pause once more."]
    assert lines(talk.heard(said("pause"), 4.0)) == ["Again."]
    assert lines(talk.heard(silence, 6.0))[-1].endswith("Please say pause once more.")
    assert lines(talk.heard(silence, 8.0)) == ["Let us move on.", "Next."]
    assert [t.name for t in talk.takes] == ["pause-1"]


def test_a_silence_is_asked_again_once_on_the_virtual_clock() -> None:
    talk = EnrolmentConversation(["skip", "help"], make_take, timeout=8.0)
    talk.start(0.0)
    assert talk.tick(7.9) == []
    assert lines(talk.tick(8.0)) == ["I did not hear anything. Please say skip once more."]
    assert talk.tick(15.0) == []
    assert lines(talk.tick(16.0)) == ["Let us move on.", "Help."]


def test_stop_in_the_middle_keeps_the_takes_so_far() -> None:
    talk = EnrolmentConversation(["next", "pause", "stop"], make_take)
    talk.start(0.0)
    talk.heard(said("next"), 2.0)
    talk.heard(said("next", 175), 4.0)
    end = talk.stop(5.0)
    assert lines(end) == ["Stopped. I learned 1 command so far."]
    assert isinstance(end[-1], Finished) and end[-1].stopped and len(end[-1].takes) == 2
    assert talk.heard(said("pause"), 6.0) == [] and talk.tick(100.0) == []


def test_stop_is_a_take_when_stop_is_the_command_asked_for() -> None:
    talk = EnrolmentConversation(["stop"], make_take)
    talk.start(0.0)
    assert talk.stop(1.0) == []
    assert lines(talk.heard(said("stop"), 1.5)) == ["Again."]


def test_stop_is_asked_first_and_the_coach_says_when_it_is_learned() -> None:
    phrases = in_order(["start bridge", "next", "stop", "how long"])
    assert phrases == ["stop", "start bridge", "next", "how long"]
    talk = EnrolmentConversation(phrases, make_take)
    assert lines(talk.start(0.0)) == [FIRST_STOP] == ["To learn your voice, say stop."]
    assert lines(talk.heard(said("stop"), 3.0)) == ["Again."] and not talk.stop_learned
    assert lines(talk.heard(said("stop", 175), 4.5)) == [STOP_LEARNED, "Start bridge."]
    assert STOP_LEARNED == ("Saying stop now ends this at any time. Say each command back after me, as you would "
                            "on the floor.") and talk.stop_learned
    assert lines(talk.heard(said("start bridge"), 9.0)) == ["Again."]
    assert lines(talk.heard(said("start bridge", 175), 11.0)) == ["Next."]  # said once only


def test_the_coach_does_not_claim_stop_is_learned_without_its_two_takes() -> None:
    talk = EnrolmentConversation(["stop", "next"], make_take, timeout=8.0)
    talk.start(0.0)
    assert lines(talk.heard(said("stop"), 2.0)) == ["Again."]
    assert lines(talk.tick(10.0)) == ["I did not hear anything. Please say stop once more."]
    assert lines(talk.tick(18.0)) == ["Let us move on.", INTRO_ONE, "Next."], "the explanation all the same"
    assert not talk.stop_learned


def over_the_coach(person: speech.Audio | None, at: float = 0.6) -> speech.Audio:
    """The person's words `at` seconds into the coach's STOP_LEARNED, as the hearing path hands them on: the coach a
    tenth as loud as the person at the microphone, then through the echo canceller, which has the coach's audio."""
    coach = speech.synthesize(STOP_LEARNED, "en-gb", 150)
    out = np.concatenate([np.zeros(4800), coach.astype(np.float64) * 0.1, np.zeros(4800)])
    if person is not None:
        start = 4800 + round(at * 16000)
        out = np.concatenate([out, np.zeros(max(0, start + len(person) - len(out)))])
        out[start:start + len(person)] += person
    echo = EchoCanceller(16000)
    echo.play(coach.astype(np.float32) / 32767.0, 4800)
    heard = echo.process(speech.to_int16(out / 32767.0).tobytes()) + echo.flush()
    return np.frombuffer(heard, "<i2").copy()


def stop_learned() -> EnrolmentConversation:
    """A conversation with the real StopOver, stop's two takes learned, "start bridge" asked for."""
    talk = EnrolmentConversation(["stop", "start bridge", "next"], make_take, hears_stop=StopOver(embedding()))
    talk.start(0.0)
    talk.heard(said("stop"), 4.0)
    assert lines(talk.heard(said("stop", 175), 6.0)) == [STOP_LEARNED, "Start bridge."]
    return talk


@pytest.mark.parametrize("at", [0.3, 0.9, 1.5, 2.1])
def test_stop_over_the_coach_ends_it_once_stop_is_learned_by_the_persons_voice(at: float) -> None:
    talk = stop_learned()
    assert talk.spoken_over(over_the_coach(None), 8.0) == []  # the coach's own voice
    assert talk.spoken_over(over_the_coach(said("start bridge", 150), at), 9.0) == []  # another command
    end = talk.spoken_over(over_the_coach(said("stop", 150), at), 10.0)
    assert lines(end) == ["Stopped. I learned 1 command so far."]
    assert isinstance(end[-1], Finished) and end[-1].stopped and [t.name for t in end[-1].takes] == ["stop-1", "stop-2"]


def test_stop_over_the_coach_before_stop_is_learned_is_left_to_the_general_recognizer() -> None:
    talk = EnrolmentConversation(["stop", "next"], make_take, hears_stop=StopOver(embedding()))
    talk.start(0.0)
    talk.heard(said("stop"), 4.0)
    assert talk.spoken_over(over_the_coach(said("stop", 150)), 5.0) == []  # one take: no threshold for it yet


def test_stop_said_instead_of_a_take_ends_it_and_is_no_take() -> None:
    talk = stop_learned()
    assert lines(talk.heard(said("start bridge"), 8.0)) == ["Again."]  # a take still is one
    end = talk.heard(said("stop", 140), 10.0)
    assert lines(end) == ["Stopped. I learned 1 command; 1 more needs a second take so far."]
    assert [t.name for t in talk.takes] == ["stop-1", "stop-2", "start_bridge-1"]


def test_stop_begun_in_a_pause_between_the_coachs_lines_ends_it() -> None:
    # The loop's session: a segment begun after one line and its mute tail, with the next line still to play, is
    # no take; it is heard as over the coach.
    s = EnrolmentSession(EnrolmentConversation(["stop", "start bridge"], make_take, hears_stop=StopOver(embedding())),
                         frozenset({"stop"}))
    asked = s.start(0.0)
    for at, answer in ((5.0, said("stop")), (7.0, said("stop", 175))):
        for effect in asked:
            if isinstance(effect, SayEffect):
                s.handle(UtteranceFinished(effect.utterance_id), at - 0.5)
        asked = s.take(answer, (), at)
    told, request = (e for e in asked if isinstance(e, SayEffect))
    assert (told.text, request.text) == (STOP_LEARNED, "Start bridge.")
    s.handle(UtteranceFinished(told.utterance_id), 9.5)  # "Start bridge." is still to play
    assert s.take(said("start bridge", 150), (), 10.0) == [] and len(s.conversation.takes) == 2
    ended = s.take(said("stop", 150), (), 11.0)
    assert isinstance(ended[0], StopSpeaking) and ended[-1] == SessionEnded("stopped")
