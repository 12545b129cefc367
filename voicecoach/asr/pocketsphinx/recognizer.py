"""PocketSphinx command recognizer: noise-gated segments, each decided whole against decoys and free phones."""

# Theory of operation
# -------------------
# Audio is cut into 30 ms frames (frames.py) for an EnergyEndpointer (endpoint.py): a frame is speech when the
# voice detector says so and it stands `margin_db` over the tracked noise floor, so steady noise and babble do
# not make one endless segment. The frames of the segment (from a little before its start) are kept (segment.py),
# also after WebRTC noise suppression: the batch decisions hear the suppressed audio, all else the raw audio.
#
# A segment is decided whole, in one batch decode (batch cepstral normalization: no cold start), with
# the "verify" grammar (searches.py): exactly one of
#   - a command (each multi-word command is one dictionary token, with British variants: accents.py; those
#     of the TRAP vowel only while the coach is silent, in "verify" but not in "verify_coach"),
#   - a decoy word (common English and sound-alikes of the command words: "stopping", "nest", "pose"),
#   - a loop of free phones that pays `phone_weight` per phone: anything else, several words included.
# It commits a command only when the command wins. All three compete in one search, so the decision
# is a true likelihood comparison (scores from separate PocketSphinx searches are not comparable).
# A segment is decided when the endpointer ends it (0.45 s of quiet, so the coach's commas do not cut its
# sentences into command-sized pieces), or earlier at a pause: after `early_silence` if the segment so far
# is a command no longer command extends ("stop", not "start cat"), after `early_silence_any` for any.
# While the coach speaks the first pause is longer (`early_silence_restricted`): its sentences have commas.
# In babble the voice detector hears voice all the time, so once a segment the pause is taken from the noise
# gate instead (`early_silence_gated`): waiting for the segment's end let the talkers after a command spoil it.
# In steady noise (a fan, white noise) at a low SNR the free phones cost more (`steady_phone_weight`): the noise
# masks the consonants, and a command needs more benefit of the doubt. Babble wavers, and is left alone.
# A segment that is no command is decided once more with the voiced frames of its lead-in muted: in babble
# they are other talkers, heard as phones before the command (`lead_in_gain`).
#
# Barge-in (restrict): while the coach speaks, its voice and the person's overlap in one long segment.
# Then a second, live decoder with a loop of the commands and decoys places words as they come (barge_in.py),
# and a restricted phrase commits when it is at least `barge_in_margin_db` louder than the rest of the segment
# (the person talking over the loudspeaker) and the verify grammar, run on its frames alone, agrees.
#
# Under a second opinion (SphinxSettings.tentative), a segment that ends with no command and never overlapped the
# coach's voice is decided once more without the decoys, and a command found then is offered tentatively: on
# voices it was not tuned on, a command lost to a sound-alike decoy ("nest" for "next") is often this one.

from __future__ import annotations

import collections
import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np

from voicecoach.asr.base import Detection
from voicecoach.asr.commit import terminal_phrases
from voicecoach.asr.pocketsphinx.barge_in import BargeIn
from voicecoach.asr.pocketsphinx.endpoint import EnergyEndpointer
from voicecoach.asr.pocketsphinx.frames import Frames
from voicecoach.asr.pocketsphinx.model import MODEL_RATE
from voicecoach.asr.pocketsphinx.searches import Searches
from voicecoach.asr.pocketsphinx.segment import Segment
from voicecoach.asr.pocketsphinx.settings import SphinxSettings
from voicecoach.asr.vocabulary import normalize_phrases, subset_of


