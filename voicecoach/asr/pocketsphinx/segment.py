"""One speech segment's audio as it comes in: raw for the live decoder, noise-suppressed and leveled for the
decisions, with its 10 ms levels, how long its speech lasts and whether it stands in steady noise."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from voicecoach.asr.pocketsphinx.model import DECODER_FRAME, FRAME_SAMPLES
from voicecoach.asr.pocketsphinx.settings import SphinxSettings


class Segment:
    """The frames of one segment, from a little before its first speech frame (the pre-roll) on.

    Frames are counted as the endpointer counts them (1 is the stream's first); `levels` and `raw` count 10 ms
    decoder frames from the segment's first.
    """

    def __init__(self, settings: SphinxSettings, rng: np.random.Generator, frame_bytes: int, frame_len: float, *,
                 first: int, speech_first: int, speech_last: int, voiced_lead: list[int],
                 noise: tuple[float, float] | None) -> None:
        """`first`: the endpointer frame the segment's audio starts at; `speech_first`, `speech_last`: its first and
        last speech frame so far; `voiced_lead`: which of its frames before the speech the voice detector called
        voiced (see SphinxSettings.lead_in_gain); `noise`: the noise floor before it and its waver
        (EnergyEndpointer.noise); `rng` draws the dither, across segments."""
        self.settings = settings
        self._rng = rng
        self._frame_samples = frame_bytes // 2
        self._frame_len = frame_len
        self.first = first
        self.speech_first = speech_first
        self.speech_last = speech_last
        self._voiced_lead = voiced_lead
        self._noise = noise
        self._pending: list[tuple[bytes, bytes]] = []  # (raw, noise-suppressed) frames not taken yet
        self._audio: list[bytes] = []  # raw and dithered
        self._quiet: list[bytes] = []  # noise-suppressed; dithered after leveling, in _leveled
        self._dither: list[np.ndarray] = []
        self.levels: list[float] = []
        """The raw audio's level (dB) in each 10 ms frame."""
        self.frames = 0
        """How many 10 ms frames have been taken."""

    def add(self, raw: bytes, quiet: bytes) -> None:
        """One more frame, raw and noise-suppressed; it waits until take()."""
        self._pending.append((raw, quiet))

    @property
    def waiting(self) -> int:
        """How many frames were added since the last take()."""
        return len(self._pending)

    def take(self) -> bytes | None:
        """Take in the frames added since the last call; return them raw and dithered (None if there were none)."""
        if not self._pending:
            return None
        x = np.frombuffer(b"".join(raw for raw, _ in self._pending), dtype="<i2").astype(np.float64)
        self._quiet.append(b"".join(quiet for _, quiet in self._pending))
        self._pending = []
        # A faint noise floor: on digital silence (files, zero-filled mute windows) PocketSphinx's
        # cepstral mean normalization takes log(0) and recognition collapses; a microphone never does this.
        dither = self._rng.normal(0.0, self.settings.dither, len(x))
        data = np.clip(x + dither, -32768, 32767).astype("<i2").tobytes()
        self._audio.append(data)
        self._dither.append(dither)
        n = len(x) // FRAME_SAMPLES
        if n:
            power = (x[: n * FRAME_SAMPLES].reshape(n, FRAME_SAMPLES) ** 2).mean(axis=1)
            self.levels.extend((10 * np.log10(power + 1.0)).tolist())
        self.frames += n
        return data

    @property
    def seconds(self) -> float:
        """How long the segment's audio taken so far lasts."""
        return self.frames * DECODER_FRAME

    def raw(self, first: int, last: int) -> bytes:
        """The raw, dithered audio of 10 ms frames `first` to `last` (clipped to the segment)."""
        hop = 2 * FRAME_SAMPLES
        return b"".join(self._audio)[max(0, first) * hop : (last + 1) * hop]

    def decisions(self) -> Iterator[bytes]:
        """The audio to decide the segment on, noise-suppressed and leveled; then, if wanted, the same with the
        voiced frames of its lead-in muted (SphinxSettings.lead_in_gain): in babble they are other talkers."""
        x = np.frombuffer(b"".join(self._quiet), dtype="<i2").astype(np.float64)
        yield self._leveled(x)
        if not self._voiced_lead or self.settings.lead_in_gain == 1.0:
            return
        n = self._frame_samples
        for i in self._voiced_lead:
            x[i * n : (i + 1) * n] *= self.settings.lead_in_gain
        yield self._leveled(x)

    def _leveled(self, x: np.ndarray) -> bytes:
        """Suppressed segment audio scaled to `decode_level` (active RMS), then dithered, as 16-bit PCM."""
        s = self.settings
        if s.decode_level > 0:
            n = len(x) // FRAME_SAMPLES
            if n:
                power = (x[: n * FRAME_SAMPLES].reshape(n, FRAME_SAMPLES) ** 2).mean(axis=1)
                active = power[power >= power.max() * 1e-3]  # frames within 30 dB of the loudest (speech.active_rms)
                rms = float(np.sqrt(active.mean()))
                if rms > 0:
                    x = x * min(s.decode_level / rms, 10 ** (s.max_decode_gain_db / 20))
        x = x + np.concatenate(self._dither)[: len(x)]
        return bytes(np.clip(x, -32768, 32767).astype("<i2").tobytes())

    def speech_seconds(self) -> float:
        """How long the segment's speech lasts: from its first to its last speech frame, trimmed of the frames at
        either end more than `coverage_within_db` under the loudest (the coach's echo left by the canceller)."""
        seconds = (self.speech_last - self.speech_first + 1) * self._frame_len
        per = round(self._frame_len / DECODER_FRAME)  # 10 ms levels per endpointer frame
        first = max(0, (self.speech_first - self.first) * per)
        db = np.asarray(self.levels[first : (self.speech_last - self.first + 1) * per])
        if self.settings.coverage_within_db <= 0 or len(db) == 0:
            return seconds
        loud = np.nonzero(db >= db.max() - self.settings.coverage_within_db)[0]
        return float((loud[-1] - loud[0] + 1) * DECODER_FRAME)

    def in_steady_noise(self) -> bool:
        """Whether the segment stands less than `steady_snr_db` over steady noise."""
        s = self.settings
        if self._noise is None or not self.levels:
            return False
        floor, waver = self._noise
        return waver < s.steady_waver_db and float(np.percentile(self.levels, 90)) - floor < s.steady_snr_db
