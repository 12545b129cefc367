"""Whether speech over the coach's voice, or said in place of a take, is "stop", by the person's own stop takes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled.conversation import STOP
from voicecoach.asr.enrolled.matcher import Matcher, Take, calibrate
from voicecoach.asr.enrolled.takes import speech_span, take_frames

LOUD_DB = 15.0
"""Speech over the coach is its frames within this many dB of the loudest: the person is far louder at the
microphone than what the echo canceller leaves of the coach, whose words would otherwise lengthen the stretch
matched (at a take's 30 dB, stop over the coach often stood nearer another command). 10 and 15 dB heard the most
stops, and no floor made another command stop (benchmarks/STOP-OVER-TUNING.md, training voices)."""
INSTEAD = 0.8
"""Said when another command's take was asked for, speech is stop within this times stop's threshold: stricter
than over the coach, as the person's own way of saying a command (never measured) must not end the enrolment.
On the training voices no other command came within 1.0, and 0.8 gave up some stops said in noise
(benchmarks/STOP-OVER-TUNING.md)."""


class StopOver:
    """A StopHearer (conversation.py): nearer one of the person's stop takes than any other command's take
    learned so far, and within stop's own threshold (calibrated on its takes alone)."""

    def __init__(self, embedding: SpeechEmbedding) -> None:
        self.embedding = embedding

    def __call__(self, takes: Sequence[Take], audio: npt.NDArray[np.int16], instead_of_take: bool) -> bool:
        stops = [take for take in takes if take.phrase == STOP]
        if len(stops) < 2:
            return False
        frames = take_frames(self.embedding, audio, speech_span(audio, LOUD_DB))
        if frames is None:
            return False
        threshold = calibrate(stops) * (INSTEAD if instead_of_take else 1.0)
        match = Matcher(takes, threshold).decide(frames)
        return match is not None and match.phrase == STOP
