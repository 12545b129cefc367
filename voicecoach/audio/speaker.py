"""The speaker: plays Say effects one after another on its own thread, and cuts them on StopSpeaking."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

import numpy as np

from voicecoach.audio.clip import Audio, Clip, Samples
from voicecoach.audio.errors import AudioUnavailable, TTSError, TTSUnavailable
from voicecoach.audio.mic import TARGET_RATE
from voicecoach.audio.sinks import PrintSink
from voicecoach.audio.tts import Renderer
from voicecoach.core.events import Say, StopSpeaking

log = logging.getLogger(__name__)

Clock = Callable[[], float]
TimeCallback = Callable[[int, float], None]
PlayedCallback = Callable[[Samples, float], None]

# The rate of what on_played reports is the microphone's, so the echo canceller takes it as it is.
REFERENCE_RATE = TARGET_RATE


class Sink(Protocol):
    """Where clips go: a sound device, the real-rate sink, or the printer."""

    def play(self, clip: Clip, cut: threading.Event, on_start: Callable[[float], None]) -> float:
        """Play `clip`, calling on_start(t) when it starts; block until it ends or `cut` is set.

        Returns the time it stopped being heard, on the speaker's clock.
        """
        ...

    def close(self) -> None: ...


def _ignore(utterance_id: int, t: float) -> None:
    pass


class Speaker:
    """Plays Say effects in order on one thread; stop() cuts the current one and drops the queue.

    on_started(id, t) is called when an utterance starts being heard, and on_finished(id, t)
    exactly once for every Say accepted: when it ended, was cut, was dropped by stop(), or failed.
    on_played(samples, t), if given, comes just before on_started for every utterance with rendered
    audio: what the loudspeaker plays from t on (after volume), float32 at 16 kHz, for the echo canceller;
    a cut utterance's on_finished says when it stopped being heard. All run on the speaker's thread,
    with t on `clock`; none of them may block for long, and what they raise is logged, not passed on.
    """

    def __init__(
        self,
        sink: Sink,
        renderer: Renderer | None,
        *,
        on_started: TimeCallback = _ignore,
        on_finished: TimeCallback = _ignore,
        on_played: PlayedCallback | None = None,
        clock: Clock = time.monotonic,
        volume: float = 1.0,
        print_fn: Callable[[str], None] = print,
    ) -> None:
        self.sink: Sink = sink
        self._renderer = renderer
        self._volume = volume
        self._print = print_fn
        self._on_started = on_started
        self._on_finished = on_finished
        self._on_played = on_played
        self._clock = clock
        self._queue: deque[Say] = deque()
        self._dropped: list[int] = []
        self._cond = threading.Condition()
        self._cut = threading.Event()
        self._playing: int | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="voicecoach-speaker", daemon=True)
        self._thread.start()

    # --- called by the runtime -------------------------------------------

    def handle(self, effect: Say | StopSpeaking) -> None:
        """Act on a Say or StopSpeaking effect from the coach."""
        if isinstance(effect, Say):
            self.say(effect)
        else:
            self.stop()

    def say(self, say: Say) -> None:
        """Queue an utterance behind those already queued."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the speaker is closed")
            self._queue.append(say)
            self._cond.notify_all()

    def stop(self) -> None:
        """Cut the current utterance now and drop the queued ones."""
        with self._cond:
            self._dropped.extend(s.utterance_id for s in self._queue)
            self._queue.clear()
            self._cut.set()
            self._cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or playing; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and self._playing is None and not self._dropped, timeout)

    @property
    def busy(self) -> bool:
        """True while an utterance is playing or queued."""
        with self._cond:
            return bool(self._queue) or self._playing is not None

    def close(self) -> None:
        """Cut what plays, stop the thread and close the output."""
        self.stop()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self.sink.close()

    def __enter__(self) -> Speaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the speaker's thread ----------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._queue or self._dropped or self._closed))
                dropped = list(self._dropped)
                say = None
                if self._queue and not self._closed:
                    say = self._queue.popleft()
                    self._playing = say.utterance_id
                    self._cut.clear()  # under the lock: a stop() after this point cuts this utterance
                closed = self._closed
            self._finish_dropped(dropped)
            if say is not None:
                self._speak(say)
                with self._cond:
                    self._playing = None
                    self._cond.notify_all()
            elif closed:
                return

    def _finish_dropped(self, dropped: list[int]) -> None:
        t = self._clock()
        for uid in dropped:
            self._report(self._on_finished, uid, t)
        if dropped:
            with self._cond:
                # Removed only now, so wait_idle() does not return before they were reported.
                del self._dropped[: len(dropped)]
                self._cond.notify_all()

    def _speak(self, say: Say) -> None:
        try:
            try:
                end = self._play(say)
            except (TTSError, TTSUnavailable, AudioUnavailable) as exc:
                if isinstance(self.sink, PrintSink):
                    raise
                # The loudspeaker or the voice failed mid-session: carry on in print, and say so once.
                log.error("speaking failed (%s): printing what the coach says from now on", exc)
                self._print(f"voicecoach: printing instead of speaking: {exc}")
                failed, self.sink, self._renderer = self.sink, PrintSink(self._print, self._clock), None
                try:
                    failed.close()  # no stream of a device we gave up on stays open
                except Exception as error:
                    log.debug("closing the failed output failed: %s", error)
                end = self._play(say)
        except (TTSError, TTSUnavailable, AudioUnavailable) as exc:
            log.error("could not say %r: %s", say.text, exc)
            end = self._clock()
        except Exception:  # the speaker must keep running whatever one utterance does
            log.exception("speaker failed on %r", say.text)
            end = self._clock()
        self._report(self._on_finished, say.utterance_id, end)

    def _play(self, say: Say) -> float:
        clip = Clip(say.utterance_id, say.text, say.rate, say.kind, self._render(say))
        if self._cut.is_set():
            return self._clock()
        # Resampled before playing, not when it starts: the echo canceller needs it ahead of the microphone.
        reference = self._reference(clip.audio) if self._on_played is not None else None

        def started(t: float) -> None:
            if reference is not None and self._on_played is not None:
                try:
                    self._on_played(reference, t)
                except Exception:  # a failing listener must not stop the speech
                    log.exception("speaker on_played failed for utterance %d", say.utterance_id)
            self._report(self._on_started, say.utterance_id, t)

        return self.sink.play(clip, self._cut, started)

    @staticmethod
    def _reference(audio: Audio | None) -> Samples | None:
        """The clip as on_played reports it: float32 at REFERENCE_RATE (soxr: 0.6 ms per 5 s of speech on x86)."""
        if audio is None or not len(audio.samples):
            return None
        samples = np.asarray(audio.samples, dtype=np.float32)
        if audio.sample_rate == REFERENCE_RATE:
            return samples
        import soxr

        resampled: Samples = soxr.resample(samples, audio.sample_rate, REFERENCE_RATE).astype(np.float32, copy=False)
        return resampled

    def _render(self, say: Say) -> Audio | None:
        if self._renderer is None:
            return None
        audio = self._renderer.render(say.text, say.rate, cache=True if say.kind == "count" else None)
        if self._volume == 1.0:
            return audio
        return Audio((audio.samples * self._volume).astype(audio.samples.dtype), audio.sample_rate)

    @staticmethod
    def _report(callback: TimeCallback, uid: int, t: float) -> None:
        try:
            callback(uid, t)
        except Exception:  # a failing listener must not stop the speech
            log.exception("speaker callback failed for utterance %d", uid)


