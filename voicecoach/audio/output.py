"""Playing clips on a real sound device, with start and end times taken from the stream."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from voicecoach.audio.clip import Clip, Samples
from voicecoach.audio.devices import load_sounddevice, refresh_devices, resolve_device
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
    The stream can be closed and opened again around other work (while_closed), so that
    PortAudio may be restarted to re-read its device list without a stream left dangling.
    """

    def __init__(
        self,
        device: str | int | None = None,
        *,
        clock: Clock = time.monotonic,
        blocksize: int = 512,
        latency: str | float = "low",
    ) -> None:
        self._device = device  # kept as given: after a device refresh, indexes may have changed, names not
        self._clock = clock
        self._blocksize = blocksize
        self._latency = latency
        self._current: _Playback | None = None
        self._last_callback = clock()
        self._stream: Any = None
        self._broken = ""  # why the stream could not be opened again; play() reports it
        self._closed = False
        # Held by play() for a whole clip and by while_closed() while the stream is shut:
        # the speaker's thread never finds the stream closed under it mid-clip.
        self._lock = threading.Lock()
        self._open()

    def _open(self) -> None:
        """Open and start the output stream on the device asked for; AudioUnavailable if it cannot be."""
        sd = load_sounddevice()
        try:
            index = None if self._device is None else resolve_device(self._device, "output").index
            self.sample_rate = self._choose_rate(sd, index)
            # Assigned before start(): the callback reads self._stream.latency.
            self._stream = sd.OutputStream(
                device=index,
                samplerate=self.sample_rate,
                channels=1,
                dtype="float32",
                blocksize=self._blocksize,
                latency=self._latency,
                callback=self._callback,
            )
            self._last_callback = self._clock()
            self._stream.start()
            self.device_name = str(sd.query_devices(self._stream.device)["name"])
        except sd.PortAudioError as exc:
            self._close_stream()
            raise AudioUnavailable(f"cannot open the audio output: {exc}") from None

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        self._current = None
        if stream is not None:
            try:
                stream.close()
            except Exception as exc:  # closing a stream on an unplugged device may fail; nothing to do then
                log.debug("closing the output stream failed: %s", exc)

    def while_closed(self, work: Callable[[], object], timeout: float = 10.0) -> bool:
        """Close the stream, run `work`, then open the stream again on the same device (looked up anew).

        Waits up to `timeout` for a clip that is playing to end; returns False, without running `work`,
        if it is still playing then. If the stream cannot be opened again, the next play() raises
        AudioUnavailable, so the speaker goes on in print and says so once.
        """
        if not self._lock.acquire(timeout=timeout):
            return False
        try:
            self._close_stream()
            try:
                work()
            finally:
                if not self._closed:
                    try:
                        self._open()
                        self._broken = ""
                    except AudioUnavailable as exc:
                        self._broken = str(exc)
                        log.warning("the audio output could not be opened again: %s", exc)
            return True
        finally:
            self._lock.release()

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
        with self._lock:
            if self._stream is None:
                raise AudioUnavailable(self._broken or "the audio output is closed")
            return self._play(clip.audio.samples, clip.audio.sample_rate, cut, on_start)

    def _play(self, samples: Samples, sample_rate: int, cut: threading.Event,
              on_start: Callable[[float], None]) -> float:
        if sample_rate != self.sample_rate:
            import soxr

            samples = soxr.resample(samples, sample_rate, self.sample_rate).astype(np.float32)
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
        self._closed = True
        playing = self._current
        if playing is not None:
            playing.cut = True  # play() returns at the callback's next block
        # Wait a little for play() to let go; close anyway after that (as before: it is the end).
        locked = self._lock.acquire(timeout=1.0)
        try:
            self._close_stream()
        finally:
            if locked:
                self._lock.release()


def refresh_devices_around(speaker: object, timeout: float = 10.0) -> bool:
    """Make PortAudio re-read its device list, with the speaker's output stream closed around it.

    `speaker` is a Speaker (its current sink is used) or a sink. Returns False, having done nothing,
    when a clip was still playing after `timeout`: try again later. Raises AudioUnavailable if
    PortAudio cannot be restarted.

    Checked with devices that ALSA's configuration adds and removes (the null plugin, in
    tests/adapters/test_audio_refresh.py). Not checked on hardware: a real USB microphone or speaker
    replugged on a Pi, how long the restart takes there, and whether the output reopens without a click.
    """
    sink = getattr(speaker, "sink", speaker)
    if isinstance(sink, SoundDeviceSink):
        return sink.while_closed(refresh_devices, timeout)
    refresh_devices()  # no stream of ours is open (printing, or a sink without a device)
    return True
