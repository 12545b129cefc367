"""Whether words were said on their own, judged on synthesized speech: a command alone, and one inside talk."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.asr.commands_model.island import GAP_S, Islands
from voicecoach.testing import speech

pytestmark = pytest.mark.audio


def said(text: str) -> speech.Audio:
    """`text` in espeak-ng's voice without the quiet it ends with."""
    audio = speech.synthesize(text, "en-us", 160)
    return audio[: int(np.flatnonzero(np.abs(audio) > 300)[-1]) + 1]


def judged(audio: speech.Audio, t: float, ended: bool = False) -> bool | None:
    islands = Islands()
    for chunk in speech.chunks(audio, 1600):
        islands.add(chunk)
    return islands.judge(t, ended=ended)


def test_a_command_said_on_its_own_is_an_island() -> None:
    word = said("next")
    audio = speech.pad(word, 1.0, 0.8)
    assert judged(audio, 1.0 + len(word) / speech.RATE) is True


def test_the_quiet_after_must_come_before_the_verdict() -> None:
    word = said("stop")
    audio = speech.pad(word, 1.0, GAP_S / 2)
    end = 1.0 + len(word) / speech.RATE
    assert judged(audio, end) is None
    assert judged(audio, end, ended=True) is True


def test_a_command_inside_a_sentence_is_not_an_island() -> None:
    before = said("I told her we should not")
    word = said("stop")
    after = said("at the shop on the way home tonight")
    audio = speech.pad(np.concatenate([before, word, after]), 1.0, 0.8)
    at = 1.0 + (len(before) + len(word)) / speech.RATE
    assert judged(audio, at) is False


def test_a_command_at_the_end_of_a_sentence_longer_than_any_command_is_not_an_island() -> None:
    talk = said("and then you just keep on going with the exercise until it hurts")
    audio = speech.pad(talk, 1.0, 0.8)
    assert judged(audio, 1.0 + len(talk) / speech.RATE) is False


def test_a_command_with_no_quiet_before_it_in_the_stream_is_not_an_island() -> None:
    word = said("stop")
    audio = speech.pad(word, 0.0, 0.8)
    assert judged(audio, len(word) / speech.RATE) is False


def test_silence_alone_is_no_island() -> None:
    assert judged(speech.white_noise(2.0, 30.0), 1.5) is False


def test_words_that_began_before_a_moment_are_not_judged_an_island_after_it() -> None:
    """The coach's own words, heard before the restriction ended, do not count as the person's."""
    word = said("five")
    audio = speech.pad(word, 1.0, 0.8)
    end = 1.0 + len(word) / speech.RATE
    islands = Islands()
    for chunk in speech.chunks(audio, 1600):
        islands.add(chunk)
    assert islands.judge(end) is True
    assert islands.judge(end, since=1.2) is False