class PrintSpeaker(Speaker):
    """The fallback with no audio output: prints "coach: TEXT" and waits as long as saying it would take."""

    def __init__(
        self,
        *,
        on_started: TimeCallback = _ignore,
        on_finished: TimeCallback = _ignore,
        clock: Clock = time.monotonic,
        print_fn: Callable[[str], None] = print,
    ) -> None:
        super().__init__(PrintSink(print_fn, clock), None, on_started=on_started, on_finished=on_finished, clock=clock,
                         print_fn=print_fn)


def open_speaker(
    device: str | int | None = None,
    *,
    renderer: Renderer | None = None,
    on_started: TimeCallback = _ignore,
    on_finished: TimeCallback = _ignore,
    on_played: PlayedCallback | None = None,
    clock: Clock = time.monotonic,
    print_fn: Callable[[str], None] = print,
    volume: float = 1.0,
    required: bool = False,
) -> Speaker:
    """The real speaker on `device`, or a PrintSpeaker (announced in one line) when it cannot be opened; when
    `required`, AudioUnavailable or TTSUnavailable instead.

    on_played (see Speaker) is called only by the real speaker: a PrintSpeaker plays no audio.
    """
    try:
        from voicecoach.audio.output import SoundDeviceSink

        sink = SoundDeviceSink(device, clock=clock)
    except AudioUnavailable as exc:
        if required:
            raise
        print_fn(f"voicecoach: printing instead of speaking: {exc}")
        return PrintSpeaker(on_started=on_started, on_finished=on_finished, clock=clock, print_fn=print_fn)
    try:
        renderer = renderer if renderer is not None else Renderer()
        renderer.start()
    except TTSUnavailable as exc:
        sink.close()
        if required:
            raise
        print_fn(f"voicecoach: printing instead of speaking: {exc}")
        return PrintSpeaker(on_started=on_started, on_finished=on_finished, clock=clock, print_fn=print_fn)
    log.info("speaking on %s", sink.device_name)
    return Speaker(sink, renderer, on_started=on_started, on_finished=on_finished, on_played=on_played, clock=clock,
                   volume=volume, print_fn=print_fn)
