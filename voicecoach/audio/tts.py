"""Text to audio with pyttsx3's espeak driver, rendered to WAV files on one dedicated thread."""

from __future__ import annotations

import atexit
import logging
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.audio.clip import Audio
from voicecoach.audio.errors import ESPEAK_MISSING, TTSError, TTSUnavailable

log = logging.getLogger(__name__)

COUNT_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "relax")

# Below this level a sample counts as silence when trimming the pause espeak appends.
_SILENCE = 1e-3
# Silence kept after the last sound, so words do not end abruptly.
_KEEP_TAIL_S = 0.05


@dataclass
class _Request:
    text: str
    rate: int
    future: Future[Audio]


class _EspeakThread:
    """Owns the process's one pyttsx3 engine; every call into it happens on this thread.

    pyttsx3 2.99's run loop is racy (COMPONENTS.md), so each render follows a fixed protocol:
    wait until espeak is idle, set the rate directly and wait until espeak has applied it,
    then save_to_file + runAndWait, then wait for the finished-utterance event and the file.
    Skipping the idle wait lets runAndWait call espeak's Cancel, which drops the queued rate
    change, so an utterance came out at the previous utterance's rate.
    """

    def __init__(self, timeout: float = 10.0) -> None:
        self._timeout = timeout
        self._requests: queue.Queue[_Request] = queue.Queue()
        self._ready: Future[None] = Future()
        self._finished = threading.Condition()
        self._dir = Path(tempfile.mkdtemp(prefix="voicecoach-tts-"))
        atexit.register(shutil.rmtree, self._dir, True)
        self._count = 0
        # Daemon: espeak cannot be shut down cleanly from Python, and rendering must not block exit.
        self._thread = threading.Thread(target=self._run, name="voicecoach-tts", daemon=True)
        self._thread.start()

    def start(self) -> None:
        """Block until the engine is up; raise TTSUnavailable if it cannot start."""
        self._ready.result()

    def render(self, text: str, rate: int) -> Audio:
        self.start()
        request = _Request(text, rate, Future())
        self._requests.put(request)
        return request.future.result()

    def _run(self) -> None:
        try:
            engine, driver, espeak = self._init_engine()
        except TTSUnavailable as exc:
            self._ready.set_exception(exc)
            return
        self._ready.set_result(None)
        while True:
            request = self._requests.get()
            try:
                request.future.set_result(self._render(engine, driver, espeak, request.text, request.rate))
            except Exception as exc:  # one failed utterance must not kill the renderer
                request.future.set_exception(exc if isinstance(exc, TTSError) else TTSError(str(exc)))

    def _init_engine(self) -> tuple[Any, Any, Any]:
        try:
            import pyttsx3
            import pyttsx3.drivers.espeak as driver
            from pyttsx3.drivers import _espeak as espeak

            # The driver prints "Audio saved to ..." on every file; route it to the debug log instead.
            driver.print = lambda *args, **_: log.debug(" ".join(str(a) for a in args))
            engine = pyttsx3.init("espeak")
        except Exception as exc:  # pyttsx3 raises RuntimeError/OSError/ImportError variously
            raise TTSUnavailable(f"{ESPEAK_MISSING} ({type(exc).__name__}: {exc})") from None
        engine.connect("finished-utterance", self._on_finished)
        self._engine = engine  # pyttsx3 keeps engines in a WeakValueDictionary: hold it
        return engine, driver, espeak

    def _on_finished(self, name: object = None, completed: bool = True) -> None:
        # Runs on espeak's own thread: only wake the renderer.
        with self._finished:
            self._finished.notify_all()

    def _wait_idle(self, espeak: Any, rate: int | None = None) -> None:
        deadline = time.monotonic() + self._timeout
        while espeak.IsPlaying() or (rate is not None and espeak.GetParameter(espeak.RATE) != rate):
            if time.monotonic() > deadline:
                raise TTSError("espeak did not become idle")
            time.sleep(0.001)

    def _render(self, engine: Any, driver: Any, espeak: Any, text: str, rate: int) -> Audio:
        import soundfile

        self._count += 1
        path = self._dir / f"u{self._count}.wav"
        self._wait_idle(espeak)
        # Set directly: engine.setProperty goes through pyttsx3's queue, which its run loop may clear.
        driver.EspeakDriver.setProperty("rate", int(rate))
        self._wait_idle(espeak, int(rate))
        engine.save_to_file(text, str(path))
        engine.runAndWait()
        with self._finished:
            if not self._finished.wait_for(path.exists, self._timeout):
                raise TTSError(f"espeak did not finish rendering {text!r}")
        self._wait_idle(espeak)  # the file is written just before espeak's thread goes idle
        try:
            samples, sample_rate = soundfile.read(str(path), dtype="float32", always_2d=False)
        finally:
            path.unlink(missing_ok=True)
        if samples.ndim > 1:
            samples = samples[:, 0]
        return Audio(np.ascontiguousarray(samples, dtype=np.float32), int(sample_rate))


_shared: _EspeakThread | None = None
_shared_lock = threading.Lock()


def _espeak_thread() -> _EspeakThread:
    """The process-wide engine thread (pyttsx3.init returns one engine per process)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = _EspeakThread()
        return _shared


def trim_silence(audio: Audio, keep_tail: float = _KEEP_TAIL_S) -> Audio:
    """Drop leading silence and the trailing pause espeak adds, keeping a short tail."""
    loud = np.flatnonzero(np.abs(audio.samples) > _SILENCE)
    if len(loud) == 0:
        return audio
    end = min(len(audio.samples), int(loud[-1]) + 1 + int(keep_tail * audio.sample_rate))
    return Audio(audio.samples[int(loud[0]) : end].copy(), audio.sample_rate)


def _normalise(text: str) -> str:
    return text.strip().strip(".,!?;:").strip().lower()


class Renderer:
    """Renders text to Audio; count words are cached per rate so a count starts on its deadline."""

    def __init__(self, cache_words: Iterable[str] = COUNT_WORDS, trim: bool = True) -> None:
        self._engine = _espeak_thread()
        self._cache_words = frozenset(_normalise(w) for w in cache_words)
        self._trim = trim
        self._cache: dict[tuple[str, int], Audio] = {}
        self._lock = threading.Lock()
        self.renders = 0  # how many times espeak actually ran (the cache's tests read it)

    def start(self) -> None:
        """Start espeak now; raises TTSUnavailable with the package to install."""
        self._engine.start()

    def render(self, text: str, rate: int, cache: bool | None = None) -> Audio:
        """`text` spoken at `rate` words per minute; `cache` None caches only the count words."""
        if not text.strip():
            raise TTSError("nothing to say")
        key = (_normalise(text), int(rate))
        cacheable = key[0] in self._cache_words if cache is None else cache
        if cacheable:
            with self._lock:
                hit = self._cache.get(key)
            if hit is not None:
                return hit
        audio = self._engine.render(text, int(rate))
        with self._lock:
            self.renders += 1
        if self._trim:
            audio = trim_silence(audio)
        if cacheable:
            with self._lock:
                audio = self._cache.setdefault(key, audio)
        return audio

    def warm(self, rates: Iterable[int]) -> None:
        """Render every count word at each rate now, before the session needs them."""
        for rate in rates:
            for word in sorted(self._cache_words):
                self.render(word, rate, cache=True)
