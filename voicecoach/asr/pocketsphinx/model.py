"""The bundled US English model: its rate and frame, its dictionary, and decoders that know only the words given."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pocketsphinx

from voicecoach.asr.pocketsphinx.decoys import Pron, dictionary_entries, lexicon, word_rank_score
from voicecoach.asr.pocketsphinx.lexicon_cache import Lexicon, cached_lexicon

MODEL_RATE = 16000
DECODER_FRAME = 0.01  # PocketSphinx features are 10 ms frames (frate 100)
FRAME_SAMPLES = round(MODEL_RATE * DECODER_FRAME)  # samples per 10 ms frame, also the noise suppressor's unit
BUNDLED_DICTIONARY = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
_ALT = re.compile(r"\(\d+\)$")
DICTIONARY_NAME = "PocketSphinx en-us dictionary"  # how errors name the vocabulary it can hear


def dictionary_words() -> frozenset[str]:
    """Every word of the bundled dictionary: what PocketSphinx can hear (read afresh: `check` needs it once)."""
    return frozenset(word for word, _ in dictionary_entries(BUNDLED_DICTIONARY)())


def decoder(words: dict[str, list[Pron]], **config: float) -> pocketsphinx.Decoder:
    """A decoder on the bundled model whose dictionary is just `words` (alternates as "word(2)", ...).

    FSG searches try every alternate of a word, so a command's accent variants need no grammar change.
    `config` sets more of the decoder's options (search beams).
    """
    d = pocketsphinx.Decoder(lm=None, loglevel="FATAL", bestpath=False, dict=os.devnull, **config)
    for word, prons in words.items():
        for i, pron in enumerate(dict.fromkeys(prons)):
            d.add_word(word if i == 0 else f"{word}({i + 1})", " ".join(pron), False)
    return d


def decoded_words(d: pocketsphinx.Decoder) -> list[tuple[str, int, int]]:
    """A decoder's words (no silences or fillers) as (word, first 10 ms frame, last frame)."""
    out = []
    for seg in d.seg() or ():
        word = _ALT.sub("", seg.word)
        if word and not word.startswith(("<", "[")):
            out.append((word, seg.start_frame, seg.end_frame))
    return out


@functools.lru_cache(maxsize=4)
def bundled_lexicon(phrases: tuple[str, ...], n_common: int, per_word: int, voicing_twins: bool) -> Lexicon:
    """decoys.lexicon on the bundled dictionary, kept on disk between starts and for the process's later
    recognizers (read-only).

    Reading the dictionary is most of building a recognizer, several times more so on a Pi.
    """
    options = {"n_common": n_common, "per_word": per_word, "voicing_twins": voicing_twins}

    def build() -> Lexicon:
        return lexicon(phrases, dictionary_entries(BUNDLED_DICTIONARY), word_rank_score(), n_common=n_common,
                       per_word=per_word, voicing_twins=voicing_twins)

    return cached_lexicon(phrases, BUNDLED_DICTIONARY, build, options)
