"""PocketSphinx command recognizer: noise-gated segments, each decided whole against decoys and free phones."""

# Theory of operation
# -------------------
# Audio is cut into 30 ms frames for an EnergyEndpointer (endpoint.py): a frame is speech when the voice
# detector says so and it stands `margin_db` over the tracked noise floor, so steady noise and babble do
# not make one endless segment. The frames of the segment (from a little before its start) are kept, also
# after WebRTC noise suppression: the batch decisions hear the suppressed audio, all else the raw audio.
#
# A segment is decided whole, in one batch decode (batch cepstral normalization: no cold start), with
# the "verify" grammar: exactly one of
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
# Then a second, live decoder with a loop of the commands and decoys places words as they come, and a
# restricted phrase commits when it is at least `barge_in_margin_db` louder than the rest of the segment (the
# person talking over the loudspeaker) and the verify grammar, run on its frames alone, agrees.

from __future__ import annotations

import collections
import functools
import math
import os
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pocketsphinx
from webrtc_noise_gain import AudioProcessor

from voicecoach.asr.base import Detection
from voicecoach.asr.commit import terminal_phrases
from voicecoach.asr.pocketsphinx.accents import phrase_pronunciations
from voicecoach.asr.pocketsphinx.decoys import (
    CMU_PHONES,
    dictionary_entries,
    garbage_phone_word,
    lexicon,
    loop_transitions,
    phrase_token,
    token_phrase,
    verify_transitions,
    word_rank_score,
)
from voicecoach.asr.pocketsphinx.endpoint import EndpointSettings, EnergyEndpointer
from voicecoach.asr.pocketsphinx.lexicon_cache import Lexicon, cached_lexicon
from voicecoach.asr.vocabulary import check_vocabulary, normalize_phrases, subset_of

_MODEL_RATE = 16000
_DECODER_FRAME = 0.01  # PocketSphinx features are 10 ms frames (frate 100)
_BYTES_10MS = 2 * round(_MODEL_RATE * _DECODER_FRAME)  # also the noise suppressor's unit
_ALT = re.compile(r"\(\d+\)$")
BUNDLED_DICTIONARY = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
_QUIET = "-quiet"  # suffix of a phrase's token for pronunciations heard only while the coach is silent

SENSITIVITY_WEIGHTS = {"low": 1e-4, "normal": 1.0, "high": 1e2}
"""SphinxSettings.command_weight for each `sensitivity` setting. Measured (benchmarks/TRADEOFF.md, espeak-ng voices):
recall clean 82.0 / 85.9 / 87.2 %, non-command clips with a command 4.3 / 7.7 / 9.7 %; at "low" those left are
sound-alikes of stop, wait, help and next ("stopped", "wade"), and 'skip' and 'pause' are heard least of all."""


def _decoder(words: dict[str, list[tuple[str, ...]]], **config: float) -> pocketsphinx.Decoder:
    """A decoder on the bundled model whose dictionary is just `words` (alternates as "word(2)", ...).

    FSG searches try every alternate of a word, so a command's accent variants need no grammar change.
    `config` sets more of the decoder's options (search beams).
    """
    d = pocketsphinx.Decoder(lm=None, loglevel="FATAL", bestpath=False, dict=os.devnull, **config)
    for word, prons in words.items():
        for i, pron in enumerate(dict.fromkeys(prons)):
            d.add_word(word if i == 0 else f"{word}({i + 1})", " ".join(pron), False)
    return d


@functools.lru_cache(maxsize=4)
def _lexicon(phrases: tuple[str, ...], n_common: int, per_word: int, voicing_twins: bool) -> Lexicon:
    """decoys.lexicon on the bundled dictionary, kept on disk between starts and for the process's later
    recognizers (read-only).

    Reading the dictionary is most of building a recognizer (0.75 s of 0.8 here, several times that on a Pi).
    """
    options = {"n_common": n_common, "per_word": per_word, "voicing_twins": voicing_twins}

    def build() -> Lexicon:
        return lexicon(phrases, dictionary_entries(BUNDLED_DICTIONARY), word_rank_score(), n_common=n_common,
                       per_word=per_word, voicing_twins=voicing_twins)

    return cached_lexicon(phrases, BUNDLED_DICTIONARY, build, options)


def _words(decoder: pocketsphinx.Decoder) -> list[tuple[str, int, int]]:
    """A decoder's words (no silences or fillers) as (word, first 10 ms frame, last frame)."""
    out = []
    for seg in decoder.seg() or ():
        word = _ALT.sub("", seg.word)
        if word and not word.startswith(("<", "[")):
            out.append((word, seg.start_frame, seg.end_frame))
    return out


