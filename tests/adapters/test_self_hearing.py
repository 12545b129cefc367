"""The coach must not obey its own voice: everything it can say, in its real voice, through the real recognizer."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.audio.wavinput import chunks, to_pcm16
from voicecoach.core.coach import DEFAULT_RATE
from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech
from voicecoach.testing.coach_voice import render_session
from voicecoach.testing.utterances import every_utterance

RATE = 16000
pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed"),
]


# The coach's voice varies with what espeak-ng rendered before (voicecoach/testing/coach_voice.py): each history
# here is one of its variations, rendered the same way whatever ran before this file.
HISTORIES = (None, 1, 2)


@pytest.fixture(scope="module")
def sessions(content: Content, grammar: Grammar) -> dict[int | None, np.ndarray]:
    """Every utterance one after another, as a microphone beside the loudspeaker would hear a session."""
    texts = every_utterance(content, grammar)
    gap = np.zeros(int(0.6 * RATE), dtype=np.float32)
    return {history: np.concatenate([piece for voice in render_session(texts, DEFAULT_RATE, history)
                                     for piece in (voice, gap)])
            for history in HISTORIES}


def test_every_utterance_is_covered(content: Content, grammar: Grammar) -> None:
    texts = every_utterance(content, grammar)
    assert content.session.safety in texts and "Relax." in texts
    assert "Holding here. Say resume when you are ready." in texts
    assert any(t.startswith("You can say: next") for t in texts)


def heard_in(session: np.ndarray, grammar: Grammar, restricted: bool) -> list[str]:
    recognizer = PocketSphinxRecognizer(grammar.phrases())
    recognizer.restrict(grammar.barge_in_phrases() if restricted else None)
    heard = []
    for chunk in chunks(to_pcm16(session), RATE):
        heard += recognizer.accept(chunk)
    heard += recognizer.flush()
    return [f"{d.text} at {d.t:.1f} s" for d in heard]


@pytest.mark.parametrize("history", HISTORIES, ids=lambda h: f"history-{h}")
def test_the_coach_does_not_obey_itself(sessions: dict[int | None, np.ndarray], content: Content,
                                        grammar: Grammar, history: int | None) -> None:
    """While it speaks, the live loop allows only the barge-in phrases: then not one self-trigger, in any voice."""
    heard = heard_in(sessions[history], grammar, restricted=True)
    assert heard == [], f"{len(heard)} self-triggers over {len(every_utterance(content, grammar))} utterances"


def test_the_coach_rarely_obeys_itself_even_unmuted(sessions: dict[int | None, np.ndarray], content: Content,
                                                    grammar: Grammar) -> None:
    """The worst case, muting failed entirely (say, the speaker's times were wrong): at most 1 in 100 utterances.

    Not 0: unrestricted, some of the coach's phrases come close enough to a command that one rendering of them
    commits and another does not ("Carrying on." as "continue", "Right side, repetition" as "what can i say").
    Measured over 10 renderings of the 134 utterances: 2 self-triggers with the early commit on the noise gate
    and the endpointer's floor_min off, 6 with both on, as shipped. The benchmark tracks it as
    self_triggers_unmuted.
    """
    utterances = len(every_utterance(content, grammar)) * len(HISTORIES)
    heard = [h for history in HISTORIES for h in heard_in(sessions[history], grammar, restricted=False)]
    assert len(heard) <= utterances // 100, f"{len(heard)} self-triggers over {utterances} utterances: {heard}"


def test_stop_over_the_coach_is_heard(grammar: Grammar) -> None:
    """Barge-in: the person, nearer the microphone than the loudspeaker, says "stop" while the coach talks."""
    [coach] = render_session(["Lie down on your back and bend the knees, placing the feet flat on the floor."],
                             DEFAULT_RATE)
    stop = speech.synthesize("stop", voice="en-us+m3", wpm=150).astype(np.float32) / 32768.0
    at = int(1.2 * RATE)
    mic = np.concatenate([0.5 * coach, np.zeros(RATE, dtype=np.float32)])
    mic[at:at + len(stop)] += 2.0 * stop * (np.abs(coach).max() / max(1e-6, float(np.abs(stop).max())))
    recognizer = PocketSphinxRecognizer(grammar.phrases())
    recognizer.restrict(grammar.barge_in_phrases())
    heard = []
    for chunk in chunks(to_pcm16(mic / max(1.0, float(np.abs(mic).max()))), RATE):
        heard += recognizer.accept(chunk)
    heard += recognizer.flush()
    assert [d.text for d in heard] == ["stop"], heard
    assert 1.2 < heard[0].t < 1.2 + 1.5, "stop must be committed soon after it was said"
