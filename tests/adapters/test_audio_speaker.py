"""The speaker pipeline, played through the real-rate sink, the printer, and (where one exists) a sound card."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import soxr

from voicecoach.audio.errors import AudioUnavailable
from voicecoach.audio.sinks import PrintSink, RealRateSink
from voicecoach.audio.speaker import PrintSpeaker, Speaker, open_speaker
from voicecoach.audio.tts import Renderer
from voicecoach.core.events import Say, StopSpeaking

# Thread wake-ups on a loaded test machine; real timing figures belong in the benchmarks.
TOLERANCE = 0.25


class Recorder:
    """Collects the speaker's on_started/on_finished calls."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: list[tuple[int, float]] = []
        self.finished: list[tuple[int, float]] = []

    def on_started(self, uid: int, t: float) -> None:
        with self.lock:
            self.started.append((uid, t))

    def on_finished(self, uid: int, t: float) -> None:
        with self.lock:
            self.finished.append((uid, t))


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    r = Renderer()
    r.start()
    return r


def real_rate_speaker(renderer: Renderer, rec: Recorder) -> tuple[Speaker, RealRateSink]:
    sink = RealRateSink()
    return Speaker(sink, renderer, on_started=rec.on_started, on_finished=rec.on_finished), sink


def test_utterances_play_in_order_at_real_rate(renderer: Renderer) -> None:
    rec = Recorder()
    speaker, sink = real_rate_speaker(renderer, rec)
    texts = ["Bend your knees.", "one", "Relax."]
    durations = [renderer.render(t, 240).duration for t in texts]
    with speaker:
        for uid, text in enumerate(texts, start=1):
            speaker.say(Say(uid, text, 240, "count" if text == "one" else "instruction"))
        assert speaker.wait_idle(timeout=10)
    assert [uid for uid, _ in rec.started] == [1, 2, 3]
    assert [uid for uid, _ in rec.finished] == [1, 2, 3]
    starts = [t for _, t in rec.started]
    ends = [t for _, t in rec.finished]
    for start, end, duration in zip(starts, ends, durations, strict=True):
        assert end - start == pytest.approx(duration, abs=TOLERANCE)
        assert end - start >= duration - 0.01  # real rate: never faster than the audio
    for end, next_start in zip(ends, starts[1:], strict=False):
        assert 0 <= next_start - end < TOLERANCE
    played = sink.played
    assert [p.text for p in played] == texts
    assert not any(p.cut for p in played)
    assert [p.start for p in played] == starts


def test_stop_cuts_the_current_utterance_and_drops_the_queue(renderer: Renderer) -> None:
    rec = Recorder()
    speaker, sink = real_rate_speaker(renderer, rec)
    long_text = "Lie on your back, bend your knees, and put your feet flat on the floor."
    natural = renderer.render(long_text, 150).duration
    with speaker:
        speaker.say(Say(1, long_text, 150))
        speaker.say(Say(2, "Now lift your hips.", 150))
        speaker.say(Say(3, "two", 150, "count"))
        deadline = time.monotonic() + 5
        while not rec.started and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.3)
        stopped_at = time.monotonic()
        speaker.handle(StopSpeaking())
        assert speaker.wait_idle(timeout=5)
    start = rec.started[0][1]
    finished = dict(rec.finished)
    assert [uid for uid, _ in rec.started] == [1]
    assert sorted(finished) == [1, 2, 3]  # every Say gets exactly one UtteranceFinished
    assert finished[1] < start + natural / 2
    assert finished[1] - stopped_at < 0.1  # cut within 100 ms
    assert [p.utterance_id for p in sink.played] == [1]
    assert sink.played[0].cut


def test_speaker_keeps_working_after_a_stop(renderer: Renderer) -> None:
    rec = Recorder()
    speaker, _ = real_rate_speaker(renderer, rec)
    with speaker:
        speaker.stop()
        speaker.say(Say(7, "one", 300, "count"))
        assert speaker.wait_idle(timeout=5)
    assert [uid for uid, _ in rec.finished] == [7]
    assert [uid for uid, _ in rec.started] == [7]


def test_mix_places_what_was_played_on_a_timeline(renderer: Renderer) -> None:
    rec = Recorder()
    speaker, sink = real_rate_speaker(renderer, rec)
    origin = time.monotonic()
    with speaker:
        speaker.say(Say(1, "one", 300, "count"))
        speaker.say(Say(2, "two", 300, "count"))
        assert speaker.wait_idle(timeout=5)
    track = sink.mix(origin, 16000)
    for p in sink.played:
        at = round((p.start - origin) * 16000)
        window = track[at : at + round((p.end - p.start) * 16000)]
        assert np.sqrt(np.mean(np.square(window))) > 0.01
    first_end = round((sink.played[0].end - origin) * 16000)
    assert len(track) >= first_end


