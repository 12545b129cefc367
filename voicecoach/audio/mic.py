"""The microphone: 16 kHz 16-bit mono PCM chunks from a sounddevice InputStream, with dead-stream detection."""

from __future__ import annotations

import contextlib
import logging
import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from voicecoach.audio.devices import DeviceInfo, load_sounddevice, resolve_device
from voicecoach.audio.errors import AudioUnavailable, MicrophoneLost

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Int16 = npt.NDArray[np.int16]

TARGET_RATE = 16000
# No callback for this long means the device is gone (ALSA often reports an unplug in no other way).
STALL_S = 1.0


class Resampler:
    """Streaming int16 mono resampling with soxr, keeping filter state between chunks."""

    def __init__(self, in_rate: int, out_rate: int = TARGET_RATE) -> None:
        import soxr

        self.in_rate, self.out_rate = in_rate, out_rate
        self._stream = soxr.ResampleStream(in_rate, out_rate, 1, dtype="int16")

    def process(self, samples: Int16, last: bool = False) -> Int16:
        """Resample the next chunk; `last` flushes what the filter still holds."""
        out: Int16 = self._stream.resample_chunk(np.ascontiguousarray(samples, dtype=np.int16), last=last)
        return out


class Microphone:
    """Records from one input device; read() returns 16-bit mono PCM bytes at 16 kHz.

    The stream callback only copies into a bounded queue (dropping the oldest block when the
    reader falls behind) and notes when its block was captured; counting, logging and resampling
    happen in read(), on the reader's thread. sample_at() maps a time on `clock` to a sample of
    what read() delivers, for the echo canceller.
    """

    def __init__(
        self,
        device: str | int | None = None,
        *,
        block_s: float = 0.05,
        max_blocks: int = 40,
        clock: Clock = time.monotonic,
        stall_s: float = STALL_S,
    ) -> None:
        self.device = device
        self.device_name: str | None = None  # kept for reconnects: indexes change on replug
        self.device_rate: int = TARGET_RATE
        self.drops = 0  # blocks thrown away because the reader was too slow
        self.overflows = 0  # blocks PortAudio reported as input_overflow
        self._logged_overflows = 0
        self._logged_drops = 0
        self._block_s = block_s
        self._blocks: queue.Queue[npt.NDArray[Any]] = queue.Queue(maxsize=max_blocks)
        self._clock = clock
        self._stall_s = stall_s
        self._stream: Any = None
        self._resampler: Resampler | None = None
        self._last_callback = 0.0
        self._error: str | None = None
        # Written only by the stream callback (and by open/close while no stream runs); see sample_at().
        self._frames = 0  # device frames that read() delivers (or will), counted up to the newest block
        self._anchor: tuple[float, float] | None = None  # (clock time, 16 kHz index) of the newest block's start

    # --- opening -------------------------------------------------------------

    def open(self) -> Microphone:
        """Open and start the stream; raises AudioUnavailable with what to do."""
        sd = load_sounddevice()
        spec = self.device_name if self.device_name is not None else self.device
        info = resolve_device(spec, "input")
        try:
            rate, channels = self._choose_settings(sd, info)
            self.device_rate = rate  # before start(): the callback converts device frames with it
            self._restart_count()
            self._stream = sd.InputStream(
                device=info.index,
                samplerate=rate,
                channels=channels,
                dtype="int16",
                blocksize=int(rate * self._block_s),
                callback=self._callback,
            )
            self._last_callback = self._clock()
            self._error = None
            self._stream.start()
        except sd.PortAudioError as exc:
            # A stream that opened but would not start still holds the device: close it, or the next
            # attempt finds the device busy (and a PortAudio restart would free it under our feet).
            self.close()
            raise AudioUnavailable(f"cannot open the microphone {info.name!r}: {exc}") from None
        self.device_name = info.name
        self._resampler = Resampler(rate, TARGET_RATE) if rate != TARGET_RATE else None
        log.info("recording from %s at %d Hz", info.name, rate)
        return self

    @staticmethod
    def _choose_settings(sd: Any, info: DeviceInfo) -> tuple[int, int]:
        """16 kHz mono if the device takes it, else its default rate (resampled later), mono if possible."""
        for rate in (TARGET_RATE, int(info.default_samplerate)):
            for channels in dict.fromkeys((1, min(2, info.max_input_channels))):
                try:
                    sd.check_input_settings(device=info.index, samplerate=rate, channels=channels, dtype="int16")
                    return rate, channels
                except (sd.PortAudioError, ValueError):
                    continue
        # Let opening the stream raise PortAudio's own reason.
        return int(info.default_samplerate), 1

    # --- the stream callback: copy only ------------------------------------------

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        now = self._last_callback = self._clock()
        if status.input_overflow:
            self.overflows += 1
        block = indata.copy()
        try:
            self._blocks.put_nowait(block)
        except queue.Full:
            # Drop the oldest block: the newest audio matters most to a person saying "stop".
            with contextlib.suppress(queue.Empty):
                self._frames -= len(self._blocks.get_nowait())  # read() will not deliver it
            self.drops += 1
            with contextlib.suppress(queue.Full):
                self._blocks.put_nowait(block)
        # Re-anchored at every block, so neither the sound card's clock drifting from `clock` nor audio lost
        # to an overflow or a drop shifts the mapping for long. soxr trims its own filter delay from the start
        # of its output, so 16 kHz sample k is device frame k * rate / 16000; only the last few ms of a block
        # come out of read() with the next one, which sample_at() does not need to know.
        self._anchor = (now - self._captured_ago(frames, time_info), self._frames * TARGET_RATE / self.device_rate)
        self._frames += frames

    def _captured_ago(self, frames: int, time_info: Any) -> float:
        """How long before the callback ran the block's first sample was captured: PortAudio's ADC time
        relative to its current time, else (a host API that does not say) the block's length plus the latency."""
        behind = -1.0
        with contextlib.suppress(AttributeError, TypeError):
            behind = float(time_info.currentTime - time_info.inputBufferAdcTime)
        if 0 < behind < 1:
            return behind
        latency = getattr(self._stream, "latency", 0.0)
        return frames / self.device_rate + (latency if isinstance(latency, float) else 0.0)

    def sample_at(self, t: float) -> int | None:
        """The index, in the 16 kHz stream read() delivers, of the sample captured at time `t` on `clock`;
        None before the stream's first block. Any thread may call it.

        Indexes count from the stream's opening: after close() or reopen() they start again at 0, and
        whoever holds indexes from before (the echo canceller) must start again too. Measured from the newest
        block, so a `t` far from now carries the clock drift since then (tens of ppm: negligible over seconds).
        """
        anchor = self._anchor
        if anchor is None:
            return None
        at, index = anchor
        return round(index + (t - at) * TARGET_RATE)

    def _restart_count(self) -> None:
        self._frames = 0
        self._anchor = None

    # --- reading ---------------------------------------------------------------

    def read(self, timeout: float = 0.5) -> bytes:
        """The next chunk of 16 kHz 16-bit mono PCM; b"" if none came within `timeout`.

        Raises MicrophoneLost when the stream has died, so the caller can reconnect().
        """
        self._log_counters()
        try:
            block = self._blocks.get(timeout=timeout)
        except queue.Empty:
            self.check()
            return b""
        mono: Int16 = block[:, 0] if block.ndim == 2 else block
        if self._resampler is not None:
            mono = self._resampler.process(mono)
        return mono.astype("<i2", copy=False).tobytes()

    def chunks(self) -> Iterator[bytes]:
        """read() forever, skipping empty results; ends by raising MicrophoneLost."""
        while True:
            data = self.read()
            if data:
                yield data

    def _log_counters(self) -> None:
        if self.overflows != self._logged_overflows:
            log.warning("microphone input overflow (%d so far); audio was lost", self.overflows)
            self._logged_overflows = self.overflows
        if self.drops != self._logged_drops:
            log.warning("the recognizer fell behind: %d microphone blocks dropped so far", self.drops)
            self._logged_drops = self.drops

    # --- health ----------------------------------------------------------------

    def dead_reason(self) -> str | None:
        """Why the stream is dead, or None while it is alive."""
        if self._stream is None:
            return "the microphone is not open"
        if self._error is not None:
            return self._error
        silent = self._clock() - self._last_callback
        if silent > self._stall_s:
            return f"no audio from the microphone for {silent:.1f} s (was it unplugged?)"
        try:
            if not self._stream.active:
                return "the microphone stream stopped"
        except Exception as exc:  # PortAudioError from a vanished device
            return f"the microphone failed: {exc}"
        return None

    def is_alive(self) -> bool:
        return self.dead_reason() is None

    def check(self) -> None:
        """Raise MicrophoneLost if the stream is dead."""
        reason = self.dead_reason()
        if reason is not None:
            raise MicrophoneLost(f"{reason}: {self.device_name or self.device}")

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception as exc:  # closing an unplugged device may fail; it is gone either way
                log.debug("closing the microphone failed: %s", exc)
        self._restart_count()  # sample_at() says None until a new stream delivers, counting from 0

    def reopen(self) -> Microphone:
        """Close and open the same device again, looked up by its name."""
        self.close()
        while not self._blocks.empty():
            self._blocks.get_nowait()
        return self.open()

    def __enter__(self) -> Microphone:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