class PocketSphinxRecognizer:
    """Streaming command recognizer on PocketSphinx's bundled US English model; needs no download."""

    def __init__(self, phrases: Sequence[str], sample_rate: int = 16000,
                 settings: SphinxSettings | None = None, meaning: Mapping[str, Hashable] | None = None) -> None:
        """`meaning` maps phrases to what they mean: a phrase commits without waiting for a longer one that
        means the same (commit.terminal_phrases)."""
        self.sample_rate = sample_rate
        self.settings = s = settings or SphinxSettings()
        normalized = normalize_phrases(phrases)
        self._all = frozenset(normalized)
        self._terminal = terminal_phrases(normalized, meaning)
        self._allowed = self._all  # what may commit: the state's phrases, narrowed further while restricted
        self._listening = self._all  # the state's phrases (listen_for): the verify searches' only commands
        self._restricted_to = self._all  # restrict()'s phrases
        self._coach_phrases = self._all  # the last phrases restrict() allowed: all a segment over the coach may be
        self._restricted = False
        self._heard_coach = False  # whether the segment in progress overlaps the coach's voice
        self._searches = Searches(normalized, s)
        self._barge = BargeIn(self._searches, s)

        self._ep = EnergyEndpointer(MODEL_RATE, s.endpoint)
        self._frames = Frames(sample_rate, self._ep.frame_bytes, s.noise_suppression)
        self._frame_len = self._ep.frame_length
        ring_frames = math.ceil((s.endpoint.start_window + s.preroll) / self._frame_len) + 4
        # Each recent frame as (raw, noise-suppressed, voiced by the voice detector): a segment's pre-roll.
        self._ring: collections.deque[tuple[bytes, bytes, bool]] = collections.deque(maxlen=ring_frames)
        self._n_frames = 0
        self._rng = np.random.default_rng(0)  # the dither, drawn across segments
        self._segment: Segment | None = None  # the segment in progress
        self._committed = False  # whether the segment in progress committed a command
        # Early commits: runs of quiet frames, by the voice detector and by the noise gate, and those needed.
        self._quiet_run = 0
        self._gated_run = 0
        self._quiet_needed_open = round(s.early_silence / self._frame_len)
        self._quiet_needed_restricted = round(s.early_silence_restricted / self._frame_len)
        self._quiet_needed_any = round(s.early_silence_any / self._frame_len)
        self._gated_needed = round(s.early_silence_gated / self._frame_len)
        self._gated_tried = False

    # --- the Recognizer interface ---------------------------------------

    def accept(self, pcm: bytes) -> list[Detection]:
        """Feed 16-bit mono PCM of any length; return the commands committed within it."""
        out: list[Detection] = []
        for raw, quiet in self._frames.split(pcm):
            out += self._frame(raw, quiet)
        return out

    def flush(self) -> list[Detection]:
        """End of stream: decide the segment in progress, if any."""
        rest = self._frames.end()
        out: list[Detection] = []
        if self._segment is not None:
            if rest:
                self._segment.add(rest, rest)
            out = self._end_segment(self._segment)
        self._ep.reset()
        self._ring.clear()
        return out

    def restrict(self, phrases: frozenset[str] | None) -> None:
        """While the coach speaks only `phrases` may commit, and may also barge in over its voice."""
        if phrases is None:
            self._restricted_to, self._restricted = self._all, False
        else:
            self._restricted_to, self._restricted = subset_of(self._all, phrases, "restrict"), True
            self._coach_phrases = self._restricted_to
            self._heard_coach = True  # a segment in progress overlaps the coach's voice; a new one resets it
        self._allowed = self._restricted_to & self._listening

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        """Only `phrases` (the coach's state's) are commands from the next decision on; None: all of them.

        Unlike restrict(), the others are taken out of the search itself: speech like them is then a decoy,
        phones or another phrase, never forced onto a phrase the coach would not act on.
        """
        self._listening = self._all if phrases is None else subset_of(self._all, phrases, "listen_for")
        self._searches.add(self._listening)
        self._allowed = self._restricted_to & self._listening

    # --- streaming ---------------------------------------------------------

    def _now(self) -> float:
        return float(self._n_frames * self._frame_len)

    def _frame(self, frame: bytes, quiet: bytes) -> list[Detection]:
        """One frame, raw and noise-suppressed: segments begin and end, and commands commit."""
        self._n_frames += 1
        was_in_speech = self._ep.in_speech
        self._ep.process(frame)
        self._ring.append((frame, quiet, self._ep.last_voice))
        # Quiet for early commits is quiet by the voice detector alone, stricter than the endpointer's: the
        # fading end of a word below the noise gate must not pass for the pause after a command.
        self._quiet_run = 0 if self._ep.last_voice else self._quiet_run + 1
        self._gated_run = 0 if self._ep.last_speech else self._gated_run + 1
        out: list[Detection] = []
        seg = self._segment
        if seg is None:
            if not self._ep.in_speech or was_in_speech:
                return out
            seg = self._segment = self._begin_segment()
        else:
            if self._ep.last_speech:
                seg.speech_last = self._n_frames
            seg.add(frame, quiet)
            if seg.waiting >= self.settings.feed_frames:
                self._feed(seg)
                if not self._committed and self._barge.active:
                    barged = self._barge.find(seg, self._may_commit(), self._listening, final=False)
                    if barged is not None:
                        out += self._commit(barged)
            out += self._early(seg)
        if (was_in_speech and not self._ep.in_speech) or seg.seconds > self.settings.max_segment:
            out += self._end_segment(seg)
        return out

    def _early(self, seg: Segment) -> list[Detection]:
        """At a pause inside the segment, by the voice detector or by the noise gate: the early commit rules."""
        first = self._quiet_needed_restricted if self._restricted else self._quiet_needed_open
        pause = self._quiet_run > 0 and self._quiet_run in (first, self._quiet_needed_any)
        if pause and not self._committed:
            return self._try_early(seg, terminal_only=self._quiet_run != self._quiet_needed_any)
        if (self._gated_needed and not self._gated_tried and not self._committed and self._quiet_run == 0
                and self._gated_run == max(self._gated_needed, first)):
            # Once a segment: in babble the gate opens and shuts often, and each try decodes the
            # segment so far up to twice.
            self._gated_tried = True
            return self._try_early(seg, terminal_only=True)
        return []

    def _begin_segment(self) -> Segment:
        s = self.settings
        # Replay from a little before the segment's first speech frame so the decoder hears the onset.
        back = round((self._now() - self._ep.speech_start + s.preroll) / self._frame_len)
        keep = max(1, min(back, len(self._ring)))
        frames = list(self._ring)[-keep:]
        lead = round(self._ep.speech_start / self._frame_len) - (self._n_frames - keep)  # first speech frame
        limit = max(0, lead - round(s.lead_in_guard / self._frame_len))
        self._committed = False
        self._gated_tried = False
        self._heard_coach = self._restricted
        seg = Segment(s, self._rng, self._ep.frame_bytes, self._frame_len,
                      first=self._n_frames - keep + 1,
                      speech_first=round(self._ep.speech_start / self._frame_len) + 1,
                      speech_last=self._n_frames,
                      voiced_lead=[i for i, (_, _, voiced) in enumerate(frames[:limit]) if voiced],
                      noise=self._ep.noise())
        if self._restricted:
            self._barge.start()
        for i in range(0, len(frames), s.feed_frames):
            for raw, quiet, _ in frames[i : i + s.feed_frames]:
                seg.add(raw, quiet)
            self._feed(seg)
        return seg

    def _feed(self, seg: Segment) -> None:
        """Take in the segment's new frames, and decode them live while barging in is possible."""
        audio = seg.take()
        if audio is not None:
            self._barge.feed(audio)

    def _try_early(self, seg: Segment, terminal_only: bool) -> list[Detection]:
        """At a pause inside the segment: commit now if the speech so far is a complete command."""
        self._feed(seg)
        if seg.seconds > self.settings.max_command:
            return []
        phrase = self._decide(seg)
        if phrase is not None and (phrase in self._terminal or not terminal_only) and phrase in self._may_commit():
            return self._commit(phrase)
        return []

    def _end_segment(self, seg: Segment) -> list[Detection]:
        self._feed(seg)
        self._segment = None
        phrase = None
        if self._barge.active:
            self._barge.end()
            if not self._committed:
                phrase = self._barge.find(seg, self._may_commit(), self._listening, final=True)
        if self._committed:
            return []
        tentative = False
        if phrase is None and seg.seconds <= self.settings.max_command:
            phrase = self._decide(seg)
            if phrase is None and self.settings.tentative and not self._heard_coach:
                phrase, tentative = self._decide(seg, decoys=False), True
        return self._commit(phrase, tentative) if phrase is not None and phrase in self._may_commit() else []

    def _may_commit(self) -> frozenset[str]:
        """What the segment in progress may commit: one that overlapped the coach's voice, only the phrases allowed
        over it, even when it is decided after the hearing path lifted the restriction: the coach's words are in it."""
        return self._allowed & self._coach_phrases if self._heard_coach else self._allowed

    def _decide(self, seg: Segment, decoys: bool = True) -> str | None:
        """The one command the segment so far says, or None; it must span `min_coverage` of the segment's speech."""
        min_span = self.settings.min_coverage * seg.speech_seconds()
        steady = seg.in_steady_noise()
        for audio in seg.decisions():
            phrase = self._searches.verify(audio, self._listening, coach=self._heard_coach, steady=steady,
                                           min_span=min_span, decoys=decoys)
            if phrase is not None:
                return phrase
        return None

    def _commit(self, phrase: str, tentative: bool = False) -> list[Detection]:
        self._committed = True
        return [Detection(t=round(self._now(), 3), text=phrase, tentative=tentative)]
