"""The enrolment conversation as the live loop's session, on a hand-stepped clock: when the silence timer runs,
"stop" over the coach's voice and in a take, and a lost microphone."""

from __future__ import annotations

import numpy as np

from voicecoach.asr.enrolled.conversation import EnrolmentConversation
from voicecoach.asr.enrolled.matcher import Take
from voicecoach.asr.enrolled.segments import Segmenter
from voicecoach.core.events import Alert, Command, Effect, Heard, Say, SessionEnded, StopSpeaking, UtteranceFinished
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.enrolment import TAKE_KEEP_S, EnrolmentSession, TakeCutter, enrolment_phrases
from voicecoach.testing.scripted import ScriptedRecognizer

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
    assert texts(said) == ["Say each command back after me, as you would on the floor.", "Next."]
    assert s.next_deadline() is None and s.on_timer(30.0) == []  # the intro alone lasts longer than the timeout
    finish(s, said, 31.0)
    assert s.next_deadline() == 39.0
    assert s.on_timer(38.9) == []
    assert texts(s.on_timer(39.0)) == ["I did not hear anything. Please say next once more."]


def test_a_lost_microphone_ends_the_enrolment_in_one_sentence_keeping_the_takes() -> None:
    s = session(["next", "pause"])
    said = s.start(0.0)
    finish(s, said, 9.0)
    s.conversation.takes.append(Take("next", "next-1", np.ones((3, 96), np.float32)))  # as if learned
    ended = s.handle(Alert("microphone lost"), 10.0)
    assert texts(ended) == ["I lost the microphone, so I stop here and keep what I learned so far."]
    assert ended[-1] == SessionEnded("stopped")
    assert s.finished is not None and s.finished.microphone_lost and [t.name for t in s.finished.takes] == ["next-1"]
    assert s.next_deadline() is None and s.on_timer(60.0) == []
    assert s.handle(Alert("microphone back"), 61.0) == [] and s.handle(Heard(Command("stop")), 62.0) == []


def test_a_lost_microphone_cuts_the_coach_off_even_while_stop_is_asked_for() -> None:
    s = session(["stop", "next"])
    s.start(0.0)  # the coach is still asking for stop
    ended = s.handle(Alert("microphone lost"), 3.0)
    assert isinstance(ended[0], StopSpeaking) and ended[-1] == SessionEnded("stopped")
    assert s.finished is not None and s.finished.microphone_lost


def test_stop_over_the_coachs_voice_ends_the_enrolment_at_once() -> None:
    s = session(["next", "pause"])
    s.start(0.0)
    ended = s.handle(Heard(Command("stop")), 1.0)  # during the intro: a barge-in, as in a coaching session
    assert isinstance(ended[0], StopSpeaking), "the coach breaks off its sentence"
    assert texts(ended) == ["Stopped. I learned 0 commands so far."]
    assert ended[-1] == SessionEnded("stopped")
    assert s.finished is not None and s.finished.stopped and s.finished.takes == ()
    assert s.handle(Heard(Command("stop")), 2.0) == []  # said twice: answered once


def test_stop_while_silent_needs_no_cut() -> None:
    s = session(["next", "pause"])
    finish(s, s.start(0.0), 9.0)
    ended = s.handle(Heard(Command("stop")), 10.0)
    assert not any(isinstance(e, StopSpeaking) for e in ended) and ended[-1] == SessionEnded("stopped")


def test_stop_while_stop_itself_is_asked_for_is_the_take_not_the_end() -> None:
    s = session(["stop", "next"])
    [ask] = s.start(0.0)
    assert isinstance(ask, Say) and ask.text == "To learn your voice, say stop."
    assert s.handle(Heard(Command("stop")), 1.0) == []  # over the line that asks for it: the take said early
    assert s.handle(Heard(Command("stop")), 1.9) == []  # the coach's "stop." as the echo leaves it
    s.handle(UtteranceFinished(ask.utterance_id), 2.0)
    assert s.handle(Heard(Command("stop")), 2.5) == []
    assert s.finished is None


def test_a_take_that_was_stop_ends_the_enrolment_and_is_no_take() -> None:
    s = session(["next"])
    finish(s, s.start(0.0), 9.0)
    ended = s.take(np.zeros(16000, np.int16), ("please stop",), 10.0)
    assert ended[-1] == SessionEnded("stopped") and s.conversation.takes == []


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


def test_a_commit_handed_on_with_its_take_is_not_heard_again() -> None:
    # Were "stop", said as the take of stop, also delivered as heard after the take moved the conversation on, it
    # would end the enrolment: the cutter hands such a commit on with the take alone. (The recognizer is scripted:
    # this is about where its commits go, not about hearing.)
    pcm = np.concatenate([np.zeros(8000), np.sin(np.arange(8000) / 5.0) * 3000, np.zeros(32000)]).astype("<i2")
    blocks = [pcm[at:at + 800].tobytes() for at in range(0, len(pcm), 800)]
    segmenter = Segmenter(TAKE_KEEP_S)
    [cut] = [segmenter.samples for block in blocks if segmenter.feed(block)]  # when the segment is known to end
    takes: list[tuple[str, ...]] = []
    cutter = TakeCutter(ScriptedRecognizer([(cut / 16000 + 0.1, "stop"), (2.4, "stop")]),
                        lambda audio, heard: takes.append(heard))
    returned = [d.text for block in blocks for d in cutter.accept(block)]
    assert takes == [("stop",)]
    assert returned == ["stop"]  # the second, said long after the take: heard as it is


def test_speech_begun_while_the_coach_speaks_goes_to_on_over_not_to_the_takes() -> None:
    # Where the cutter sends each segment, by when it began; what is said in it is another test's.
    burst = np.sin(np.arange(8000) / 5.0) * 3000
    pcm = np.concatenate([np.zeros(8000), burst, np.zeros(16000), burst, np.zeros(24000)]).astype("<i2")
    takes: list[int] = []
    over: list[int] = []
    cutter = TakeCutter(ScriptedRecognizer([]), lambda audio, heard: takes.append(len(audio)),
                        lambda audio: over.append(len(audio)))
    cutter.restrict(frozenset({"stop"}))  # the coach speaks over the first burst...
    for at in range(0, len(pcm), 800):
        if at == 12000:
            cutter.restrict(None)  # ...and falls silent in the middle of it
        cutter.accept(pcm[at:at + 800].tobytes())
    cutter.flush()
    assert len(over) == 1 and len(takes) == 1