def test_print_speaker_prints_and_paces_by_the_words() -> None:
    rec = Recorder()
    lines: list[str] = []
    speaker = PrintSpeaker(on_started=rec.on_started, on_finished=rec.on_finished, print_fn=lines.append)
    with speaker:
        speaker.say(Say(1, "Breathe in", 600))
        speaker.say(Say(2, "one", 600, "count"))
        assert speaker.wait_idle(timeout=5)
    assert lines == ["coach: Breathe in", "coach: one"]
    assert [uid for uid, _ in rec.finished] == [1, 2]
    (_, start), (_, end) = rec.started[0], rec.finished[0]
    assert end - start == pytest.approx(2 * 60 / 600 + 0.3, abs=TOLERANCE)


def no_output_device() -> bool:
    try:
        import sounddevice
    except OSError:
        return True
    return not any(d["max_output_channels"] > 0 for d in sounddevice.query_devices())


@pytest.mark.skipif(not no_output_device(), reason="this machine has an audio output")
@pytest.mark.parametrize("device", [None, "usb speaker", 0])
def test_factory_falls_back_to_printing_with_one_message(device: str | int | None) -> None:
    lines: list[str] = []
    speaker = open_speaker(device, print_fn=lines.append)
    with speaker:
        assert isinstance(speaker, PrintSpeaker)
        assert len(lines) == 1
        assert lines[0].startswith("voicecoach: printing instead of speaking: ")
        speaker.say(Say(1, "Relax.", 600))
        assert speaker.wait_idle(timeout=5)
    assert lines[1:] == ["coach: Relax."]


@pytest.mark.hardware
@pytest.mark.skipif(no_output_device(), reason="needs an audio output device")
def test_real_speaker_reports_times_from_the_stream(renderer: Renderer) -> None:
    rec = Recorder()
    lines: list[str] = []
    speaker = open_speaker(
        renderer=renderer, on_started=rec.on_started, on_finished=rec.on_finished, print_fn=lines.append
    )
    duration = renderer.render("Bend your knees.", 180).duration
    with speaker:
        assert not isinstance(speaker, PrintSpeaker), lines
        speaker.say(Say(1, "Bend your knees.", 180))
        speaker.say(Say(2, "Lie on your back, bend your knees, and put your feet flat on the floor.", 150))
        time.sleep(duration + 0.5)
        stopped_at = time.monotonic()
        speaker.stop()
        assert speaker.wait_idle(timeout=5)
    finished = dict(rec.finished)
    started = dict(rec.started)
    assert finished[1] - started[1] == pytest.approx(duration, abs=0.1)
    assert finished[2] - stopped_at < 0.2


class FailingSink(RealRateSink):
    """A loudspeaker that worked, then failed: plays `works` utterances, then raises as a lost device does."""

    def __init__(self, works: int) -> None:
        super().__init__()
        self.works = works

    def play(self, clip, cut, on_start):  # type: ignore[no-untyped-def]
        if len(self.played) >= self.works:
            raise AudioUnavailable("the output device stopped: Device unavailable [PaErrorCode -9985]")
        return super().play(clip, cut, on_start)


def test_a_failing_loudspeaker_falls_back_to_print_and_says_so_once(renderer: Renderer,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder()
    printed: list[str] = []
    sink = FailingSink(works=1)
    speaker = Speaker(sink, renderer, on_started=rec.on_started, on_finished=rec.on_finished, print_fn=printed.append)
    for uid, text in enumerate(["One.", "Two.", "Three."], start=1):
        speaker.say(Say(uid, text, 220, "count"))
    assert speaker.wait_idle(10)
    speaker.close()
    assert [p.text for p in sink.played] == ["One."]
    assert sum("printing instead of speaking" in line for line in printed) == 1
    assert any("Two." in line for line in printed) and any("Three." in line for line in printed)
    assert sorted(uid for uid, _ in rec.finished) == [1, 2, 3]
    assert sum("printing what the coach says" in r.getMessage() for r in caplog.records) == 1


def test_volume_scales_what_is_played(renderer: Renderer) -> None:
    loud, quiet = RealRateSink(), RealRateSink()
    for sink, volume in ((loud, 1.0), (quiet, 0.25)):
        speaker = Speaker(sink, renderer, volume=volume)
        speaker.say(Say(1, "Relax.", 220, "count"))
        assert speaker.wait_idle(10)
        speaker.close()
    peak = [float(np.abs(s.played[0].heard()).max()) for s in (loud, quiet)]
    assert peak[1] == pytest.approx(peak[0] * 0.25, rel=0.01)


# The on_played report (what plays, at 16 kHz, when it starts), for the echo canceller.


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
