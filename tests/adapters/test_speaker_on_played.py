"""The speaker's on_played report (what plays, at 16 kHz, when it starts), for the echo canceller."""

from __future__ import annotations

import numpy as np
import pytest
import soxr
from test_audio_speaker import Recorder  # the same collector of on_started/on_finished calls

from voicecoach.audio.sinks import PrintSink, RealRateSink
from voicecoach.audio.speaker import Speaker
from voicecoach.audio.tts import Renderer
from voicecoach.events import Say


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    r = Renderer()
    r.start()
    return r


def test_on_played_reports_what_plays_at_16k_when_it_starts(renderer: Renderer) -> None:
    rec = Recorder()
    played: list[tuple[np.ndarray, float]] = []
    sink = RealRateSink()
    speaker = Speaker(sink, renderer, on_started=rec.on_started, on_finished=rec.on_finished, volume=0.5,
                      on_played=lambda samples, t: played.append((samples, t)))
    with speaker:
        speaker.say(Say(1, "Relax.", 220, "count"))
        speaker.say(Say(2, "Bend your knees.", 220))
        assert speaker.wait_idle(timeout=10)
    assert [t for _, t in played] == [t for _, t in rec.started]  # the same start, the real one
    for (samples, _), p in zip(played, sink.played, strict=True):
        assert p.audio is not None and p.audio.sample_rate != 16000  # so the resampling is tested
        assert samples.dtype == np.float32 and samples.ndim == 1
        expected = soxr.resample(p.audio.samples, p.audio.sample_rate, 16000)  # after the volume: what played
        assert len(samples) == len(expected) == pytest.approx(p.audio.duration * 16000, abs=2)
        assert np.allclose(samples, expected, atol=1e-6)
    loud = renderer.render("Relax.", 220).samples
    assert float(np.abs(played[0][0]).max()) == pytest.approx(0.5 * float(np.abs(loud).max()), rel=0.05)


def test_a_failing_on_played_does_not_stop_the_speech(renderer: Renderer, caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder()

    def broken(samples: np.ndarray, t: float) -> None:
        raise RuntimeError("listener bug")

    speaker = Speaker(RealRateSink(), renderer, on_started=rec.on_started, on_finished=rec.on_finished,
                      on_played=broken)
    with speaker:
        speaker.say(Say(1, "one", 300, "count"))
        assert speaker.wait_idle(timeout=5)
    assert [uid for uid, _ in rec.started] == [1] and [uid for uid, _ in rec.finished] == [1]
    assert any("on_played failed" in r.getMessage() for r in caplog.records)


def test_nothing_is_reported_as_played_where_nothing_is_rendered() -> None:
    played: list[float] = []
    lines: list[str] = []
    speaker = Speaker(PrintSink(lines.append), None, on_played=lambda samples, t: played.append(t))
    with speaker:
        speaker.say(Say(1, "Relax.", 600))
        assert speaker.wait_idle(timeout=5)
    assert lines == ["coach: Relax."] and played == []
