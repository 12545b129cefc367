"""Barge-in while the coach speaks: a live decoder places commands as they come, and a restricted one commits
when it is clearly louder than the rest of the segment and the verify grammar, on its frames alone, agrees."""

from __future__ import annotations

import numpy as np

from voicecoach.asr.pocketsphinx.decoys import token_phrase
from voicecoach.asr.pocketsphinx.model import DECODER_FRAME, decoded_words
from voicecoach.asr.pocketsphinx.searches import Searches
from voicecoach.asr.pocketsphinx.segment import Segment
from voicecoach.asr.pocketsphinx.settings import SphinxSettings

_SETTLE = 15  # 10 ms frames (150 ms): the live decoder may still move a word boundary that recent
_GUARD = 5  # 10 ms frames either side of a placed word that belong to neither it nor the rest


class BargeIn:
    """The live decoder over a segment that overlaps the coach's voice (the person talking over the loudspeaker)."""

    def __init__(self, searches: Searches, settings: SphinxSettings) -> None:
        self.settings = settings
        self._searches = searches
        self._decoder = searches.live
        self.active = False
        """Whether the segment in progress is decoded live."""

    def start(self) -> None:
        """A segment begins while the coach speaks: decode it live."""
        self.active = True
        self._decoder.start_utt()

    def feed(self, audio: bytes) -> None:
        """The segment's next raw audio (nothing while not active)."""
        if self.active:
            self._decoder.process_raw(audio, False, False)

    def end(self) -> None:
        """The segment ended: find() may still be asked, with `final`."""
        self._decoder.end_utt()
        self.active = False

    def find(self, segment: Segment, allowed: frozenset[str], listening: frozenset[str], final: bool) -> str | None:
        """A phrase of `allowed` placed in the segment so far, clearly louder than the speech around it and
        confirmed by the verify searches of `listening`; or None. `final`: the segment has ended, so a word
        placed at its very end counts too."""
        units = [(token_phrase(word), first, last) for word, first, last in decoded_words(self._decoder)]
        if not units:
            return None
        db = np.asarray(segment.levels)
        if len(db) == 0:
            return None
        speechy = db >= db.max() - 30.0
        for phrase, start, end in units:
            if phrase not in allowed:
                continue
            end = min(end, len(db) - 1)
            if not final and end > len(db) - _SETTLE:
                continue
            outside = np.concatenate([db[: max(0, start - _GUARD)], db[end + 1 + _GUARD :]])
            outside_speech = outside[np.concatenate([speechy[: max(0, start - _GUARD)],
                                                     speechy[end + 1 + _GUARD :]])]
            if len(outside_speech) * DECODER_FRAME < self.settings.barge_in_context or end <= start:
                continue
            inside = db[start : end + 1]
            lift = float(np.percentile(inside, 80) - np.percentile(outside_speech, 80))
            louder = lift >= self.settings.barge_in_margin_db
            if louder and self._second_opinion(segment, start - _GUARD, end + _GUARD, listening) == phrase:
                return phrase
        return None

    def _second_opinion(self, segment: Segment, first: int, last: int, listening: frozenset[str]) -> str | None:
        """The verify searches on just those 10 ms frames of the segment.

        The live loop has no free phones, so it may place a command on a loud word that is none.
        """
        # With the live decoder's cepstral mean (of the whole segment so far): a few hundred ms of one word
        # normalized by its own mean is mostly the word itself, and a barged-in "stop" came out as "so".
        # A segment decoded live overlaps the coach's voice, so its searches are those without the quiet tokens.
        return self._searches.verify(segment.raw(first, last), listening, coach=True, steady=False,
                                     cmn=self._decoder.get_cmn())
