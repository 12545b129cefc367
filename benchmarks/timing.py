"""Live timing: a routine segment through LiveLoop, the real Speaker and a real-rate sink on the wall clock."""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from typing import Any

import numpy as np

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.audio.sinks import RealRateSink
from voicecoach.audio.speaker import Speaker
from voicecoach.audio.tts import Renderer
from voicecoach.cli.main import load
from voicecoach.core.coach import Coach
from voicecoach.core.events import Effect, Say, StopSpeaking
from voicecoach.runtime.hearing import HearingPath
from voicecoach.runtime.live import LiveLoop

READ_S = 0.2  # what voicecoach run reads from the microphone at a time
STOP_TRIALS = 8


class TimedCoach(Coach):
    """The real Coach, noting the deadline each count was scheduled for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_deadlines: dict[int, float] = {}

    def on_timer(self, now: float) -> list[Effect]:
        due = self.next_deadline()
        effects = super().on_timer(now)
        for e in effects:
            if isinstance(e, Say) and e.kind == "count" and due is not None:
                self.count_deadlines[e.utterance_id] = due
        return effects


class SilentMic:
    """A microphone hearing silence: READ_S of zeros, delivered at the real rate."""

    def __init__(self, rate: int = 16000) -> None:
        self._block = bytes(int(rate * READ_S) * 2)
        self._next = time.monotonic() + READ_S

    def read(self, timeout: float) -> bytes:
        delay = self._next - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._next += READ_S
        return self._block

    def reopen(self) -> None:
        pass

    def sample_at(self, t: float) -> int | None:
        return None  # no echo canceller here


class ScriptedRecognizer:
    """The shipped recognizer decoding the silent mic, plus a person who says `start` now and `stop` later."""

    def __init__(self, inner: Recognizer, script: list[tuple[float, str]], stop_after: float,
                 is_fresh_playing: Any) -> None:
        self.sample_rate = inner.sample_rate
        self._inner = inner
        self._script, self._stop_after = list(script), stop_after
        self._fresh = is_fresh_playing
        self.t0: float | None = None
        self.stop_heard: float | None = None
        self._samples = 0

    def accept(self, pcm: bytes) -> list[Detection]:
        out = self._inner.accept(pcm)
        self._samples += len(pcm) // 2
        t = self._samples / self.sample_rate
        now = time.monotonic()
        if self.t0 is None:
            self.t0 = now
        if self._script and now - self.t0 >= self._script[0][0]:
            out.append(Detection(t, self._script.pop(0)[1]))
        elif self.stop_heard is None and now - self.t0 >= self._stop_after and self._fresh(now):
            self.stop_heard = now
            out.append(Detection(t, "stop"))
        return out

    def flush(self) -> list[Detection]:
        return self._inner.flush()

    def restrict(self, phrases: frozenset[str] | None) -> None:
        self._inner.restrict(phrases)

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        self._inner.listen_for(phrases)


class SpeakerTap:
    """The real Speaker, with the moment each StopSpeaking reached it noted."""

    def __init__(self, speaker: Speaker) -> None:
        self.speaker = speaker
        self.stop_times: list[float] = []

    def handle(self, effect: Say | StopSpeaking) -> None:
        if isinstance(effect, StopSpeaking):
            self.stop_times.append(time.monotonic())
        self.speaker.handle(effect)

    @property
    def busy(self) -> bool:
        return self.speaker.busy

    def stop(self) -> None:
        self.speaker.stop()

    def close(self) -> None:
        self.speaker.close()


def live_segment(seconds: float, start: str, pace: float) -> dict[str, Any]:
    """Run `start` for `seconds` of wall time, then say stop while the coach speaks; the timings."""
    from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer

    content, grammar = load(None)
    coach = TimedCoach(content, grammar, pace=pace)
    renderer = Renderer()
    renderer.start()
    renderer.warm([coach.rate])  # as `voicecoach run` does before a session
    sink = RealRateSink()
    started: dict[int, float] = {}
    lock = threading.Lock()

    def fresh_playing(now: float) -> bool:
        with lock:
            return any(0.0 <= now - t <= 0.15 for t in started.values()) and tap is not None and tap.busy

    tap: SpeakerTap | None = None

    def open_speaker(on_started: Any, on_finished: Any, on_played: Any) -> SpeakerTap:
        nonlocal tap

        def noted(uid: int, t: float) -> None:
            with lock:
                started[uid] = t
            on_started(uid, t)

        tap = SpeakerTap(Speaker(sink, renderer, on_started=noted, on_finished=on_finished))
        return tap

    # The person starts the exercise, answers the pain check-in's question with "skip" (it is asked at once, and
    # no count comes before an answer), then says "next" twice to skip the safety notice and the introduction.
    script = [(0.0, start), (0.3, "skip"), (0.9, "next"), (1.5, "next")]
    recognizer = ScriptedRecognizer(PocketSphinxRecognizer(grammar.phrases()), script, seconds, fresh_playing)
    # One session: the stop trial ends it.
    loop = LiveLoop(coach, HearingPath(recognizer, grammar), SilentMic(), open_speaker, print_fn=lambda s: None,
                    exit_when_session_ends=True)
    guard = threading.Timer(seconds + 60.0, loop.stopping.set)  # never hang the harness
    guard.daemon = True
    guard.start()
    loop.run()
    guard.cancel()
    assert tap is not None
    onsets = [(d, started[uid] - d) for uid, d in sorted(coach.count_deadlines.items()) if uid in started]
    onset_ms = np.array([o for _, o in onsets]) * 1000.0
    heard = recognizer.stop_heard
    stop_t = next((t for t in tap.stop_times if heard is not None and t >= heard), None)
    cut = next((p for p in sink.played if p.cut and stop_t is not None and p.start <= stop_t <= p.end + 1e-3), None)
    return {
        "segment_s": seconds,
        "script": [p for _, p in script] + ["stop"],
        "pace": pace,
        "counts": len(onsets),
        "count_onset_ms": [round(float(x), 2) for x in onset_ms],
        "count_onset_p50_ms": _pct(onset_ms, 50),
        "count_onset_p99_ms": _pct(onset_ms, 99),
        "count_onset_max_ms": round(float(onset_ms.max()), 2) if len(onset_ms) else None,
        "drift_ms": round(float(onset_ms[-1] - onset_ms[0]), 2) if len(onset_ms) >= 2 else None,
        "drift_span_s": round(onsets[-1][0] - onsets[0][0], 2) if len(onsets) >= 2 else None,
        "stop_to_silence_ms": round((cut.end - stop_t) * 1000.0, 2) if cut is not None and stop_t else None,
        "heard_to_silence_ms": round((cut.end - heard) * 1000.0, 2) if cut is not None and heard else None,
        "cut_text": cut.text if cut is not None else None,
    }


def stop_trials(n: int = STOP_TRIALS, seed: int = 3) -> list[float]:
    """Cut a long instruction n times at random moments through a real Speaker; StopSpeaking to sink end, ms."""
    rng = random.Random(seed)
    renderer = Renderer()
    renderer.start()
    sink = RealRateSink()
    started = threading.Event()
    finished: dict[int, float] = {}
    done = threading.Condition()

    def on_finished(uid: int, t: float) -> None:
        with done:
            finished[uid] = t
            done.notify_all()

    out = []
    with Speaker(sink, renderer, on_started=lambda uid, t: started.set(), on_finished=on_finished) as speaker:
        for uid in range(1, n + 1):
            started.clear()
            speaker.say(Say(uid, "Lie down on your back and bend the knees, placing the feet flat on the floor.", 150))
            started.wait(10)
            time.sleep(rng.uniform(0.2, 1.0))
            t = time.monotonic()
            speaker.stop()
            with done:
                done.wait_for(lambda u=uid: u in finished, 10)  # type: ignore[misc]
            played = next(p for p in sink.played if p.utterance_id == uid)
            out.append(round((played.end - t) * 1000.0, 2))
    return out


def _pct(values: np.ndarray, q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if len(values) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--start", default="start pelvic tilts")
    parser.add_argument("--pace", type=float, default=1.0)
    parser.add_argument("--trials", type=int, default=STOP_TRIALS)
    args = parser.parse_args()
    result = live_segment(args.seconds, args.start, args.pace)
    result["stop_trials_ms"] = stop_trials(args.trials)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
