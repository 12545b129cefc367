"""Playing clips on a real sound device, with start and end times taken from the stream."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from voicecoach.audio.clip import Clip, Samples
from voicecoach.audio.devices import load_sounddevice, resolve_device
from voicecoach.audio.errors import AudioUnavailable

log = logging.getLogger(__name__)

Clock = Callable[[], float]

# espeak renders at 22050 Hz; play at that rate when the device takes it, to avoid resampling.
_PREFERRED_RATE = 22050
# How often the playing thread looks at the cut flag, and how long a silent stream may go unnoticed.
_POLL_S = 0.005
_STALL_S = 1.0


class _Playback:
    """One clip handed to the stream callback; times are on the speaker's clock."""

    def __init__(self, samples: Samples) -> None:
        self.samples = samples
        self.pos = 0
        self.cut = False
        self.start: float | None = None
        self.end: float | None = None
        self.started = threading.Event()
        self.done = threading.Event()


class SoundDeviceSink:
    """A sounddevice OutputStream kept open, playing one clip at a time from its callback.

    Keeping the stream open means a clip starts within one block of being handed over,
    which the counting needs. Times come from the callback's DAC time, converted to `clock`.
    """

    def __init__(
        self,
        device: str | int | None = None,
        *,
        clock: Clock = time.monotonic,
        blocksize: int = 512,
        latency: str | float = "low",
    ) -> None:
        sd = load_sounddevice()
        self._clock = clock
        self._current: _Playback | None = None
        self._last_callback = clock()
        try:
            index = None if device is None else resolve_device(device, "output").index
            self.sample_rate = self._choose_rate(sd, index)
            self._stream: Any = sd.OutputStream(
                device=index,
                samplerate=self.sample_rate,
                channels=1,
                dtype="float32",
                blocksize=blocksize,
                latency=latency,
                callback=self._callback,
            )
            self._stream.start()
        except sd.PortAudioError as exc:
            raise AudioUnavailable(f"cannot open the audio output: {exc}") from None
        self.device_name = str(sd.query_devices(self._stream.device)["name"])

    @staticmethod
    def _choose_rate(sd: Any, index: int | None) -> int:
        try:
            sd.check_output_settings(device=index, samplerate=_PREFERRED_RATE, channels=1, dtype="float32")
            return _PREFERRED_RATE
        except (sd.PortAudioError, ValueError):
            return int(sd.query_devices(index, "output")["default_samplerate"])

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        now = self._clock()
        self._last_callback = now
        # When this block will be heard: PortAudio's DAC time relative to its current time.
        ahead = time_info.outputBufferDacTime - time_info.currentTime
        heard_at = now + (ahead if 0 <= ahead < 1 else self._stream.latency)
        pb = self._current
        if pb is None or pb.done.is_set():
            outdata.fill(0)
            return
        if pb.cut:
            outdata.fill(0)
            pb.end = heard_at
            self._current = None
            pb.done.set()
            return
        n = min(frames, len(pb.samples) - pb.pos)
        outdata[:n, 0] = pb.samples[pb.pos : pb.pos + n]
        outdata[n:].fill(0)
        if pb.pos == 0:
            pb.start = heard_at
            pb.started.set()
        pb.pos += n
        if pb.pos >= len(pb.samples):
            pb.end = heard_at + n / self.sample_rate
            self._current = None
            pb.done.set()

    def play(self, clip: Clip, cut: threading.Event, on_start: Callable[[float], None]) -> float:
        if clip.audio is None or len(clip.audio.samples) == 0:
            return self._clock()
        samples = clip.audio.samples
        if clip.audio.sample_rate != self.sample_rate:
            import soxr

            samples = soxr.resample(samples, clip.audio.sample_rate, self.sample_rate).astype(np.float32)
        pb = _Playback(np.ascontiguousarray(samples, dtype=np.float32))
        self._current = pb
        reported = False
        while not pb.done.wait(_POLL_S):
            if cut.is_set():
                pb.cut = True  # the callback goes silent at its next block
            if not reported and pb.start is not None:
                on_start(pb.start)
                reported = True
            if self._clock() - self._last_callback > _STALL_S or not self._stream.active:
                self._current = None
                raise AudioUnavailable("the audio output stopped (was the speaker unplugged?)")
        if not reported and pb.start is not None:
            on_start(pb.start)
        end = pb.end if pb.end is not None else self._clock()
        # Report the end only once it has been heard (what is in the device buffer plays out anyway),
        # so the microphone is not unmuted early.
        remaining = end - self._clock()
        if remaining > 0:
            time.sleep(remaining)
        return end

    def close(self) -> None:
        self._current = None
        try:
            self._stream.close()
        except Exception as exc:  # closing a stream on an unplugged device may fail; nothing to do then
            log.debug("closing the output stream failed: %s", exc)
