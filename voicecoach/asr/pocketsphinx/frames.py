"""PCM at any rate in; the endpointer's 16 kHz frames out, each with a noise-suppressed copy for the decisions."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from webrtc_noise_gain import AudioProcessor

from voicecoach.asr.pocketsphinx.model import FRAME_SAMPLES, MODEL_RATE


class Frames:
    """Cuts a stream into frames of `frame_bytes` at the model's rate, resampling first if it comes at another."""

    def __init__(self, sample_rate: int, frame_bytes: int, noise_suppression: int) -> None:
        """`noise_suppression`: the WebRTC suppressor's level, 0 (off) to 4 (SphinxSettings.noise_suppression)."""
        self.frame_bytes = frame_bytes
        self._suppressor = AudioProcessor(0, noise_suppression) if noise_suppression else None
        self._resampler = None
        if sample_rate != MODEL_RATE:
            import soxr  # only needed off 16 kHz

            self._resampler = soxr.ResampleStream(sample_rate, MODEL_RATE, 1, dtype="int16")
        self._buf = b""

    def split(self, pcm: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Each whole frame the stream now holds, as (raw, noise-suppressed); the rest waits for more."""
        if self._resampler is not None:
            pcm = self._resampler.resample_chunk(np.frombuffer(pcm, dtype="<i2")).astype("<i2").tobytes()
        buf = self._buf + pcm
        fb = self.frame_bytes
        n = len(buf) // fb
        self._buf = buf[n * fb :]
        for i in range(n):
            frame = buf[i * fb : (i + 1) * fb]
            # Every frame, in or out of a segment: the suppressor tracks the noise continuously.
            yield frame, self._suppressed(frame)

    def end(self) -> bytes:
        """End of stream: the samples short of a whole frame (the resampler's last ones included), then forgotten."""
        if self._resampler is not None:
            self._buf += self._resampler.resample_chunk(np.zeros(0, dtype=np.int16), last=True).astype(
                "<i2").tobytes()
        rest, self._buf = self._buf, b""
        return rest

    def _suppressed(self, frame: bytes) -> bytes:
        """The frame as the batch decisions hear it: noise-suppressed 10 ms at a time (the processor's unit)."""
        if self._suppressor is None:
            return frame
        step = 2 * FRAME_SAMPLES
        return b"".join(self._suppressor.Process10ms(frame[i : i + step]).audio for i in range(0, len(frame), step))
