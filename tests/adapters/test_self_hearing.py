"""The coach must not obey its own voice: everything it can say, in its real voice, through the real recognizer."""

from __future__ import annotations

import numpy as np
import pytest
import soxr

from voicecoach.asr.pocketsphinx_asr import PocketSphinxRecognizer
from voicecoach.audio.tts import Renderer
from voicecoach.coach import DEFAULT_RATE
from voicecoach.content import Content
from voicecoach.grammar import Grammar
from voicecoach.testing import speech
from voicecoach.utterances import every_utterance
from voicecoach.wavinput import chunks, to_pcm16

RATE = 16000
pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed"),
]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    renderer = Renderer()
    renderer.start()
    return renderer


def coach_voice(renderer: Renderer, text: str) -> np.ndarray:
    audio = renderer.render(text, DEFAULT_RATE)
    return soxr.resample(np.asarray(audio.samples, dtype=np.float32), audio.sample_rate, RATE)


def session_of(renderer: Renderer, texts: list[str], gap_s: float = 0.6) -> np.ndarray:
    """The utterances one after another, as a microphone beside the loudspeaker would hear a session."""
    gap = np.zeros(int(gap_s * RATE), dtype=np.float32)
    return np.concatenate([piece for text in texts for piece in (coach_voice(renderer, text), gap)])


def test_every_utterance_is_covered(content: Content, grammar: Grammar) -> None:
    texts = every_utterance(content, grammar)
    assert content.session.safety in texts and "Relax." in texts
    assert "Holding here. Say resume when you are ready." in texts
    assert any(t.startswith("You can say: next") for t in texts)


@pytest.mark.parametrize("restricted", [True, False], ids=["while-speaking", "even-unmuted"])
def test_the_coach_does_not_obey_itself(renderer: Renderer, content: Content, grammar: Grammar,
                                        restricted: bool) -> None:
    recognizer = PocketSphinxRecognizer(grammar.phrases())
    # While it speaks, the live loop allows only the barge-in phrases; the other case is the worst
    # case, where muting failed entirely (say, the speaker's times were wrong).
    recognizer.restrict(grammar.barge_in_phrases() if restricted else None)
    texts = every_utterance(content, grammar)
    audio = session_of(renderer, texts)
    heard = []
    for chunk in chunks(to_pcm16(audio), RATE):
        heard += recognizer.accept(chunk)
    heard += recognizer.flush()
    assert heard == [], f"{len(heard)} self-triggers over {len(texts)} utterances: {heard}"


def test_stop_over_the_coach_is_heard(renderer: Renderer, grammar: Grammar) -> None:
    """Barge-in: the person, nearer the microphone than the loudspeaker, says "stop" while the coach talks."""
    coach = coach_voice(renderer, "Lie down on your back and bend the knees, placing the feet flat on the floor.")
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
