"""PocketSphinx command recognizer: endpointed segments, a command-plus-decoy grammar, whole-segment commit."""

# Theory of operation
# -------------------
# Audio is cut into 30 ms frames. Every frame goes, one at a time, to an Endpointer (speech segments,
# judged over a 0.3 s window, so it answers 0.3 s late) and to a raw Vad (this frame only).
# When the Endpointer says speech began at `speech_start`, the decoder starts an utterance and is fed
# from our own ring buffer from that time on, then live: the decoder never waits for the Endpointer's lag.
#
# The grammar is a free loop of the command phrases and a few hundred decoy words (common English and
# sound-alikes of the command words). Any speech can be explained, so speech that is not a command
# comes out as decoys. A segment commits a command only if its words are exactly that one command:
#   - early, when the partial hypothesis is a command no longer phrase extends ("stop", not "start cat"),
#     it did not change between two looks, and the raw Vad has heard `early_silence` of quiet since;
#   - otherwise when the Endpointer ends the segment.
# A command inside a sentence ("say stop at any time") never commits, as the segment has other words.
#
# Barge-in (restrict): while the coach speaks, its voice and the person's overlap in one long segment.
# Then a restricted phrase also commits when the decoder places it in the segment and it is at least
# `barge_in_margin_db` louder than the rest of the segment: the person talking over the loudspeaker.
# The coach saying "stop" itself is no louder than its other words, so it does not commit.

from __future__ import annotations

import collections
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pocketsphinx

from voicecoach.asr.base import Detection
from voicecoach.asr.commit import match_segment, terminal_phrases
from voicecoach.asr.decoys import build_decoys, load_dictionary, loop_transitions, phrase_token, token_phrase
from voicecoach.asr.vocabulary import check_vocabulary, normalize_phrases

_MODEL_RATE = 16000
_DECODER_FRAME = 0.01  # PocketSphinx features are 10 ms frames (frate 100)
_ALT = re.compile(r"\(\d+\)$")


@dataclass(frozen=True)
class SphinxSettings:
    """Tuning of the PocketSphinx recognizer; the defaults were measured with espeak-ng voices."""

    decoy_weight: float = 0.001
    """JSGF weight of the decoy branch against 1 for the command branch: higher rejects more."""
    common_decoys: int = 100
    """How many of the most frequent English words serve as decoys."""
    sound_alikes_per_word: int = 12
    """How many sound-alikes of each command word serve as decoys."""
    endpoint_window: float = 0.3
    """Seconds the Endpointer looks at to decide speech began or ended."""
    endpoint_ratio: float = 0.9
    """Fraction of that window that must be speech (or silence) to change state."""
    vad_mode: int = 3
    """Aggressiveness of the voice activity detector, 0 (loose) to 3: below 2, white noise is all speech."""
    preroll: float = 0.3
    """Audio before the Endpointer's speech start that the decoder also hears: it expects silence first."""
    early_silence: float = 0.15
    """Quiet needed after a terminal command before it commits early."""
    max_segment: float = 12.0
    """A segment longer than this is cut: nobody says a command that long."""
    barge_in_margin_db: float = 6.0
    """How much louder than the rest of the segment a restricted phrase must be to barge in."""
    dither: float = 100.0
    """RMS (int16 units, about -50 dBFS) of the noise floor added before decoding; see _feed."""
    feed_frames: int = 3
    """Frames (30 ms each) fed to the decoder per call: at most 100 ms, as process_raw holds the GIL."""


