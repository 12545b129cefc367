"""Accent variants of US (CMU dictionary) pronunciations, so the bundled US model hears more speakers."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Sequence

Pron = tuple[str, ...]

_VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"})
# Each variant below was added for what the US model made of espeak-ng's accents; the measurements are in
# benchmarks/NOTES-pocketsphinx.md.
# The US model has no phone for the British LOT vowel /ɒ/ ("stop"). It hears it as AO or as OW: "stop" came out
# as "scope" and "slope" until both were added.
_LOT_AS = ("AO", "OW")
_BATH_BEFORE = frozenset({"S", "F", "TH"})
# The British TRAP vowel is an open [a] ("back", "cat", "that"), and the US model hears it as AA, as it does the
# BATH vowel ("faster"). But the coach's own voice is British too: it came closer to commands ("The microphone is
# back." as "that hurts"), so the recognizer hears the TRAP variants only while the coach is silent, and only for
# some words (SphinxSettings.trap_words).
_TRAP_AS = "AA"
# A vocalized L sounds like a back rounded vowel: "help" came out as "do", "till" or free phones "HH EH OW P".
# (UW gained nothing more, and a British "pose" became "help".)
_DARK_L_AS = "OW"
# The British NURSE vowel /ɜː/ ("hurts") has no R colour; the nearest US phone is AH ("it hurts" came out as
# "because"; AO as well: steady white noise committed "that hurts") (SphinxSettings.nurse_words).
_NURSE_AS = ("AH",)


def british_variants(pron: Pron, trap: bool = False) -> list[Pron]:
    """Pronunciations of `pron` in a British accent that differ from it (none for most words).

    Three regular differences from General American, and with `trap` a fourth:
    - non-rhotic: R after a vowel is silent unless a vowel follows ("start" S T AA T), and a final ER
      is a schwa ("faster" ... T AH);
    - the BATH vowel: AE before S, F, TH or N plus a consonant is AA ("faster" F AA S T AH);
    - the LOT vowel: AA before a consonant other than R is rounded ("stop" S T AO P, S T OW P);
    - the TRAP vowel: any other AE is AA as well ("back" B AA K), as the US model hears it.
    """
    out: list[str] = []
    for i, phone in enumerate(pron):
        after = pron[i + 1] if i + 1 < len(pron) else None
        if phone == "R" and out and out[-1] in _VOWELS and out[-1] != "ER" and after not in _VOWELS:
            continue
        if phone == "ER" and after is None:
            out.append("AH")
        elif phone == "AE" and (after in _BATH_BEFORE or (after == "N" and pron[i + 2 : i + 3] in (("T",), ("S",)))):
            out.append("AA")
        elif phone == "AE" and trap:
            out.append(_TRAP_AS)
        elif phone == "AA" and after is not None and after != "R" and after not in _VOWELS:
            out.append("LOT")
        else:
            out.append(phone)
    variants: list[Pron] = []
    for lot in _LOT_AS:
        variant = tuple(lot if p == "LOT" else p for p in out)
        if variant != tuple(pron) and variant not in variants:
            variants.append(variant)
    return variants


def nurse_variants(pron: Pron) -> list[Pron]:
    """`pron` with its ER vowels (other than a final one, which british_variants makes a schwa) said as in
    British English, without R colour: one variant per vowel of _NURSE_AS (none if it has no such ER)."""
    inner = [i for i, phone in enumerate(pron[:-1]) if phone == "ER"]
    if not inner:
        return []
    return [tuple(vowel if i in inner else phone for i, phone in enumerate(pron)) for vowel in _NURSE_AS]


def vocalized_l(pron: Pron) -> Pron | None:
    """`pron` with every L that ends a syllable (after a vowel, not before one) vocalized, or None if none does.

    Many speakers (London and Estuary English, Australian, New Zealand, parts of the US) say "help" with
    a vowel where the L is, and a dark L after a vowel is close to one anyway.
    """
    out = list(pron)
    for i in range(1, len(pron)):
        after = pron[i + 1] if i + 1 < len(pron) else None
        if pron[i] == "L" and pron[i - 1] in _VOWELS and after not in _VOWELS:
            out[i] = _DARK_L_AS
    return tuple(out) if out != list(pron) else None


def accent_variants(pron: Pron, trap: bool = False) -> list[Pron]:
    """The British variants of `pron` (`trap`: british_variants), then each of `pron` and them with a vocalized L
    (none for most words)."""
    variants = british_variants(pron, trap)
    for base in [pron, *variants]:
        vocalized = vocalized_l(base)
        if vocalized is not None and vocalized not in variants:
            variants.append(vocalized)
    return variants


def phrase_pronunciations(words: Sequence[str], lookup: Callable[[str], list[Pron]], limit: int = 16,
                          nurse: Collection[str] = (), trap: Collection[str] = ()) -> list[Pron]:
    """Pronunciations of a phrase spoken as one token: every dictionary and accent variant of each word,
    combined (at most `limit`; the dictionary's first pronunciation of every word comes first). The words in
    `nurse` also get their NURSE variants, and the accent variants of those; those in `trap` the TRAP vowel too."""
    per_word = []
    for word in words:
        prons = lookup(word)
        if word in nurse:
            prons = list(dict.fromkeys(prons + [v for p in prons for v in nurse_variants(p)]))
        per_word.append(list(dict.fromkeys(prons + [v for p in prons for v in accent_variants(p, word in trap)])))
    combos = itertools.islice(itertools.product(*per_word), limit)
    return [tuple(p for part in combo for p in part) for combo in combos]
