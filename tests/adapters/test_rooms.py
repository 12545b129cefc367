"""The simulated rooms the command model trains in: a person on the floor, the microphone on a shelf."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.testing import speech
from voicecoach.testing.rooms import draw, from_the_floor


def test_a_drawn_room_puts_the_mouth_on_the_floor_one_to_three_metres_from_a_microphone_on_a_shelf() -> None:
    pytest.importorskip("pyroomacoustics")
    rng = np.random.default_rng(3)
    for room in (draw(rng) for _ in range(3)):
        assert room.mouth[2] == 0.2 and 1.0 <= room.microphone[2] <= 1.5
        assert 1.0 <= np.hypot(room.mouth[0] - room.microphone[0], room.mouth[1] - room.microphone[1]) <= 3.0
        assert all(0.0 < m < s for m, s in zip(room.mouth, room.size, strict=True))
        assert 0.2 < room.measured < 1.2  # it rings, as a furnished room does, and dies away


def test_said_from_the_floor_keeps_the_dry_level_and_rings_on_as_through_room_does() -> None:
    pytest.importorskip("pyroomacoustics")
    room = draw(np.random.default_rng(5))
    dry = speech.pad(speech.white_noise(0.3, 3000.0, seed=1), 0.1, 0.0)
    wet = from_the_floor(dry, room)
    assert len(wet) == len(dry) + len(room.response) - 1
    assert abs(speech.active_rms(wet) - speech.active_rms(dry)) < 0.02 * speech.active_rms(dry)
    assert np.abs(wet[len(dry):].astype(np.float64)).max() > 100  # the room rings on after the sound
    assert np.abs(wet.astype(np.int32) - speech.through_room(dry, room.response, tail=True)).max() <= 1