@dataclass(frozen=True)
class SphinxSettings:
    """Tuning of the PocketSphinx recognizer; the defaults were measured with espeak-ng voices."""

    phone_weight: float = 1e-9
    """Weight per phone of the free-phone loop against 1 for a command: higher rejects more. It was 1e-8 from when the
    recognizer was first built, before the leveling, the noise suppression and the accent variants; measured again
    on the benchmark's corpus (voicecoach only), 1e-8 -> 1e-9: right clean 882 -> 886 of 1032, at 20 dB 82 -> 85 of
    114, at 10 dB 43 -> 45 of 115, at 5 dB 21 -> 22 of 115, barge-in 28 -> 29 of 48; soft voice 45 -> 43 of 58 (two
    became wrong commands); non-command clips with a command the same (16 of 207; in white noise at 10 dB 26 of 159;
    spoken by flite, 3 of 72); the coach's own voice the same (0 as live, 2 with muting failed); decoding 6 % cheaper.
    At 1e-10: right clean 893, but 17 non-command clips with a command, and 5 by flite."""
    decoy_weight: float = 1e-3
    """Weight of each decoy word against `command_weight` for a command."""
    command_weight: float = 1.0
    """Weight of each command in the search that decides a segment: the one knob that trades recall for false
    triggers, moving the command against the decoys and the free phones together. `python -m benchmarks.tradeoff`
    measures recall and false triggers across it (benchmarks/TRADEOFF.md); 1 is the weight the others were
    tuned against."""
    common_decoys: int = 100
    """How many of the most frequent English words serve as decoys."""
    sound_alikes_per_word: int = 12
    """How many sound-alikes of each command word serve as decoys."""
    voicing_twins: bool = True
    """Also make decoys of the words one voicing change from a command word ("wade", "weighed" for "wait"; "bane"
    for "pain"), which the frequency ranking of `sound_alikes_per_word` left out. Measured on the benchmark's full
    corpus (voicecoach only): false triggers 18 -> 15 of 207 non-command clips ("wade" heard as "wait" in 4 voices,
    now 1); recall clean (720 of 840), in noise, and the coach's voice (0 as live, 2 with muting failed) the same."""
    verify_word_beam: float = 7e-29
    """Word-exit beam of the search that decides a segment (PocketSphinx's `wbeam`; this is its default). Each
    phone of the free-phone loop is a word, so a narrower beam also prunes that loop and rejects less, and it
    saves time. Measured at 1e-20 on the benchmark's full corpus (voicecoach only): recall clean 81.7 -> 83.2 %,
    20 dB 71.0 -> 75.3, 10 dB 29.8 -> 34.0, 5 dB 14.0 -> 16.1; wrong commands 1.7 -> 2.2 %; false triggers 8.2 %
    either way; RTF 0.044 -> 0.037; self-triggers as live 0 either way. Kept at the default because, with muting
    failed, the coach's own voice committed 8 commands over tests/adapters/test_self_hearing.py's 3 renderings
    of its 134 utterances ("Strong pelvic muscles" as "start pelvic tilt"), against at most 4 at the default
    (that test's bound). At 1e-15 it committed 2 even while restricted."""
    live_beam: float = 1e-30
    """Beam (PocketSphinx's `beam` and `pbeam`, default 1e-48) of the live search that places a barge-in while the
    coach speaks. It runs over all of the coach's speech, the costliest part of decoding: measured on the benchmark's
    full corpus with `live_word_beam` (voicecoach only), RTF 0.056 -> 0.045, and every set's outcome the same.
    Narrower still, 1e-25 left every decision on the benchmark's coach and barge-in sets the same (RTF there
    0.060 -> 0.057), but lost tests/adapters/test_self_hearing.py's "stop" over the coach ("fast" in its place);
    1e-20 lost tests/adapters/test_asr_pocketsphinx.py's too."""
    live_word_beam: float = 1e-15
    """Word-exit beam (`wbeam`, default 7e-29) of that live search; with `live_beam`, see there."""
    nurse_words: frozenset[str] = frozenset({"hurts"})
    """Command words that may also match in their British NURSE variants (accents.nurse_variants: "it hurts" without
    R colour). Measured on the benchmark's full corpus (voicecoach only), for every word with an ER ("hurts",
    "workout", "exercises"): recall clean 81.7 -> 82.5 % ("it hurts" 58 -> 79 %, "that hurts" 50 -> 54 %), noise
    unchanged; false triggers 8.2 -> 8.7 % ("backs" heard as "that hurts": a safe mistake, the coach stops). But
    "start cat" was heard as the variant of "start workout" (W AH K AW T), a wrong command, so only "hurts" has
    them: then recall clean 82.4 %, wrong commands 2.2 -> 1.7 %. At first they were heard only while the coach was
    silent, as its own "This is my slowest." committed "it hurts" with muting failed; that sentence is now "I cannot
    speak more slowly.", and heard while it speaks too they took the benchmark's barge-in "it hurts" from 1 to 3 of
    6 and, said in quiet while the loudspeaker plays, from 5 to 7 of 8 voices (tests/adapters/test_asr_accents.py);
    all else the same (self-triggers 0 as live, 2 with muting failed)."""
    trap_words: frozenset[str] = frozenset({"back", "cat"})
    """Command words that a segment the coach's voice is not in may also match with the British TRAP vowel
    (accents.british_variants: "back" as B AA K). Measured on the benchmark's full corpus (voicecoach only), with
    these two: recall clean 82.4 -> 85.7 % ("back" 8 -> 46 %, "go back" 63 -> 92, "start cat" 58 -> 92, "start
    cat stretch" 75 -> 92); false triggers (8.7 %), wrong commands, noise, self-triggers and barge-in the same.
    With every AE word ("that" too): recall clean 86.3 %, but false triggers 10.1 % ("backs" as "that hurts") and
    wrong commands 1.7 -> 2.5 % (en+f3's "start cat" as "that hurts"); and the coach's own voice, muting failed,
    committed 6 commands over tests/adapters/test_self_hearing.py's 3 renderings of its 134 utterances, against
    4 ("The microphone is back." as "that hurts"). Heard even while the coach speaks, a "stop" said over "Lie
    down on your back" was lost."""
    steady_phone_weight: float = 1e-11
    """`phone_weight` for a segment in steady noise at a low SNR (`steady_snr_db`, `steady_waver_db`): there the
    noise masks the consonants that tell a command from the free phones, and a command needs more benefit of the
    doubt. Measured on the benchmark's 840 clean command clips and 199 non-command speech clips, each mixed with
    white noise (voicecoach only): at 10 dB SNR recall 53.0 -> 62.4 %, non-command clips with a command 30 -> 33;
    at 5 dB recall 16.2 -> 23.5 %, non-commands 27 -> 35; at 20 dB, where the rule does not apply, non-commands 24
    either way. As the only phone_weight instead: at 1e-10, 60.5 and 21.2 %, 32 and 34; at 1e-14, 66.0 and
    27.4 %, 38 and 40. Babble is left alone: there a lower weight doubled
    the false triggers (non-command speech in babble at 10 dB: 7 -> 19 of 92 at 1e-12)."""
    steady_snr_db: float = 20.0
    """The segment's loud frames (90th percentile of its 10 ms levels) must stand less than this over the noise
    floor for `steady_phone_weight` (a 10 dB SNR by active speech level measures about 14 here, 20 dB about 24)."""
    steady_waver_db: float = 3.0
    """...and the noise before the segment must waver less than this (EnergyEndpointer.noise): white noise
    measured 0.4 to 2.7 dB (10th to 90th percentile of segments), babble 5 to 9."""
    min_coverage: float = 0.7
    """Share of the segment's speech the command's own frames must span: "Next exercise. Bridge." decoded as
    "next" plus silence is not "next" (measured: 5 % of true commands cover less than 0.76)."""
    coverage_within_db: float = 25.0
    """For `min_coverage`, the segment's speech is the span of its 10 ms frames within this many dB of its
    loudest (0: all of it). The echo canceller leaves the coach's voice 20 to 40 dB down, and the endpointer
    joined that to a barged-in command: the command was decoded alone but covered too little of the segment.
    Measured on the benchmark's full corpus (voicecoach only): barge-in with the canceller 21 -> 23 of 48, all
    else the same at 15, 20 and 25 dB; at 10 dB the coach's own voice committed 3 commands as live."""
    max_command: float = 4.0
    """Seconds: a longer speech segment is not a command and is not decoded (unless barging in)."""
    endpoint: EndpointSettings = field(default_factory=EndpointSettings)
    """How speech segments are cut."""
    preroll: float = 0.3
    """Audio before the segment's first speech frame that the decoder also hears: it expects silence first."""
    lead_in_gain: float = 0.05
    """A segment that is no command is decided once more with this gain on its lead-in's voiced frames (1: never).
    In babble they are other talkers, which the decoder hears as phones before the command, and rejects it.
    Measured (espeak-ng, 140 clips a condition): right in babble at 10 dB 11 -> 23, at 20 dB 52 -> 66; white
    noise, clean speech, non-commands and the coach's voice unchanged. Muting them for the only decision cost
    27 of 735 clips in white noise at 10 dB, where the muted frames were often a soft onset ("r" in "resume")."""
    lead_in_guard: float = 0.1
    """Seconds of the lead-in, just before the speech, that are never muted."""
    early_silence: float = 0.09
    """Quiet after which a segment that is already a complete command no longer one extends commits before
    the endpointer ends it (0 turns early commits off)."""
    early_silence_restricted: float = 0.15
    """The same while the coach speaks: its sentences have commas after command words ("If anything hurts,
    say: it hurts."), and at 0.09 s "If it hurts, stop and rest" committed "it hurts"."""
    early_silence_any: float = 0.3
    """The same for any command ("start cat" might still become "start cat stretch")."""
    early_silence_gated: float = 0.18
    """Quiet by the endpointer's noise gate alone, while the voice detector still hears voice, after which a complete
    command no longer one extends commits (0: off); tried once a segment. In babble the voice
    detector never reports quiet, so a command waited for the segment's end, and the talkers after it spoiled the
    decision. Measured (espeak-ng, 70 clips a condition): right in babble at 10 dB 15 -> 23, at 20 dB 36 -> 43,
    latency p95 there 0.73 -> 0.42 s; clean speech, non-commands and the coach's voice unchanged. The cost is in
    white noise, where a word's weak end falls under the gate: wrong commands at 5 dB 1 -> 8 of 70, at 10 dB 5 -> 7,
    all "help" for the "st" of "start ..." or "stop". At 0.21 s: babble +4 and +5, wrong +5 and 0. Unmuted, the
    coach's own voice committed 4 commands over 10 renderings of its 134 utterances, against 2 when off
    (restricted, as live: none either way; 6 with floor_min too)."""
    max_segment: float = 12.0
    """A segment longer than this is cut."""
    barge_in_margin_db: float = 6.0
    """How much louder than the rest of the segment a restricted phrase must be to barge in."""
    barge_in_context: float = 0.3
    """Seconds of other speech the segment must hold for that comparison to mean anything."""
    dither: float = 100.0
    """RMS (int16 units, about -50 dBFS) of the noise floor added before decoding; see _feed."""
    decode_level: float = 3100.0
    """Active RMS (int16 units, about -20.5 dBFS: espeak-ng's own level, at which all else was tuned) that a
    segment's audio is scaled to before the dither is added and it is decided (0: no scaling). The dither is a
    fixed absolute floor, so without this the speech-to-floor ratio grew with the speaker's level: loud speech
    stood 35-45 dB over the floor, the batch cepstral mean moved with it, and a loud "stop" (its released "p"
    standing clear of the floor) decoded as the decoy "stopping"; quiet speech (-40 dBFS) stood 10 dB over the
    dither and decoded as "help" or nothing. Measured (tests/adapters/test_asr_levels.py, 8 phrases x 4 voices):
    right at -40 dBFS 7 -> 26 of 32, at -12 dBFS 25 -> 27, at -26 dBFS 27 either way. Only the decisions are
    leveled; the live decoder that finds a barge-in over the coach's voice still hears the raw level."""
    max_decode_gain_db: float = 20.0
    """The most that scaling may raise a quiet segment."""
    feed_frames: int = 3
    """Frames (30 ms each) fed to the live decoder per call: at most 100 ms, as process_raw holds the GIL."""
    noise_suppression: int = 2
    """WebRTC noise suppression level of the audio a segment is decided on, 0 (off) to 4. Measured with
    espeak-ng voices, level 2: recall in white noise at 10 dB 41 % -> 56 %, at 5 dB 10 % -> 17 %; babble and
    clean speech unchanged, fewer false triggers (15 -> 13 of 193). The endpointer keeps the raw audio: on
    suppressed babble it cut segments so badly that recall in babble at 10 dB fell from 9 % to 0. Barge-in
    (the live decoder, its loudness test and its second opinion) keeps the raw audio too: over the coach's
    voice, a "stop" was heard in 3 of 12 renderings with suppression, 12 of 12 without."""


