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
matched (at 30 dB, the default for a take, its words made "stop" over the coach nearer another command)."""
INSTEAD = 0.8
"""Said when another command's take was asked for, speech is stop within this times stop's threshold: stricter
than over the coach, as a take of a command much like stop must still be learned."""


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
