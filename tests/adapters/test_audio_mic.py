"""The microphone: opening with no device, the callback's queue, resampling, and reconnect backoff."""

from __future__ import annotations

import time

import numpy as np
import pytest

from voicecoach.audio.errors import AudioUnavailable, MicrophoneLost
from voicecoach.audio.mic import TARGET_RATE, Backoff, Microphone, Resampler, reconnect

try:
    import sounddevice
except OSError:  # no libportaudio2: test_audio_devices covers that case
    pytest.skip("PortAudio is not installed", allow_module_level=True)


def no_input_device() -> bool:
    return not any(d["max_input_channels"] > 0 for d in sounddevice.query_devices())


@pytest.mark.skipif(not no_input_device(), reason="this machine has a microphone")
@pytest.mark.parametrize("device", [None, "usb", 3])
def test_open_with_no_microphone_says_what_to_do(device: str | int | None) -> None:
    with pytest.raises(AudioUnavailable) as info:
        Microphone(device).open()
    message = str(info.value)
    assert "plug in a USB microphone" in message
    assert "voicecoach devices" in message
    assert "\n" not in message


def test_reading_a_closed_microphone_raises_microphone_lost() -> None:
    mic = Microphone("usb")
    assert not mic.is_alive()
    with pytest.raises(MicrophoneLost, match="not open"):
        mic.read(timeout=0.01)


def block(value: int, frames: int = 800) -> np.ndarray:
    return np.full((frames, 1), value, dtype=np.int16)


def test_callback_drops_the_oldest_block_and_counts_overflows() -> None:
    mic = Microphone(max_blocks=3)
    ok, overflow = sounddevice.CallbackFlags(), sounddevice.CallbackFlags()
    overflow.input_overflow = True
    for value in range(1, 6):
        mic._callback(block(value), 800, None, overflow if value == 2 else ok)
    assert mic.drops == 2
    assert mic.overflows == 1
    got = [np.frombuffer(mic.read(timeout=0.1), dtype="<i2")[0] for _ in range(3)]
    assert got == [3, 4, 5]  # the newest audio survives


def test_callback_copies_the_buffer_it_is_lent() -> None:
    mic = Microphone()
    data = block(7)
    mic._callback(data, 800, None, sounddevice.CallbackFlags())
    data[:] = 0  # PortAudio reuses its buffer after the callback returns
    assert np.frombuffer(mic.read(timeout=0.1), dtype="<i2").tolist() == [7] * 800


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def test_resampler_turns_48k_into_16k_in_streaming_chunks() -> None:
    in_rate, seconds, tone = 48000, 2.0, 1000.0
    t = np.arange(int(in_rate * seconds)) / in_rate
    sine = (np.sin(2 * np.pi * tone * t) * 12000).astype(np.int16)
    resampler = Resampler(in_rate, TARGET_RATE)
    chunk = int(in_rate * 0.05)  # the microphone's 50 ms blocks
    pieces = [resampler.process(sine[i : i + chunk]) for i in range(0, len(sine), chunk)]
    pieces.append(resampler.process(sine[:0], last=True))
    out = np.concatenate(pieces)
    assert out.dtype == np.int16
    assert abs(len(out) - int(TARGET_RATE * seconds)) <= 2
    assert dominant_frequency(out.astype(np.float64), TARGET_RATE) == pytest.approx(tone, abs=2)
    steady = out[1000:-1000].astype(np.float64)
    assert np.sqrt(np.mean(steady**2)) == pytest.approx(12000 / np.sqrt(2), rel=0.05)


