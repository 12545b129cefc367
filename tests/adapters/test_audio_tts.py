"""Text-to-speech rendering through the real pyttsx3 espeak driver."""

from __future__ import annotations

import time

import numpy as np
import pytest
from libhide import hide_library

from voicecoach.audio.clip import Audio
from voicecoach.audio.tts import COUNT_WORDS, Renderer, trim_silence


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    r = Renderer()
    r.start()
    return r


def rms(audio: Audio) -> float:
    return float(np.sqrt(np.mean(np.square(audio.samples, dtype=np.float64))))


def test_renders_a_real_utterance(renderer: Renderer) -> None:
    audio = renderer.render("Lie on your back and bend your knees.", 160)
    assert audio.sample_rate == 22050
    assert audio.samples.dtype == np.float32
    assert 1.0 < audio.duration < 6.0
    assert rms(audio) > 0.02
    assert np.max(np.abs(audio.samples)) <= 1.0


def test_faster_rate_gives_shorter_audio(renderer: Renderer) -> None:
    text = "Slowly lift your hips off the floor and hold."
    slow = renderer.render(text, 110)
    fast = renderer.render(text, 240)
    assert fast.duration < 0.7 * slow.duration


def test_each_render_uses_its_own_rate(renderer: Renderer) -> None:
    # pyttsx3's run loop can drop a rate change (COMPONENTS.md); alternating rates must still hold.
    text = "Breathe out as you lift."
    durations: dict[int, list[float]] = {120: [], 220: []}
    for _ in range(4):
        for rate in (120, 220, 220, 120):
            durations[rate].append(renderer.render(text, rate).duration)
    # espeak varies by a few milliseconds; a lost rate change would be off by more than half.
    for values in durations.values():
        assert max(values) - min(values) < 0.1 * min(values)
    assert max(durations[220]) < 0.75 * min(durations[120])


def test_count_words_are_cached_per_rate(renderer: Renderer) -> None:
    first = renderer.render("three", 150)
    count = renderer.renders
    again = renderer.render("Three.", 150)
    assert again is first
    assert renderer.renders == count
    other_rate = renderer.render("three", 190)
    assert renderer.renders == count + 1
    assert other_rate.duration < first.duration


def test_sentences_are_not_cached_unless_asked(renderer: Renderer) -> None:
    count = renderer.renders
    renderer.render("Relax your shoulders.", 150)
    renderer.render("Relax your shoulders.", 150)
    assert renderer.renders == count + 2
    kept = renderer.render("Relax your shoulders.", 150, cache=True)
    assert renderer.render("Relax your shoulders.", 150, cache=True) is kept


def test_warm_renders_every_count_word_once(renderer: Renderer) -> None:
    renderer.warm([175])
    count = renderer.renders
    started = time.monotonic()
    for word in COUNT_WORDS:
        assert renderer.render(word, 175).duration > 0.1
    assert renderer.renders == count
    assert time.monotonic() - started < 0.05


def test_trim_keeps_the_sound_and_drops_the_pause() -> None:
    samples = np.zeros(22050, dtype=np.float32)
    samples[2000:6000] = 0.5
    trimmed = trim_silence(Audio(samples, 22050), keep_tail=0.05)
    assert len(trimmed.samples) == 4000 + int(0.05 * 22050)
    assert trimmed.samples[0] == 0.5


def test_missing_espeak_raises_tts_unavailable_naming_the_package() -> None:
    code = (
        "from voicecoach.audio.tts import Renderer\n"
        "from voicecoach.audio.errors import TTSUnavailable\n"
        "try:\n    Renderer().start()\n"
        "except TTSUnavailable as exc:\n    print('TTSUnavailable:', exc)\n"
    )
    result = hide_library("libespeak-ng.so*", code)
    assert result.returncode == 0, result.stderr
    assert "TTSUnavailable:" in result.stdout
    assert "sudo apt-get install libespeak-ng1" in result.stdout
    assert "Traceback" not in result.stderr
