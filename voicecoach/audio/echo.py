"""Acoustic echo cancellation: the coach's own voice, as the microphone hears it, subtracted by an adaptive filter."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Real = npt.NDArray[np.float64]
Complex = npt.NDArray[np.complex128]

# Theory of operation
#
# The loudspeaker plays the reference x; the room turns it into an echo h * x that the microphone
# hears on top of the person, d = h * x + near. An adaptive FIR filter w learns h, and the output is
# e = d - w * x: the person, with the echo removed as far as w matches h.
#
# The filter is a partitioned-block frequency-domain adaptive filter (PBFDAF, the "multidelay block
# filter" MDF that Speex uses): w is cut into P partitions of one block each, so every block costs
# a handful of FFTs of twice the block size plus P complex multiply-adds per bin, instead of the
# (P * block)^2 of a time-domain filter. Each partition is updated per frequency bin by NLMS,
# normalized by that bin's reference power over the filter's span, and then constrained back to one
# block of taps (the gradient constraint), which keeps circular convolution out of the weights.
#
# Double talk (the person speaking over the echo) is the danger: the error then holds their voice,
# and a filter that learns from it diverges and starts cancelling them. The step is therefore the
# Valin/Speex "optimal learning rate": the fraction of the error that is residual echo, estimated as
# leak * |Y|^2 / |E|^2 per bin, where Y is the echo estimate and `leak` (how much of the echo estimate
# still appears in the error) is a slow linear regression between the power spectra of E and Y.
# Near-end speech raises |E| but is uncorrelated with Y, so the step falls while they speak.
# J.-M. Valin, "On adjusting the learning rate in frequency domain echo cancellation with double-talk",
# IEEE Trans. Audio, Speech and Language Processing 15(3), 2007.
#
# What the filter leaves (20 to 40 dB down: reverberation past its span, a path still being learned) is
# turned down once more, block by block, as far as the block's energy is no more than twice the residual the
# leak estimate predicts (`suppress`, the residual echo suppressor of Speex and WebRTC reduced to one band).
# The person's voice stands far above that prediction and passes at gain 1.
#
# The reference is indexed by microphone sample: play(samples, at) says which microphone samples the
# loudspeaker's output starts under. The filter reads it `lead` early, so that the echo of a playback
# whose start was estimated up to `lead` too late still lies at a non-negative delay the filter covers.
#
# Performance (measured once by hand with time.perf_counter on the 2-core x86 development machine, numpy 2.4,
# default settings, 19 partitions): 0.1 ms per 16 ms block while reference is present, RTF 0.006; with no
# reference the microphone is copied through and no FFT runs (RTF 0.00001).

# Valin's leak estimate is floored here: better than 33 dB of attenuation is not expected anyway.
_MIN_LEAK = 0.005


@dataclass(frozen=True)
class EchoSettings:
    """How the echo canceller models the path from the loudspeaker to the microphone."""

    tail: float = 0.25
    """Seconds of echo path the filter covers; room reverberation longer than this stays in the output."""

    lead: float = 0.04
    """Seconds the reference is taken ahead of its estimated start, so that a misestimated playback time
    (the two streams' clocks, jitter) still falls inside the filter; the filter grows by as much."""

    block: int = 256
    """Samples per block (256 = 16 ms at 16 kHz): the latency added, and half the FFT size."""

    step: float = 0.5
    """NLMS step size in (0, 1]: the largest share of the error the filter learns from per block."""

    silence: float = -70.0
    """dBFS: reference whose peak is below this is silence; with only silence in the filter's span
    the microphone passes through untouched and the filter does not adapt."""

    suppress: float = -20.0
    """dB: the most a block that holds only residual echo is turned down after the filter (0: never). The
    filter leaves echo 20 to 40 dB down, still speech to a voice detector on a quiet microphone, and a
    recognizer that hears it joins it to the person's words."""

    floor: float = -60.0
    """dBFS RMS of reference under which a frequency bin adapts slowly (the NLMS regularization), so that
    bins the coach's voice hardly reaches do not chase noise."""

    def __post_init__(self) -> None:
        if not self.tail > 0:
            raise ValueError(f"EchoSettings.tail must be positive seconds, not {self.tail!r}")
        if not self.lead >= 0:
            raise ValueError(f"EchoSettings.lead must be zero or positive seconds, not {self.lead!r}")
        if self.block < 2 or self.block % 2:
            raise ValueError(f"EchoSettings.block must be an even number of samples, not {self.block!r}")
        if not 0 < self.step <= 1:
            raise ValueError(f"EchoSettings.step must be in (0, 1], not {self.step!r}")


class EchoCanceller:
    """Removes from the microphone what the loudspeaker is known to have played (sans I/O: bytes in, bytes out).

    play() tells it what the loudspeaker plays and when, in microphone samples; process() takes
    microphone 16-bit mono little-endian PCM and returns it echo-cancelled, one block behind at most.
    Not thread-safe: call play() and process() from one thread, or hold a lock around both.
    """

    def __init__(self, sample_rate: int = 16000, settings: EchoSettings | None = None) -> None:
        self.sample_rate = sample_rate
        self.settings = settings if settings is not None else EchoSettings()
        s = self.settings
        n = self._n = s.block
        self._lead = round(s.lead * sample_rate)
        parts = self._parts = max(1, math.ceil((s.tail + s.lead) * sample_rate / n))
        # Everything is computed in int16 units: the reference is scaled to them on arrival.
        self._silence = 32768.0 * 10 ** (s.silence / 20)
        # |X_k|^2 of a white signal of variance v is 2n*v per bin, summed over the P partitions.
        self._delta = parts * 2 * n * (32768.0 * 10 ** (s.floor / 20)) ** 2
        # Smoothing rates of the leak estimate, per block, as Speex derives them from block and rate.
        self._spec_average = n / sample_rate
        self._beta0 = 2 * n / sample_rate
        self._beta_max = 0.5 * n / sample_rate
        self._zeros = np.zeros(n)

        self._pending = bytearray()  # microphone bytes short of a block
        self._pos = 0  # microphone samples consumed: the index of the next block's first sample
        self._ref: Real = np.zeros(0)  # filter input x[pos:], where x[i] is the reference at mic index i + lead
        self._quiet = parts  # blocks since the reference was last above silence; >= parts: nothing in the span
        self._idle = True  # the span holds only silence and the history below is zeroed
        self._x_prev: Real = np.zeros(n)
        self._X: Complex = np.zeros((parts, n + 1), np.complex128)  # spectra of the last P input windows
        self._X_power: Real = np.zeros((parts, n + 1))
        self._W: Complex = np.zeros((parts, n + 1), np.complex128)  # the filter, one row per partition
        self._E_smooth: Real = np.zeros(n + 1)
        self._Y_smooth: Real = np.zeros(n + 1)
        self._pey = 1.0
        self._pyy = 1.0
        self._adapted_blocks = 0
        self._gain = 1.0  # the residual suppressor's gain on the last sample of the last block
        self._min_gain = 10 ** (s.suppress / 20)

    # -- the reference ---------------------------------------------------------------------------

    def play(self, samples: npt.NDArray[np.float32] | npt.NDArray[np.int16], at: int) -> None:
        """The loudspeaker plays `samples` (float32 in [-1,1] or int16, at sample_rate) starting at microphone
        sample index `at` (the count of microphone samples since the stream started: the caller converts its
        clock times).

        Overlapping calls add up, as a mixer would. Reference the filter has already read (before the
        microphone position plus `lead`) is ignored, so call this at least `lead` ahead of the microphone.
        """
        x = np.asarray(samples)
        if x.ndim != 1:
            raise ValueError(f"EchoCanceller.play takes mono samples (one dimension), not shape {x.shape}")
        if x.dtype == np.int16:
            ref = x.astype(np.float64)
        elif np.issubdtype(x.dtype, np.floating):
            ref = x.astype(np.float64) * 32768.0
        else:
            raise TypeError(f"EchoCanceller.play takes float32 or int16 samples, not {x.dtype}")
        offset = at - self._lead - self._pos  # where it goes in self._ref
        if offset < 0:
            ref = ref[-offset:]
            offset = 0
        if not len(ref):
            return
        end = offset + len(ref)
        if end > len(self._ref):
            # A new array holds only what is still ahead, so memory stays bounded by the pending reference.
            grown = np.zeros(end)
            grown[: len(self._ref)] = self._ref
            self._ref = grown
        self._ref[offset:end] += ref

    def silence_from(self, at: int) -> None:
        """The loudspeaker went silent at microphone sample `at` (a cut utterance): drop the reference after it.

        Without this the filter would go on subtracting the echo of words never played, which adds the
        coach's voice, inverted, to the microphone.
        """
        offset = max(0, at - self._lead - self._pos)
        if offset < len(self._ref):
            self._ref[offset:] = 0.0

    @property
    def active(self) -> bool:
        """Whether reference audio is present around the current position (the filter is running)."""
        return self._quiet < self._parts or self._loud(self._ref[: self._n])

    @property
    def held(self) -> int:
        """Samples of reference in memory: what is still to come, plus what was consumed since the last play()
        that had to grow the store (never more than the pending reference at that time)."""
        base = self._ref.base
        return base.size if isinstance(base, np.ndarray) else self._ref.size

    # -- the microphone --------------------------------------------------------------------------

    def process(self, pcm: bytes) -> bytes:
        """Microphone 16-bit mono LE PCM in (any chunk length), echo-cancelled PCM out: every complete block,
        so output lags input by < one block; over a stream, total out == total in minus what is buffered."""
        self._pending += pcm
        size = 2 * self._n
        whole = len(self._pending) // size * size
        if not whole:
            return b""
        data = bytes(self._pending[:whole])
        del self._pending[:whole]
        if self._idle and not len(self._ref):
            # Nothing played and nothing to come: the common case, at the cost of a copy.
            self._pos += whole // 2
            return data
        return b"".join(self._block(data[i : i + size]) for i in range(0, whole, size))

    def flush(self) -> bytes:
        """The buffered remainder, processed (zero-padded internally, trimmed on output).

        For the end of a stream: the filter keeps its weights but forgets the reference history,
        so if more microphone audio follows, the echo of what played before the flush is not cancelled.
        """
        count = len(self._pending) // 2  # an odd trailing byte is half a sample: dropped
        raw = bytes(self._pending[: 2 * count])
        self._pending.clear()
        if not count:
            return b""
        fresh = self._take(count)
        self._pos += count
        if self._loud(fresh) or self._quiet < self._parts:
            n = self._n
            d = np.zeros(n)
            d[:count] = np.frombuffer(raw, "<i2")
            x = np.zeros(n)
            x[:count] = fresh
            window = np.fft.rfft(np.concatenate((self._x_prev, x)))
            spectra = np.concatenate((window[None, :], self._X[:-1]))
            y = np.fft.irfft((self._W * spectra).sum(axis=0), 2 * n)[n:]
            raw = _pcm(d - y)[: 2 * count]
        self._forget()
        return raw

    # -- the filter ------------------------------------------------------------------------------

    def _loud(self, x: Real) -> bool:
        return bool(len(x)) and float(np.max(np.abs(x))) >= self._silence

    def _take(self, count: int) -> Real:
        """The next `count` samples of filter input, silence where nothing was played; consumed."""
        got = self._ref[:count]
        self._ref = self._ref[count:]
        if len(got) < count:
            got = np.concatenate((got, np.zeros(count - len(got))))
        return got

    def _forget(self) -> None:
        """Zero the reference history (not the weights: the room is still the room)."""
        self._quiet = self._parts
        self._idle = True
        self._x_prev = np.zeros(self._n)
        self._X[:] = 0.0
        self._X_power[:] = 0.0

    def _block(self, raw: bytes) -> bytes:
        fresh = self._take(self._n)
        self._pos += self._n
        loud = self._loud(fresh)
        if not loud and self._quiet >= self._parts:
            if not self._idle:
                self._forget()
            return raw
        self._idle = False
        self._quiet = 0 if loud else self._quiet + 1
        d = np.frombuffer(raw, "<i2").astype(np.float64)
        return _pcm(self._cancel(d, fresh))

    def _cancel(self, d: Real, fresh: Real) -> Real:
        """One block of overlap-save filtering and adaptation; returns the error (the output)."""
        n = self._n
        X0 = np.fft.rfft(np.concatenate((self._x_prev, fresh)))
        self._x_prev = fresh
        X, X_power = self._X, self._X_power
        X[1:] = X[:-1]
        X[0] = X0
        X_power[1:] = X_power[:-1]
        X_power[0] = X0.real**2 + X0.imag**2
        y = np.fft.irfft((self._W * X).sum(axis=0), 2 * n)[n:]
        e = d - y

        E = np.fft.rfft(np.concatenate((self._zeros, e)))
        Y = np.fft.rfft(np.concatenate((self._zeros, y)))
        E_power = E.real**2 + E.imag**2
        Y_power = Y.real**2 + Y.imag**2
        see = float(e @ e) + 1.0
        syy = float(y @ y)
        sey = float(e @ y)

        # Leak: the regression of the error's power spectrum on the echo estimate's, each with its slow
        # average removed. Residual echo rises and falls with the echo estimate; the near end does not.
        e_dev = E_power - self._E_smooth
        y_dev = Y_power - self._Y_smooth
        self._E_smooth += self._spec_average * e_dev
        self._Y_smooth += self._spec_average * y_dev
        pyy = math.sqrt(float(y_dev @ y_dev))
        pey = float(e_dev @ y_dev) / pyy if pyy > 0 else 0.0
        # Learn the leak slowly when the error dwarfs the echo estimate (double talk, or not yet converged).
        alpha = min(self._beta0 * syy, self._beta_max * see) / see
        self._pey = (1 - alpha) * self._pey + alpha * pey
        self._pyy = max(1.0, (1 - alpha) * self._pyy + alpha * pyy)
        self._pey = min(max(self._pey, _MIN_LEAK * self._pyy), self._pyy)
        leak = self._pey / self._pyy

        if self._adapted_blocks < self._parts:
            # Until the filter has seen its whole span once, the echo estimate means nothing: plain NLMS.
            # Double talk in these first P blocks (0.3 s) of a canceller's life is learned from, unguarded.
            self._adapted_blocks += 1
            mu: Real | float = self.settings.step
        else:
            # Residual-to-error ratio over the block, at least the share of e that is correlated with y.
            rer = 3.0 * leak * syy / see
            rer = max(rer, sey * sey / ((1.0 + syy) * see))
            rer = min(rer, 0.5)
            per_bin = np.minimum(leak * Y_power / (E_power + 1.0), 0.5)
            mu = 2.0 * self.settings.step * (0.7 * per_bin + 0.3 * rer)

        # E is the spectrum of half a window (zeros, then e): twice it is a full NLMS step at mu = 1.
        gradient = X.conj() * (2.0 * mu * E / (X_power.sum(axis=0) + self._delta))
        # The gradient constraint: keep only the first block of taps of each partition.
        taps = np.fft.irfft(gradient, 2 * n, axis=1)
        taps[:, n:] = 0.0
        self._W += np.fft.rfft(taps, axis=1)
        return self._suppress(e, leak * syy, see)

    def _suppress(self, e: Real, residual: float, see: float) -> Real:
        """Turn the block down as far as its energy is the residual echo the filter expects (leak times the
        echo estimate); the person's voice stands far above that and passes at gain 1."""
        if self._min_gain >= 1.0:
            return e
        # Twice the expected residual is taken off (over-subtraction): the leak estimate is a slow average.
        target = max(self._min_gain, 1.0 - 2.0 * residual / see)
        # Open at once for a voice, close over a few blocks: a word's onset must not be cut.
        gain = target if target > self._gain else 0.5 * (self._gain + target)
        ramp = np.linspace(self._gain, gain, len(e) + 1)[1:]
        self._gain = gain
        return e * ramp


def _pcm(x: Real) -> bytes:
    return np.clip(np.rint(x), -32768, 32767).astype("<i2").tobytes()
