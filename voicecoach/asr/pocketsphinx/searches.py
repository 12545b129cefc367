"""The command phrases as PocketSphinx searches: their dictionary words, the searches that decide a segment whole
for each set of phrases listened for, and the live loop that places a barge-in."""

from __future__ import annotations

from collections.abc import Sequence

from voicecoach.asr.pocketsphinx.accents import phrase_pronunciations
from voicecoach.asr.pocketsphinx.decoys import (
    CMU_PHONES,
    common_words,
    garbage_phone_word,
    loop_transitions,
    phrase_token,
    token_phrase,
    verify_transitions,
)
from voicecoach.asr.pocketsphinx.model import (
    DECODER_FRAME,
    DICTIONARY_NAME,
    bundled_lexicon,
    decoded_words,
    decoder,
)
from voicecoach.asr.pocketsphinx.settings import SphinxSettings
from voicecoach.asr.vocabulary import check_vocabulary

_QUIET = "-quiet"  # suffix of a phrase's token for pronunciations heard only while the coach is silent


class Searches:
    """Two decoders, each with only the words its grammar uses (the full dictionary costs 28 MB a decoder, these
    5 MB): one decides whole segments in batch while the other, `live`, goes on live, so a batch decode never
    interrupts the live search (replaying it afterwards cost more than all else)."""

    def __init__(self, phrases: Sequence[str], settings: SphinxSettings) -> None:
        """`phrases`: normalized (vocabulary.normalize_phrases). Raises VocabularyError for a word the
        dictionary lacks."""
        self.settings = s = settings
        prons, found = bundled_lexicon(tuple(phrases), s.common_decoys, s.sound_alikes_per_word, s.voicing_twins)
        check_vocabulary(phrases, prons.__contains__, DICTIONARY_NAME)
        self._decoys = list(found)
        self._runs = [w for w in common_words(s.run_words) if w in found]  # decoys that may follow one another
        tokens = [phrase_token(p) for p in phrases]
        words = {t: phrase_pronunciations(p.split(), prons.__getitem__, nurse=s.nurse_words)
                 for p, t in zip(phrases, tokens, strict=True)}
        # Pronunciations heard only while the coach is silent (TRAP, accents.py): each phrase that has some gets
        # a second token, which only the "verify" search has.
        quiet = {}
        for phrase, token in zip(phrases, tokens, strict=True):
            extra = [p for p in phrase_pronunciations(phrase.split(), prons.__getitem__, nurse=s.nurse_words,
                                                      trap=s.trap_words)
                     if p not in words[token]]
            if extra:
                quiet[token + _QUIET] = extra
        self._phrase_of = {t: token_phrase(t.removesuffix(_QUIET)) for t in [*tokens, *quiet]}
        self._tokens, self._quiet_tokens = tokens, list(quiet)
        words |= quiet | found
        self._verifier = decoder(words | {garbage_phone_word(p): [(p,)] for p in CMU_PHONES}, wbeam=s.verify_word_beam)
        self._suffixes: dict[frozenset[str], str] = {}  # each set of commands' verify searches: their names' suffix
        self.add(frozenset(phrases))
        self._search = "verify"
        self._verifier.activate_search(self._search)
        live_words = {w: p for w, p in words.items() if w not in quiet}
        self.live = decoder(live_words, beam=s.live_beam, pbeam=s.live_beam, wbeam=s.live_word_beam)
        """The live decoder, its search "loop": any sequence of commands and decoys (words: phrase tokens)."""
        loop = loop_transitions(tokens, self._decoys, 0.001)
        self.live.add_fsg("loop", self.live.create_fsg("loop", 0, 1, loop))
        self.live.activate_search("loop")

    def add(self, phrases: frozenset[str]) -> None:
        """Add the verify searches whose commands are `phrases`, unless they were added before.

        "verify": one command, decoy or run of phones per segment, decided on the whole segment;
        "verify_coach" the same without the quiet tokens, for segments that overlap the coach's voice;
        "verify_steady" the same as "verify" with a costlier phone loop, for segments in steady noise;
        "guard" and "guard_coach" as "verify" and "verify_coach" with phones `evidence_factor` times cheaper: the
        second opinion a command of several words must also win (SphinxSettings.evidence_factor);
        with SphinxSettings.tentative, "bare", "bare_steady" and "bare_guard" as "verify", "verify_steady" and
        "guard" without the decoys.
        """
        if phrases in self._suffixes:
            return
        suffix = self._suffixes[phrases] = f"#{len(self._suffixes)}" if self._suffixes else ""
        s = self.settings
        tokens = [t for t in self._tokens if self._phrase_of[t] in phrases]
        quiet = [t for t in self._quiet_tokens if self._phrase_of[t] in phrases]
        cheap = s.phone_weight * s.evidence_factor
        searches = [("verify", [*tokens, *quiet], s.phone_weight, s.decoy_weight),
                    ("verify_coach", tokens, s.phone_weight, s.decoy_weight),
                    ("verify_steady", [*tokens, *quiet], s.steady_phone_weight, s.decoy_weight),
                    ("guard", [*tokens, *quiet], cheap, s.decoy_weight),
                    ("guard_coach", tokens, cheap, s.decoy_weight)]
        if s.tentative:
            searches += [("bare", [*tokens, *quiet], s.phone_weight, 0.0),
                         ("bare_steady", [*tokens, *quiet], s.steady_phone_weight, 0.0),
                         ("bare_guard", [*tokens, *quiet], cheap, 0.0)]
        for name, choices, phone_weight, decoy_weight in searches:
            verify = verify_transitions(choices, self._decoys, CMU_PHONES, decoy_weight, phone_weight,
                                        s.command_weight, runs=self._runs, run_weight=s.run_weight)
            self._verifier.add_fsg(name + suffix, self._verifier.create_fsg(name + suffix, 0, 1, verify))

    def verify(self, audio: bytes, phrases: frozenset[str], *, coach: bool, steady: bool, min_span: float = 0.0,
               cmn: str | None = None, decoys: bool = True) -> str | None:
        """The one command of `phrases` (added before) that `audio` says, or None: all of it decoded at once.

        The command's own frames must span at least `min_span` seconds. `coach`: the audio overlaps the coach's
        voice; `steady`: it is in steady noise. With `cmn` (a cepstral mean) the audio is normalized by it
        instead of by its own mean. Without `decoys` (only with SphinxSettings.tentative, never with `coach`) the
        command competes with the free phones alone.
        """
        if not decoys:
            if coach or not self.settings.tentative:
                raise ValueError("deciding without decoys needs SphinxSettings.tentative and no coach's voice")
            kind, guard = ("bare_steady" if steady else "bare"), "bare_guard"
        else:
            kind = "verify_coach" if coach else "verify_steady" if steady else "verify"
            guard = "guard_coach" if coach else "guard"
        phrase = self._decode(kind + self._suffixes[phrases], audio, min_span, cmn)
        if phrase is None or " " not in phrase or self.settings.evidence_factor == 1.0:
            return phrase
        return phrase if self._decode(guard + self._suffixes[phrases], audio, min_span, cmn) == phrase else None

    def _decode(self, search: str, audio: bytes, min_span: float, cmn: str | None) -> str | None:
        """The one command `search` finds in `audio`, its frames spanning `min_span` seconds, or None."""
        d = self._verifier
        if search != self._search:
            d.activate_search(search)
            self._search = search
        if cmn is not None:
            d.set_cmn(cmn)
        d.start_utt()
        d.process_raw(audio, False, cmn is None)
        d.end_utt()
        words = decoded_words(d)
        if len(words) != 1 or words[0][0] not in self._phrase_of:
            return None
        token, first, last = words[0]
        if (last - first + 1) * DECODER_FRAME < min_span:
            return None
        return self._phrase_of[token]

