"""The coach must not obey its own voice: a sample of what it says, in its real voice, through the real recognizer.

Every utterance, and the worst case where muting failed, is measured by `python -m benchmarks` (the self-triggers
of BENCHMARKS.md, as live and with muting failed).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from voicecoach.asr.base import Recognizer
from voicecoach.audio.wavinput import chunks, to_pcm16
from voicecoach.core.coach import DEFAULT_RATE
from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar, normalize
from voicecoach.core.spoken import sentences
from voicecoach.runtime.hearing import HearingPath
from voicecoach.runtime.recognizers import open_general
from voicecoach.testing import speech
from voicecoach.testing.coach_voice import render_session
from voicecoach.testing.utterances import every_utterance, utterances_by_kind

RATE = 16000
pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed"),
]


# The coach's voice varies with what espeak-ng rendered before (voicecoach/testing/coach_voice.py): each history
# here is one of its variations, rendered the same way whatever ran before this file.
HISTORIES = (None, 1, 2)
# What the coach says that once committed a command, or what took its place when it was reworded: in the demo,
# while muted ("I am ready. Say start routine" as "stop", "Do not push through strong pain" as "it hurts"), or with
# muting failed ("Carrying on." as "continue", now "Here we go."; "Right side, repetition" as "what can i say";
# "Strong pelvic muscles" as "start pelvic tilt", now the hips and buttocks; "The microphone is back." as "that
# hurts"); "I cannot go more slowly." was "This is my slowest.", heard as "it hurts".
# A step's text is said a sentence an utterance: its sentences are here, each as the coach says it.
ONCE_TRIGGERED = (
    "I am ready. Say start routine, or start and the name of an exercise.",
    "Before we begin: move gently.",
    "No heavy workouts, and nothing that puts a lot of stress on the back muscles.",
    "Do not push through pain.",
    "In case of extreme pain and discomfort, do not put any more pressure on your muscles, and consult a medical "
    "expert at the earliest.",
    "If anything hurts, just say so.",
    "Here we go.",
    "Right side, repetition one of two.",
    "Gently roll both bent knees over to the right side.",
    "This exercise works the hips and buttocks the most.",
    "Keeping these muscles strong helps to keep your back stronger.",
    "The microphone is back. Say resume to go on.",
    "I cannot go more slowly.",
)


def sample(content: Content, grammar: Grammar) -> list[str]:
    """The first and last utterance of each kind, those that once triggered, and those that say a phrase the
    recognizer listens for while the coach speaks ("Do not push through strong pain."); but not one that only
    adds words to another ("Next exercise. Bridge. ..." to "Bridge. ...")."""
    ends = [t for texts in utterances_by_kind(content, grammar).values() for t in (texts[0], texts[-1])]
    barge_in = [t for t in every_utterance(content, grammar) if says_a_barge_in_phrase(t, grammar)]
    texts = list(dict.fromkeys([*ends, *ONCE_TRIGGERED, *barge_in]))
    return [t for t in texts if not any(other != t and other in t for other in texts)]


def says_a_barge_in_phrase(text: str, grammar: Grammar) -> bool:
    words = f" {normalize(re.sub(r'[^A-Za-z ]', ' ', text))} "
    return any(f" {phrase} " in words for phrase in grammar.barge_in_phrases())


@pytest.fixture(scope="module")
def sessions(content: Content, grammar: Grammar) -> dict[int | None, np.ndarray]:
    """The sample one utterance after another, as a microphone beside the loudspeaker would hear a session: each
    history says every third utterance of the sample in its rendering, so every utterance is heard once and
    each variation of the voice is heard (all of them in all three are the benchmark's self-triggers)."""
    texts = sample(content, grammar)
    gap = np.zeros(int(0.6 * RATE), dtype=np.float32)
    return {history: np.concatenate([piece for voice in render_session(texts, DEFAULT_RATE, history)[i::len(HISTORIES)]
                                     for piece in (voice, gap)])
            for i, history in enumerate(HISTORIES)}


def test_the_sample_covers_every_kind_and_what_once_triggered(content: Content, grammar: Grammar) -> None:
    texts = every_utterance(content, grammar)
    assert all(sentence in texts for sentence in sentences(content.session.safety)) and "Relax." in texts
    assert "Holding here. Say resume when you are ready." in texts
    assert any(t.startswith("You can say: wait") for t in texts)
    assert any(t.startswith("You can also say") for t in texts)
    missing = [t for t in ONCE_TRIGGERED if t not in texts]
    assert not missing, f"the coach no longer says these: drop them from ONCE_TRIGGERED: {missing}"
    chosen = sample(content, grammar)
    kinds = utterances_by_kind(content, grammar)
    assert sorted(kinds) == ["alert", "answer", "check-in", "count", "hold", "introduction", "reminder", "session",
                             "step", "time left"]
    assert all(set(chosen) & set(texts_of_kind) for texts_of_kind in kinds.values())
    assert sum(says_a_barge_in_phrase(t, grammar) for t in chosen) >= 5  # "wait", "stop", "pain", "it hurts"


def shipped(grammar: Grammar) -> Recognizer:
    """The general recognizer as `run` opens it without a profile (PocketSphinx with the command model), restricted
    to the barge-in phrases as the live loop restricts it while the coach speaks."""
    recognizer = open_general(None, grammar, None, {})
    recognizer.restrict(grammar.barge_in_phrases())
    return recognizer


def heard_in(session: np.ndarray, grammar: Grammar) -> list[str]:
    recognizer = shipped(grammar)
    heard = []
    for chunk in chunks(to_pcm16(session), RATE):
        heard += recognizer.accept(chunk)
    heard += recognizer.flush()
    return [f"{d.text} at {d.t:.1f} s" for d in heard]


@pytest.mark.parametrize("history", HISTORIES, ids=lambda h: f"history-{h}")
def test_the_coach_does_not_obey_itself(sessions: dict[int | None, np.ndarray], content: Content,
                                        grammar: Grammar, history: int | None) -> None:
    """While it speaks, the live loop allows only the barge-in phrases: then not one self-trigger, in any voice."""
    heard = heard_in(sessions[history], grammar)
    assert heard == [], f"{len(heard)} self-triggers over a third of {len(sample(content, grammar))} utterances"


def test_stop_over_the_coach_is_heard(grammar: Grammar) -> None:
    """Barge-in: the person, nearer the microphone than the loudspeaker, says "stop" while the coach talks."""
    [coach] = render_session(["Lie down on your back and bend the knees, placing the feet flat on the floor."],
                             DEFAULT_RATE)
    stop = speech.synthesize("stop", voice="en-us+m3", wpm=150).astype(np.float32) / 32768.0
    at = int(1.2 * RATE)
    mic = np.concatenate([0.5 * coach, np.zeros(RATE, dtype=np.float32)])
    mic[at:at + len(stop)] += 2.0 * stop * (np.abs(coach).max() / max(1e-6, float(np.abs(stop).max())))
    recognizer = shipped(grammar)
    heard = []
    for chunk in chunks(to_pcm16(mic / max(1.0, float(np.abs(mic).max()))), RATE):
        heard += recognizer.accept(chunk)
    heard += recognizer.flush()
    assert [d.text for d in heard] == ["stop"], heard
    assert 1.2 < heard[0].t < 1.2 + 1.5, "stop must be committed soon after it was said"


@pytest.mark.parametrize("text", ["Two.", "Three."])
def test_the_coachs_words_decided_after_the_mute_tail_stay_held_to_the_barge_in_phrases(grammar: Grammar,
                                                                                        text: str) -> None:
    """A short utterance of the coach's, while numbers are heard (the pain check-in): its segment is decided after
    the hearing path lifts the restriction (0.3 s after the loudspeaker stops), and it overlapped the coach's
    voice, so only a barge-in phrase may commit from it. `python -m benchmarks` heard "Two." as "two" this way."""
    [coach] = render_session([text], DEFAULT_RATE)
    mic = np.concatenate([np.zeros(RATE // 2, np.float32), coach, np.zeros(2 * RATE, np.float32)])
    start, end = 0.5, 0.5 + len(coach) / RATE
    hearing = HearingPath(open_general(None, grammar, None, {}), grammar)
    hearing.coach_mode("asking")
    assert "two" in grammar.phrases_heard("asking") and "three" in grammar.phrases_heard("asking")
    heard, reported = [], 0  # the loudspeaker's reports so far: started, then finished
    for i, chunk in enumerate(chunks(to_pcm16(mic), RATE, 0.1)):
        now = (i + 1) / 10
        if reported == 0 and start <= now:
            hearing.playing(1, start)
            reported = 1
        if reported == 1 and end <= now:
            hearing.finished(1, end)
            reported = 2
        heard += [r.text for r in hearing.hear(chunk, now)]
    heard += [r.text for r in hearing.flush()]
    assert heard == []