class PocketSphinxRecognizer:
    """Streaming command recognizer on PocketSphinx's bundled US English model; needs no download."""

    def __init__(self, phrases: Sequence[str], sample_rate: int = 16000,
                 settings: SphinxSettings | None = None) -> None:
        self.sample_rate = sample_rate
        self.settings = s = settings or SphinxSettings()
        self._phrases = normalize_phrases(phrases)
        self._all = frozenset(self._phrases)
        self._terminal = terminal_phrases(self._phrases)
        self._allowed = self._all
        self._restricted = False

        model = Path(pocketsphinx.get_model_path()) / "en-us"
        self._decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL", bestpath=False)
        check_vocabulary(
            self._phrases, lambda w: self._decoder.lookup_word(w) is not None, "PocketSphinx en-us dictionary"
        )
        lm = pocketsphinx.NGramModel(pocketsphinx.Config(), pocketsphinx.LogMath(), str(model / "en-us.lm.bin"))
        self.decoys = build_decoys(
            self._phrases,
            load_dictionary(model / "cmudict-en-us.dict"),
            lambda w: float(lm.prob([w])),
            n_common=s.common_decoys,
            per_word=s.sound_alikes_per_word,
        )
        tokens = [phrase_token(p) for p in self._phrases]
        for phrase, token in zip(self._phrases, tokens, strict=True):
            if token != phrase:
                pron = " ".join(str(self._decoder.lookup_word(w)) for w in phrase.split())
                self._decoder.add_word(token, pron, False)
        fsg = self._decoder.create_fsg("commands", 0, 1, loop_transitions(tokens, self.decoys, s.decoy_weight))
        self._decoder.add_fsg("commands", fsg)
        self._decoder.activate_search("commands")

        self._resampler = None
        if sample_rate != _MODEL_RATE:
            import soxr  # only needed off 16 kHz

            self._resampler = soxr.ResampleStream(sample_rate, _MODEL_RATE, 1, dtype="int16")
        self._ep = pocketsphinx.Endpointer(
            window=s.endpoint_window, ratio=s.endpoint_ratio, vad_mode=s.vad_mode, sample_rate=_MODEL_RATE
        )
        self._vad = pocketsphinx.Vad(s.vad_mode, _MODEL_RATE, self._ep.frame_length)
        self._frame_bytes = self._ep.frame_bytes
        self._frame_len = self._ep.frame_length
        ring_frames = math.ceil((s.endpoint_window + s.preroll) / self._frame_len) + 4
        self._ring: collections.deque[bytes] = collections.deque(maxlen=ring_frames)
        self._quiet_needed = max(1, round(s.early_silence / self._frame_len))
        self._rng = np.random.default_rng(0)
        # Live CMN starts from generic values and adapts at each end_utt, so the first segments are
        # decoded badly; while warming up, a segment is decoded a second time with the adapted values.
        self._warmups_left = 3
        self._utt_audio: list[bytes] = []
        self._buf = b""
        self._n_frames = 0
        self._quiet_run = 0
        self._in_utt = False
        self._pending: list[bytes] = []
        self._utt_db: list[float] = []
        self._utt_frames = 0
        self._committed = False
        self._last_words: list[str] = []

    # --- the Recognizer interface ---------------------------------------

    def accept(self, pcm: bytes) -> list[Detection]:
        """Feed 16-bit mono PCM of any length; return the commands committed within it."""
        if self._resampler is not None:
            pcm = self._resampler.resample_chunk(np.frombuffer(pcm, dtype="<i2")).astype("<i2").tobytes()
        self._buf += pcm
        out: list[Detection] = []
        fb = self._frame_bytes
        n = len(self._buf) // fb
        for i in range(n):
            out += self._frame(self._buf[i * fb : (i + 1) * fb])
        self._buf = self._buf[n * fb :]
        return out

    def flush(self) -> list[Detection]:
        """End of stream: decide the segment in progress, if any."""
        if self._resampler is not None:
            self._buf += self._resampler.resample_chunk(np.zeros(0, dtype=np.int16), last=True).astype(
                "<i2").tobytes()
        out: list[Detection] = []
        if self._in_utt:
            if self._buf:
                self._pending.append(self._buf)
            out = self._end_segment()
        self._buf = b""
        self._ep = pocketsphinx.Endpointer(
            window=self.settings.endpoint_window, ratio=self.settings.endpoint_ratio,
            vad_mode=self.settings.vad_mode, sample_rate=_MODEL_RATE,
        )
        self._ring.clear()
        return out

    def restrict(self, phrases: frozenset[str] | None) -> None:
        """While the coach speaks only `phrases` may commit, and may also barge in over its voice."""
        if phrases is None:
            self._allowed, self._restricted = self._all, False
            return
        wanted = {" ".join(p.lower().split()) for p in phrases}
        unknown = wanted - self._all
        if unknown:
            raise ValueError(f"restrict() got phrases the recognizer was not built with: {sorted(unknown)}")
        self._allowed, self._restricted = frozenset(wanted), True

    # --- streaming ---------------------------------------------------------

    def _now(self) -> float:
        return float(self._n_frames * self._frame_len)

    def _frame(self, frame: bytes) -> list[Detection]:
        self._n_frames += 1
        self._ring.append(frame)
        self._quiet_run = 0 if self._vad.is_speech(frame) else self._quiet_run + 1
        was_in_speech = self._ep.in_speech
        speech = self._ep.process(frame)
        out: list[Detection] = []
        if speech is not None and not was_in_speech and not self._in_utt:
            self._begin_segment()
        elif self._in_utt:
            self._pending.append(frame)
            if len(self._pending) >= self.settings.feed_frames:
                self._feed()
                out += self._check_partial()
        if self._in_utt and (
            (speech is not None and not self._ep.in_speech)
            or self._utt_frames * _DECODER_FRAME > self.settings.max_segment
        ):
            out += self._end_segment()
        return out

    def _begin_segment(self) -> None:
        # Replay from the Endpointer's speech start (it decides ~0.3 s late) so the decoder hears the onset.
        back = round((self._now() - self._ep.speech_start + self.settings.preroll) / self._frame_len)
        frames = list(self._ring)[-max(1, min(back, len(self._ring))) :]
        self._decoder.start_utt()
        self._in_utt = True
        self._committed = False
        self._last_words = []
        self._utt_db = []
        self._utt_frames = 0
        self._pending = []
        self._utt_audio = []
        step = self.settings.feed_frames
        for i in range(0, len(frames), step):
            self._pending = frames[i : i + step]
            self._feed()

    def _feed(self) -> None:
        if not self._pending:
            return
        x = np.frombuffer(b"".join(self._pending), dtype="<i2").astype(np.float64)
        self._pending = []
        # A faint noise floor: on digital silence (files, zero-filled mute windows) PocketSphinx's live
        # cepstral mean normalization takes log(0) and recognition collapses; a microphone never does this.
        noisy = np.clip(x + self._rng.normal(0.0, self.settings.dither, len(x)), -32768, 32767)
        data = noisy.astype("<i2").tobytes()
        self._decoder.process_raw(data, False, False)
        if self._warmups_left:
            self._utt_audio.append(data)
        hop = round(_MODEL_RATE * _DECODER_FRAME)
        n = len(x) // hop
        if n:
            power = (x[: n * hop].reshape(n, hop) ** 2).mean(axis=1)
            self._utt_db.extend((10 * np.log10(power + 1.0)).tolist())
        self._utt_frames += n

    def _units(self) -> list[tuple[str, int, int]]:
        """The hypothesis so far as (unit, first 10 ms frame, last frame), each command one unit."""
        out = []
        for seg in self._decoder.seg():
            word = _ALT.sub("", seg.word)
            if word.startswith(("<", "[")) or word == "":
                continue
            out.append((token_phrase(word), seg.start_frame, seg.end_frame))
        return out

    def _hyp_units(self) -> list[str]:
        hyp = self._decoder.hyp()
        return [token_phrase(w) for w in hyp.hypstr.split()] if hyp is not None else []

    def _check_partial(self) -> list[Detection]:
        if self._committed:
            return []
        words = self._hyp_units()
        stable = words == self._last_words
        self._last_words = words
        if not stable or not words:
            return []
        phrase = match_segment(words, self._allowed)
        if phrase is not None and phrase in self._terminal and self._quiet_run >= self._quiet_needed:
            return self._commit(phrase)
        if self._restricted:
            barged = self._barge_in(final=False)
            if barged is not None:
                return self._commit(barged)
        return []

    def _end_segment(self) -> list[Detection]:
        self._feed()
        self._decoder.end_utt()
        self._in_utt = False
        if self._warmups_left:
            self._warmups_left -= 1
            if not self._committed:
                self._decoder.start_utt()
                step = self.settings.feed_frames
                for i in range(0, len(self._utt_audio), step):
                    self._decoder.process_raw(b"".join(self._utt_audio[i : i + step]), False, False)
                self._decoder.end_utt()
            self._utt_audio = []
        if self._committed:
            return []
        words = self._hyp_units()
        phrase = match_segment(words, self._allowed)
        if phrase is None and self._restricted:
            phrase = self._barge_in(final=True)
        return self._commit(phrase) if phrase is not None else []

    def _commit(self, phrase: str) -> list[Detection]:
        self._committed = True
        return [Detection(t=round(self._now(), 3), text=phrase)]

    def _barge_in(self, final: bool) -> str | None:
        """A restricted phrase clearly louder than the speech around it, or None."""
        units = self._units()
        if not units:
            return None
        db = np.asarray(self._utt_db)
        if len(db) == 0:
            return None
        speechy = db >= db.max() - 30.0
        settle = 15  # 150 ms: the decoder may still move a word boundary that recent
        for phrase, start, end in units:
            if phrase not in self._allowed:
                continue
            end = min(end, len(db) - 1)
            if not final and end > len(db) - settle:
                continue
            guard = 5
            outside = np.concatenate([db[: max(0, start - guard)], db[end + 1 + guard :]])
            outside_speech = outside[np.concatenate([speechy[: max(0, start - guard)], speechy[end + 1 + guard :]])]
            if len(outside_speech) < 30 or end <= start:
                continue
            inside = db[start : end + 1]
            lift = float(np.percentile(inside, 80) - np.percentile(outside_speech, 80))
            if lift >= self.settings.barge_in_margin_db:
                return phrase
        return None