class PocketSphinxRecognizer:
    """Streaming command recognizer on PocketSphinx's bundled US English model; needs no download."""

    def __init__(self, phrases: Sequence[str], sample_rate: int = 16000,
                 settings: SphinxSettings | None = None, meaning: Mapping[str, Hashable] | None = None) -> None:
        """`meaning` maps phrases to what they mean: a phrase commits without waiting for a longer one that
        means the same (commit.terminal_phrases)."""
        self.sample_rate = sample_rate
        self.settings = s = settings or SphinxSettings()
        if not 0 <= s.noise_suppression <= 4:
            raise ValueError(f"noise_suppression must be 0 (off) to 4, not {s.noise_suppression}")
        self._suppressor = AudioProcessor(0, s.noise_suppression) if s.noise_suppression else None
        self._phrases = normalize_phrases(phrases)
        self._all = frozenset(self._phrases)
        self._terminal = terminal_phrases(self._phrases, meaning)
        self._allowed = self._all  # what may commit: the state's phrases, narrowed further while restricted
        self._listening = self._all  # the state's phrases (listen_for): the verify searches' only commands
        self._restricted_to = self._all  # restrict()'s phrases
        self._restricted = False
        self._heard_coach = False  # whether the segment in progress overlaps the coach's voice
        self._noise: tuple[float, float] | None = None  # the noise floor before the segment, and its waver

        prons, decoys = _lexicon(tuple(self._phrases), s.common_decoys, s.sound_alikes_per_word, s.voicing_twins)
        check_vocabulary(self._phrases, prons.__contains__, "PocketSphinx en-us dictionary")
        self.decoys = list(decoys)
        tokens = [phrase_token(p) for p in self._phrases]
        words = {t: phrase_pronunciations(p.split(), prons.__getitem__, nurse=s.nurse_words)
                 for p, t in zip(self._phrases, tokens, strict=True)}
        # Pronunciations heard only while the coach is silent (TRAP, accents.py): each phrase that has some gets
        # a second token, which only the "verify" search has.
        quiet = {}
        for phrase, token in zip(self._phrases, tokens, strict=True):
            extra = [p for p in phrase_pronunciations(phrase.split(), prons.__getitem__, nurse=s.nurse_words,
                                                      trap=s.trap_words)
                     if p not in words[token]]
            if extra:
                quiet[token + _QUIET] = extra
        self._phrase_of = {t: token_phrase(t.removesuffix(_QUIET)) for t in [*tokens, *quiet]}
        self._tokens, self._quiet_tokens = tokens, list(quiet)
        words |= quiet | decoys
        # Two decoders, each with only the words its grammar uses (the full dictionary costs 28 MB a
        # decoder, these 5 MB): "verify" decides whole segments in batch while "loop" goes on live, so a
        # batch decode never interrupts the live search (replaying it afterwards cost more than all else).
        self._verifier = _decoder(words | {garbage_phone_word(p): [(p,)] for p in CMU_PHONES}, wbeam=s.verify_word_beam)
        self._suffixes: dict[frozenset[str], str] = {}  # each set of commands' verify searches: their names' suffix
        self._verify_searches(self._all)
        self._search = "verify"
        self._verifier.activate_search(self._search)
        # "loop": any sequence of commands, decoded live while restricted, to place a barge-in.
        live_words = {w: p for w, p in words.items() if w not in quiet}
        self._decoder = _decoder(live_words, beam=s.live_beam, pbeam=s.live_beam, wbeam=s.live_word_beam)
        loop = loop_transitions(tokens, self.decoys, 0.001)
        self._decoder.add_fsg("loop", self._decoder.create_fsg("loop", 0, 1, loop))
        self._decoder.activate_search("loop")

        self._resampler = None
        if sample_rate != _MODEL_RATE:
            import soxr  # only needed off 16 kHz

            self._resampler = soxr.ResampleStream(sample_rate, _MODEL_RATE, 1, dtype="int16")
        self._ep = EnergyEndpointer(_MODEL_RATE, s.endpoint)
        self._frame_bytes = self._ep.frame_bytes
        self._frame_len = self._ep.frame_length
        ring_frames = math.ceil((s.endpoint.start_window + s.preroll) / self._frame_len) + 4
        # Each recent frame as (raw, noise-suppressed, voiced by the voice detector).
        self._ring: collections.deque[tuple[bytes, bytes, bool]] = collections.deque(maxlen=ring_frames)
        self._voiced_lead: list[int] = []  # voiced frames of the segment's lead-in (see lead_in_gain)
        self._quiet_needed_open = round(s.early_silence / self._frame_len)
        self._quiet_needed_restricted = round(s.early_silence_restricted / self._frame_len)
        self._quiet_needed_any = round(s.early_silence_any / self._frame_len)
        self._gated_needed = round(s.early_silence_gated / self._frame_len)
        self._gated_tried = False
        self._rng = np.random.default_rng(0)
        self._utt_audio: list[bytes] = []
        self._utt_quiet: list[bytes] = []
        self._utt_dither: list[np.ndarray] = []
        self._buf = b""
        self._n_frames = 0
        self._quiet_run = 0
        self._gated_run = 0
        self._in_utt = False
        self._live = False
        self._pending: list[tuple[bytes, bytes]] = []  # (raw, noise-suppressed) frames not fed yet
        self._utt_db: list[float] = []
        self._utt_frames = 0
        self._speech_first = self._speech_last = 0  # the segment's first and last speech frame (30 ms)
        self._segment_first = 0
        self._committed = False

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
                self._pending.append((self._buf, self._buf))
            out = self._end_segment()
        self._buf = b""
        self._ep.reset()
        self._ring.clear()
        return out

    def restrict(self, phrases: frozenset[str] | None) -> None:
        """While the coach speaks only `phrases` may commit, and may also barge in over its voice."""
        if phrases is None:
            self._restricted_to, self._restricted = self._all, False
        else:
            self._restricted_to, self._restricted = subset_of(self._all, phrases, "restrict"), True
            self._heard_coach = True  # a segment in progress overlaps the coach's voice; a new one resets it
        self._allowed = self._restricted_to & self._listening

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        """Only `phrases` (the coach's state's) are commands from the next decision on; None: all of them.

        Unlike restrict(), the others are taken out of the search itself: speech like them is then a decoy,
        phones or another phrase, never forced onto a phrase the coach would not act on.
        """
        self._listening = self._all if phrases is None else subset_of(self._all, phrases, "listen_for")
        self._verify_searches(self._listening)
        self._allowed = self._restricted_to & self._listening

    def _verify_searches(self, phrases: frozenset[str]) -> str:
        """The suffix of the verify searches whose commands are `phrases`, added the first time they are asked for.

        "verify": one command, decoy or run of phones per segment, decided on the whole segment;
        "verify_coach" the same without the quiet tokens, for segments that overlap the coach's voice;
        "verify_steady" the same as "verify" with a costlier phone loop, for segments in steady noise.
        """
        suffix = self._suffixes.get(phrases)
        if suffix is not None:
            return suffix
        suffix = self._suffixes[phrases] = f"#{len(self._suffixes)}" if self._suffixes else ""
        s = self.settings
        tokens = [t for t in self._tokens if self._phrase_of[t] in phrases]
        quiet = [t for t in self._quiet_tokens if self._phrase_of[t] in phrases]
        for name, choices, phone_weight in (("verify", [*tokens, *quiet], s.phone_weight),
                                            ("verify_coach", tokens, s.phone_weight),
                                            ("verify_steady", [*tokens, *quiet], s.steady_phone_weight)):
            verify = verify_transitions(choices, self.decoys, CMU_PHONES, s.decoy_weight, phone_weight,
                                        s.command_weight)
            self._verifier.add_fsg(name + suffix, self._verifier.create_fsg(name + suffix, 0, 1, verify))
        return suffix

    # --- streaming ---------------------------------------------------------

    def _now(self) -> float:
        return float(self._n_frames * self._frame_len)

    def _suppressed(self, frame: bytes) -> bytes:
        """The frame as the batch decisions hear it: noise-suppressed 10 ms at a time (the processor's unit)."""
        if self._suppressor is None:
            return frame
        step = _BYTES_10MS
        return b"".join(self._suppressor.Process10ms(frame[i : i + step]).audio for i in range(0, len(frame), step))

    def _frame(self, frame: bytes) -> list[Detection]:
        self._n_frames += 1
        quiet = self._suppressed(frame)  # every frame: the suppressor tracks the noise continuously
        was_in_speech = self._ep.in_speech
        self._ep.process(frame)
        self._ring.append((frame, quiet, self._ep.last_voice))
        # Quiet for early commits is quiet by the voice detector alone, stricter than the endpointer's: the
        # fading end of a word below the noise gate must not pass for the pause after a command.
        self._quiet_run = 0 if self._ep.last_voice else self._quiet_run + 1
        self._gated_run = 0 if self._ep.last_speech else self._gated_run + 1
        if self._in_utt and self._ep.last_speech:
            self._speech_last = self._n_frames
        out: list[Detection] = []
        if self._ep.in_speech and not was_in_speech and not self._in_utt:
            self._begin_segment()
        elif self._in_utt:
            self._pending.append((frame, quiet))
            if len(self._pending) >= self.settings.feed_frames:
                self._feed()
                if not self._committed and self._live:
                    barged = self._barge_in(final=False)
                    if barged is not None:
                        out += self._commit(barged)
            first = self._quiet_needed_restricted if self._restricted else self._quiet_needed_open
            pause = self._quiet_run > 0 and self._quiet_run in (first, self._quiet_needed_any)
            if pause and not self._committed:
                out += self._try_early(terminal_only=self._quiet_run != self._quiet_needed_any)
            elif (self._gated_needed and not self._gated_tried and not self._committed and self._quiet_run == 0
                  and self._gated_run == max(self._gated_needed, first)):
                # Once a segment: in babble the gate opens and shuts often, and each try decodes the
                # segment so far up to twice (measured: same recall, RTF in babble 0.105 -> 0.070).
                self._gated_tried = True
                out += self._try_early(terminal_only=True)
        if self._in_utt and (
            (was_in_speech and not self._ep.in_speech)
            or self._utt_frames * _DECODER_FRAME > self.settings.max_segment
        ):
            out += self._end_segment()
        return out

    def _begin_segment(self) -> None:
        # Replay from a little before the segment's first speech frame so the decoder hears the onset.
        back = round((self._now() - self._ep.speech_start + self.settings.preroll) / self._frame_len)
        keep = max(1, min(back, len(self._ring)))
        frames = list(self._ring)[-keep:]
        lead = round(self._ep.speech_start / self._frame_len) - (self._n_frames - keep)  # first speech frame
        limit = max(0, lead - round(self.settings.lead_in_guard / self._frame_len))
        self._voiced_lead = [i for i, (_, _, voiced) in enumerate(frames[:limit]) if voiced]
        self._in_utt = True
        self._committed = False
        self._gated_tried = False
        self._speech_first = round(self._ep.speech_start / self._frame_len) + 1
        self._speech_last = self._n_frames
        self._segment_first = self._n_frames - keep + 1  # the endpointer frame the segment's audio starts at
        self._utt_db = []
        self._utt_frames = 0
        self._pending = []
        self._utt_audio, self._utt_quiet, self._utt_dither = [], [], []
        self._live = self._heard_coach = self._restricted
        self._noise = self._ep.noise()
        if self._live:
            self._decoder.start_utt()
        step = self.settings.feed_frames
        for i in range(0, len(frames), step):
            self._pending = [(raw, quiet) for raw, quiet, _ in frames[i : i + step]]
            self._feed()

    def _feed(self) -> None:
        if not self._pending:
            return
        x = np.frombuffer(b"".join(raw for raw, _ in self._pending), dtype="<i2").astype(np.float64)
        quiet = np.frombuffer(b"".join(q for _, q in self._pending), dtype="<i2").astype(np.float64)
        self._pending = []
        # A faint noise floor: on digital silence (files, zero-filled mute windows) PocketSphinx's
        # cepstral mean normalization takes log(0) and recognition collapses; a microphone never does this.
        dither = self._rng.normal(0.0, self.settings.dither, len(x))
        data = np.clip(x + dither, -32768, 32767).astype("<i2").tobytes()
        self._utt_audio.append(data)
        self._utt_quiet.append(quiet.astype("<i2").tobytes())  # dithered after scaling, in _leveled
        self._utt_dither.append(dither)
        if self._live:
            self._decoder.process_raw(data, False, False)
        hop = round(_MODEL_RATE * _DECODER_FRAME)
        n = len(x) // hop
        if n:
            power = (x[: n * hop].reshape(n, hop) ** 2).mean(axis=1)
            self._utt_db.extend((10 * np.log10(power + 1.0)).tolist())
        self._utt_frames += n

    def _try_early(self, terminal_only: bool) -> list[Detection]:
        """At a pause inside the segment: commit now if the speech so far is a complete command."""
        self._feed()
        if self._utt_frames * _DECODER_FRAME > self.settings.max_command:
            return []
        phrase = self._decide()
        if phrase is not None and (phrase in self._terminal or not terminal_only) and phrase in self._allowed:
            return self._commit(phrase)
        return []

    def _end_segment(self) -> list[Detection]:
        self._feed()
        self._in_utt = False
        phrase = None
        if self._live:
            self._decoder.end_utt()
            self._live = False
            if not self._committed:
                phrase = self._barge_in(final=True)
        if self._committed:
            return []
        if phrase is None and self._utt_frames * _DECODER_FRAME <= self.settings.max_command:
            phrase = self._decide()
        return self._commit(phrase) if phrase is not None and phrase in self._allowed else []

    def _leveled(self, x: np.ndarray) -> bytes:
        """Suppressed segment audio scaled to `decode_level` (active RMS), then dithered, as 16-bit PCM."""
        s = self.settings
        if s.decode_level > 0:
            hop = round(_MODEL_RATE * _DECODER_FRAME)
            n = len(x) // hop
            if n:
                power = (x[: n * hop].reshape(n, hop) ** 2).mean(axis=1)
                active = power[power >= power.max() * 1e-3]  # frames within 30 dB of the loudest (speech.active_rms)
                rms = float(np.sqrt(active.mean()))
                if rms > 0:
                    x = x * min(s.decode_level / rms, 10 ** (s.max_decode_gain_db / 20))
        x = x + np.concatenate(self._utt_dither)[: len(x)]
        return bytes(np.clip(x, -32768, 32767).astype("<i2").tobytes())

    def _decide(self) -> str | None:
        """The one command the segment so far says, or None."""
        x = np.frombuffer(b"".join(self._utt_quiet), dtype="<i2").astype(np.float64)
        speech = self._speech_seconds()
        steady = self._in_steady_noise()
        phrase = self._verify(self._leveled(x), speech, steady=steady)
        if phrase is not None or not self._voiced_lead or self.settings.lead_in_gain == 1.0:
            return phrase
        n = self._frame_bytes // 2  # samples per endpointer frame
        for i in self._voiced_lead:
            x[i * n : (i + 1) * n] *= self.settings.lead_in_gain
        return self._verify(self._leveled(x), speech, steady=steady)

    def _in_steady_noise(self) -> bool:
        """Whether the segment stands less than `steady_snr_db` over steady noise."""
        s = self.settings
        if self._noise is None or not self._utt_db:
            return False
        floor, waver = self._noise
        return waver < s.steady_waver_db and float(np.percentile(self._utt_db, 90)) - floor < s.steady_snr_db

    def _speech_seconds(self) -> float:
        """How long the segment's speech lasts: from its first to its last speech frame, trimmed of the frames at
        either end more than `coverage_within_db` under the loudest (the coach's echo left by the canceller)."""
        seconds = (self._speech_last - self._speech_first + 1) * self._frame_len
        per = round(self._frame_len / _DECODER_FRAME)  # 10 ms levels per endpointer frame
        first = max(0, (self._speech_first - self._segment_first) * per)
        db = np.asarray(self._utt_db[first : (self._speech_last - self._segment_first + 1) * per])
        if self.settings.coverage_within_db <= 0 or len(db) == 0:
            return seconds
        loud = np.nonzero(db >= db.max() - self.settings.coverage_within_db)[0]
        return float((loud[-1] - loud[0] + 1) * _DECODER_FRAME)

    def _verify(self, audio: bytes, speech: float, cmn: str | None = None, steady: bool = False) -> str | None:
        """The one command `audio` says, or None: the whole of it decoded with the verify grammar.

        The command must also span `min_coverage` of the `speech` seconds in it. With `cmn` (a cepstral
        mean) the audio is normalized by it instead of by its own mean; `steady`: the segment is in steady noise.
        """
        d = self._verifier
        kind = "verify_coach" if self._heard_coach else "verify_steady" if steady else "verify"
        search = kind + self._suffixes[self._listening]
        if search != self._search:
            d.activate_search(search)
            self._search = search
        if cmn is not None:
            d.set_cmn(cmn)
        d.start_utt()
        d.process_raw(audio, False, cmn is None)
        d.end_utt()
        words = _words(d)
        if len(words) != 1 or words[0][0] not in self._phrase_of:
            return None
        token, first, last = words[0]
        if (last - first + 1) * _DECODER_FRAME < self.settings.min_coverage * speech:
            return None
        return self._phrase_of[token]

    def _commit(self, phrase: str) -> list[Detection]:
        self._committed = True
        return [Detection(t=round(self._now(), 3), text=phrase)]

    def _verify_unit(self, first: int, last: int, final: bool) -> str | None:
        """A second opinion on a barge-in: the verify grammar on just those 10 ms frames of the segment.

        The live loop has no free phones, so it may place a command on a loud word that is none.
        """
        hop = _BYTES_10MS
        # With the live decoder's cepstral mean (of the whole segment so far): a few hundred ms of one word
        # normalized by its own mean is mostly the word itself, and a barged-in "stop" came out as "so".
        unit = b"".join(self._utt_audio)[max(0, first) * hop : (last + 1) * hop]
        return self._verify(unit, 0.0, cmn=self._decoder.get_cmn())

    def _units(self) -> list[tuple[str, int, int]]:
        """The live hypothesis so far as (unit, first 10 ms frame, last frame), each command one unit."""
        return [(token_phrase(word), first, last) for word, first, last in _words(self._decoder)]

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
            if len(outside_speech) * _DECODER_FRAME < self.settings.barge_in_context or end <= start:
                continue
            inside = db[start : end + 1]
            lift = float(np.percentile(inside, 80) - np.percentile(outside_speech, 80))
            louder = lift >= self.settings.barge_in_margin_db
            if louder and self._verify_unit(start - guard, end + guard, final) == phrase:
                return phrase
        return None
