"""Rooms a person lies on the floor of, simulated by the image method (pyroomacoustics): their impulse responses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicecoach.testing import speech

RATE = speech.RATE


@dataclass(frozen=True)
class Room:
    """A shoebox room: the mouth 0.2 m above the floor, 1 to 3 m from a microphone on a shelf."""

    size: tuple[float, float, float]
    mouth: tuple[float, float, float]
    microphone: tuple[float, float, float]
    rt60: float
    """As asked of Sabine's formula; `measured` is what the impulse response decays at."""
    measured: float
    response: npt.NDArray[np.float64]

    @property
    def distance(self) -> float:
        return float(np.linalg.norm(np.subtract(self.mouth, self.microphone)))


def draw(rng: np.random.Generator) -> Room:
    """A furnished room of 3.5-5.5 x 3-4.5 x 2.4-2.8 m with a reverberation time of 0.3 to 0.6 s; the microphone on
    a shelf 1.0 to 1.5 m high by a wall, the mouth on the floor 1 to 3 m from it (pyroomacoustics needed)."""
    import pyroomacoustics as pra

    size = (float(rng.uniform(3.5, 5.5)), float(rng.uniform(3.0, 4.5)), float(rng.uniform(2.4, 2.8)))
    rt60 = float(rng.uniform(0.3, 0.6))
    mic = (0.25, float(rng.uniform(0.5, size[1] - 0.5)), float(rng.uniform(1.0, 1.5)))
    while True:  # the mouth on the floor, 1 to 3 m from the shelf along the floor, inside the room
        d, angle = float(rng.uniform(1.0, 3.0)), float(rng.uniform(-1.2, 1.2))
        mouth = (mic[0] + d * np.cos(angle), mic[1] + d * np.sin(angle), 0.2)
        if 0.3 < mouth[0] < size[0] - 0.3 and 0.3 < mouth[1] < size[1] - 0.3:
            break
    absorption, order = pra.inverse_sabine(rt60, list(size))
    shoebox = pra.ShoeBox(list(size), fs=RATE, materials=pra.Material(absorption), max_order=order)
    shoebox.add_source(list(mouth))
    shoebox.add_microphone(list(mic))
    shoebox.compute_rir()
    response = np.asarray(shoebox.rir[0][0], dtype=np.float64)
    return Room(size, (float(mouth[0]), float(mouth[1]), 0.2), mic, rt60,
                float(pra.experimental.measure_rt60(response, RATE)), response)


def from_the_floor(audio: speech.Audio, room: Room) -> speech.Audio:
    """`audio` said on the room's floor as its microphone hears it: with the room's reverberation after it, at the
    dry audio's active level (the microphone's gain). The same as speech.through_room(tail=True), by FFT."""
    n = len(audio) + len(room.response) - 1
    size = 1 << (n - 1).bit_length()
    wet = np.fft.irfft(np.fft.rfft(audio.astype(np.float64), size) * np.fft.rfft(room.response, size), size)[:n]
    rms = speech.active_rms(speech.to_int16(wet / 32767.0)) or 1.0
    return speech.to_int16(wet * (speech.active_rms(audio) / rms) / 32767.0)