class FakeTime:
    """An injected clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_reconnect_backs_off_until_the_device_returns() -> None:
    fake = FakeTime()
    failures_left = 3

    def attempt() -> str:
        nonlocal failures_left
        if failures_left:
            failures_left -= 1
            raise AudioUnavailable("gone")
        return "mic"

    failures: list[tuple[int, float]] = []
    got = reconnect(
        attempt,
        backoff=Backoff(first=0.5, factor=2, maximum=1.5),
        sleep=fake.sleep,
        clock=fake.clock,
        on_failure=lambda n, _exc, delay: failures.append((n, delay)),
    )
    assert got == "mic"
    assert fake.sleeps == [0.5, 1.0, 1.5]
    assert failures == [(1, 0.5), (2, 1.0), (3, 1.5)]


def test_reconnect_gives_up_after_its_time_budget() -> None:
    fake = FakeTime()
    mic = Microphone("usb")  # on this machine, as on a Pi with the microphone unplugged, open() fails for real
    with pytest.raises(AudioUnavailable):
        reconnect(mic.open, backoff=Backoff(1, 2, 4), give_up_after=10, sleep=fake.sleep, clock=fake.clock)
    assert fake.sleeps == [1, 2, 4]  # a fourth wait would pass the 10 s budget
    assert fake.now - 100.0 <= 10


def test_reconnect_propagates_other_errors_at_once() -> None:
    fake = FakeTime()

    def broken() -> None:
        raise ValueError("a bug, not a missing device")

    with pytest.raises(ValueError):
        reconnect(broken, sleep=fake.sleep, clock=fake.clock)
    assert fake.sleeps == []


@pytest.mark.hardware
@pytest.mark.skipif(no_input_device(), reason="needs a microphone")
def test_real_microphone_gives_16k_pcm() -> None:
    with Microphone().open() as mic:
        data = b""
        started = time.monotonic()
        while len(data) < TARGET_RATE * 2 // 2 and time.monotonic() - started < 3:
            data += mic.read(timeout=0.5)
        assert mic.is_alive()
    assert len(data) >= TARGET_RATE  # half a second of 16-bit samples
    assert len(data) % 2 == 0


class Times:
    """PortAudio's time_info as the callback gets it: its own clock, not ours."""

    def __init__(self, adc: float, current: float) -> None:
        self.inputBufferAdcTime = adc
        self.currentTime = current
        self.outputBufferDacTime = 0.0


def test_sample_at_maps_clock_times_to_what_read_delivers() -> None:
    fake = FakeTime()  # our clock at 100.0; PortAudio's runs at 5000.0 and up
    mic = Microphone(max_blocks=2, clock=fake.clock)
    mic.device_rate, mic._resampler = 48000, Resampler(48000)  # as open() sets them for a device refusing 16 kHz
    ok = sounddevice.CallbackFlags()
    assert mic.sample_at(100.0) is None  # no block yet

    # A 50 ms block (2400 frames at 48 kHz) whose first sample the ADC took 70 ms before the callback ran.
    mic._callback(block(1000, 2400), 2400, Times(adc=4999.93, current=5000.0), ok)
    assert mic.sample_at(100.0 - 0.07) == 0
    assert mic.sample_at(100.0 - 0.07 + 0.5) == 8000

    # The next block: the sound card's clock runs 1 % fast against ours (an absurd drift, to be seen): the
    # newest block is the anchor, so the error does not add up from the stream's start.
    fake.now += 0.0505
    mic._callback(block(2000, 2400), 2400, Times(adc=4999.98, current=5000.05), ok)
    assert mic.sample_at(fake.now - 0.07) == 800
    assert mic.sample_at(fake.now) == 800 + round(0.07 * TARGET_RATE)

    # A third block while nobody reads: the queue holds two, so the oldest goes, and read() delivers
    # blocks 2 and 3 only. The third block's first sample is then sample 800 of what read() delivers.
    fake.now += 0.05
    mic._callback(block(3000, 2400), 2400, Times(adc=5000.03, current=5000.10), ok)
    assert mic.drops == 1
    assert mic.sample_at(fake.now - 0.07) == 800
    delivered = np.frombuffer(mic.read(timeout=0.1) + mic.read(timeout=0.1), dtype="<i2")
    first_of_block_3 = np.flatnonzero(delivered > 2500)[0]
    assert first_of_block_3 == 800  # exactly: soxr trims its filter's delay from what it delivers

    # A host API that gives no times (PortAudio says 0): the block's length before the callback, then.
    fake.now += 0.05
    mic._callback(block(4, 2400), 2400, Times(adc=0.0, current=0.0), ok)
    assert mic.sample_at(fake.now - 0.05) == 1600

    # Closing (as reopen() does) starts the count again: indexes of the old stream mean nothing now.
    mic.close()
    assert mic.sample_at(fake.now) is None
    fake.now += 1.0
    mic._callback(block(5, 2400), 2400, Times(adc=6000.0, current=6000.01), ok)
    assert mic.sample_at(fake.now - 0.01) == 0