T = TypeVar("T")


@dataclass
class Backoff:
    """Delays between reconnect attempts: first, doubling up to `maximum`."""

    first: float = 0.5
    factor: float = 2.0
    maximum: float = 5.0

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(self.maximum, delay * self.factor)


def reconnect(
    attempt: Callable[[], T],
    *,
    backoff: Backoff | None = None,
    give_up_after: float | None = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Clock = time.monotonic,
    on_failure: Callable[[int, AudioUnavailable, float], None] | None = None,
) -> T:
    """Call `attempt` until it stops raising AudioUnavailable, sleeping with backoff between tries.

    Gives up (re-raising the last error) once `give_up_after` seconds have passed on `clock`;
    None retries forever. on_failure(try_number, error, next_delay) is told about each failure.
    """
    start = clock()
    for tries, delay in enumerate((backoff or Backoff()).delays(), start=1):
        try:
            return attempt()
        except AudioUnavailable as exc:
            elapsed = clock() - start
            if give_up_after is not None and elapsed + delay > give_up_after:
                raise
            if on_failure is not None:
                on_failure(tries, exc, delay)
            else:
                log.warning("audio device unavailable (try %d), retrying in %.1f s: %s", tries, delay, exc)
            sleep(delay)
    raise AssertionError("unreachable: Backoff.delays() is endless")
