"""The general recognizer, with the person's enrolled takes voting on every speech segment it is silent on."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.asr.embedding import FRAME_S, WINDOW_S, SpeechEmbedding
from voicecoach.asr.enrolled.dtw import unit
from voicecoach.asr.enrolled.matcher import Matcher
from voicecoach.asr.enrolled.segments import Segment, Segmenter
from voicecoach.asr.enrolled.takes import RATE, around

# Theory of operation
# -------------------
# The general recognizer hears everything as it always has, and its commits pass through untouched. Beside it,
# an endpointer of its own cuts the same audio into speech segments; each ended segment is embedded and matched
# against the person's takes. When a take is near enough, its command is a vote, held for `grace` seconds of
# audio: if the general recognizer commits anything about that segment in the meantime, the vote is dropped
# (one command per segment, and the general recognizer's word stands); else the vote commits. So enrolment
# adds what the general recognizer misses in the person's voice (noise, their own way of saying it) and never
# takes a command away.


@dataclass(frozen=True)
class EnrolledSettings:
    grace: float = 1.0
    """Seconds after a segment ends that the general recognizer has to commit first."""
    before: float = 0.5
    """A general commit this long before a segment began still counts as about it (its endpointer runs ahead)."""
    longest: float = 1.6
    """A segment with more frames than this times the longest take's is everyday talk, never matched."""
    keep: float = 8.0
    """Seconds of recent audio kept to cut segments from."""


@dataclass
class _Vote:
    phrase: str
    start: float
    end: float


class EnrolledRecognizer:
    """`general`'s commits, and the enrolled matcher's on the segments `general` commits nothing in."""

    def __init__(self, general: Recognizer, matcher: Matcher, embedding: SpeechEmbedding,
                 settings: EnrolledSettings | None = None) -> None:
        if general.sample_rate != RATE:
            raise ValueError(f"the enrolled matcher hears {RATE} Hz audio, not {general.sample_rate} Hz")
        self.general = general
        self.matcher = matcher
        self.embedding = embedding
        self.settings = settings or EnrolledSettings()
        self.sample_rate = RATE
        self._segments = Segmenter(self.settings.keep)
        self._votes: list[_Vote] = []
        self._general_times: list[float] = []  # recent general commits
        self._listening: frozenset[str] | None = None
        self._restricted: frozenset[str] | None = None
        self._longest = max(len(take.frames) for take in matcher.takes) * self.settings.longest

    # --- the Recognizer interface ---------------------------------------

    def accept(self, pcm: bytes) -> list[Detection]:
        out = self._general(self.general.accept(pcm))
        for segment in self._segments.feed(pcm):
            self._segment_ended(segment)
        return out + self._due(self._segments.samples / RATE)

    def flush(self) -> list[Detection]:
        out = self._general(self.general.flush())
        for segment in self._segments.flush():
            self._segment_ended(segment)
        return out + self._due(float("inf"))

    def restrict(self, phrases: frozenset[str] | None) -> None:
        self._restricted = phrases
        self.general.restrict(phrases)

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        self._listening = phrases
        self.general.listen_for(phrases)

    # --- the segments ---------------------------------------------------

    def _general(self, detections: list[Detection]) -> list[Detection]:
        self._general_times += [d.t for d in detections]
        return detections

    def _segment_ended(self, segment: Segment) -> None:
        cut = around(segment.audio, *segment.span)
        if (len(cut) / RATE - WINDOW_S) / FRAME_S + 1 > self._longest:
            return  # longer than any command said slowly: talk, and not worth embedding
        frames = unit(self.embedding.embed(cut))
        allowed = self._allowed()
        match = self.matcher.decide(frames, allowed)
        if match is not None:
            self._votes.append(_Vote(match.phrase, segment.start / RATE, segment.end / RATE))

    def _allowed(self) -> frozenset[str] | None:
        if self._listening is None:
            return self._restricted
        return self._listening if self._restricted is None else self._listening & self._restricted

    def _due(self, now: float) -> list[Detection]:
        out = []
        s = self.settings
        for vote in list(self._votes):
            spoken = any(vote.start - s.before <= t <= vote.end + s.grace for t in self._general_times)
            if spoken:
                self._votes.remove(vote)
            elif now >= vote.end + s.grace:
                self._votes.remove(vote)
                out.append(Detection(min(now, vote.end + s.grace), vote.phrase))
        horizon = now - s.keep
        self._general_times = [t for t in self._general_times if t >= horizon]
        return out

