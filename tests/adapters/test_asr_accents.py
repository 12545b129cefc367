"""British pronunciation variants: the rules, and that the recognizer uses them on a British voice."""

from __future__ import annotations

import pytest

from voicecoach.asr.accents import british_variants, phrase_pronunciations


def _p(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@pytest.mark.parametrize(
    ("us", "british"),
    [
        ("S T AA P", ["S T AO P", "S T OW P"]),  # LOT: "stop"
        ("S T AA R T", ["S T AA T"]),  # non-rhotic, and AA before R is not LOT
        ("F AE S T ER", ["F AA S T AH"]),  # BATH and a final schwa
        ("L AO NG G ER", ["L AO NG G AH"]),
        ("R IH Z UW M", []),  # most words are the same
        ("K AE N", []),  # AE before N without a consonant after it stays
        ("HH ER T S", []),  # NURSE keeps its ER
        ("R OW T EY SH AH N", []),  # R before a vowel is spoken
    ],
)
def test_british_variants(us: str, british: list[str]) -> None:
    assert british_variants(_p(us)) == [_p(b) for b in british]


def test_phrase_pronunciations_combine_every_variant_of_every_word() -> None:
    dictionary = {"start": [_p("S T AA R T")], "cat": [_p("K AE T")], "again": [_p("AH G EH N"), _p("AH G EY N")]}
    got = phrase_pronunciations(["start", "cat"], dictionary.__getitem__)
    assert got == [_p("S T AA R T K AE T"), _p("S T AA T K AE T")]  # the dictionary's own comes first
    assert len(phrase_pronunciations(["again", "again", "again"], dictionary.__getitem__)) == 8
    assert len(phrase_pronunciations(["again", "again", "again"], dictionary.__getitem__, limit=3)) == 3


@pytest.mark.audio
def test_a_british_stop_is_heard() -> None:
    """espeak-ng's en-gb "stop" was decoded as "scope" at every speed before the LOT variants."""
    from voicecoach.asr.pocketsphinx_asr import PocketSphinxRecognizer
    from voicecoach.testing import asr_eval, speech

    rec = PocketSphinxRecognizer(asr_eval.PHRASES)
    clips = [asr_eval.Clip(speech.pad(speech.synthesize("stop", v, 160), 0.6, 1.0), "stop", v)
             for v in ("en-gb", "en-gb-x-rp")]
    heard = [[d.text for d in o.detections] for o in asr_eval.stream(rec, clips)]
    assert heard == [["stop"], ["stop"]]
