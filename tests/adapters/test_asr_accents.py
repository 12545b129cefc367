"""Accent variants of pronunciations: the rules, and that the recognizer uses them."""

from __future__ import annotations

import pytest

from voicecoach.asr.pocketsphinx.accents import (
    accent_variants,
    british_variants,
    nurse_variants,
    phrase_pronunciations,
    vocalized_l,
)


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
        ("B AE K", []),  # and so does TRAP, unless asked (below)
        ("HH ER T S", []),  # NURSE keeps its ER
        ("R OW T EY SH AH N", []),  # R before a vowel is spoken
    ],
)
def test_british_variants(us: str, british: list[str]) -> None:
    assert british_variants(_p(us)) == [_p(b) for b in british]


def test_british_variants_with_the_trap_vowel() -> None:
    assert british_variants(_p("B AE K"), trap=True) == [_p("B AA K")]
    assert british_variants(_p("K AE N"), trap=True) == [_p("K AA N")]
    assert british_variants(_p("F AE S T ER"), trap=True) == british_variants(_p("F AE S T ER"))  # BATH already


@pytest.mark.parametrize(
    ("us", "vocalized"),
    [
        ("HH EH L P", "HH EH OW P"),  # "help": the L closes the syllable
        ("R OW T EY SH AH N AH L", "R OW T EY SH AH N AH OW"),  # a final L
        ("L IH S T", None),  # an L that starts a word is clear
        ("S L OW ER", None),  # so is one after a consonant
        ("R IY L IY", None),  # and one before a vowel ("really")
    ],
)
def test_vocalized_l(us: str, vocalized: str | None) -> None:
    assert vocalized_l(_p(us)) == (None if vocalized is None else _p(vocalized))


@pytest.mark.parametrize(
    ("us", "nurse"),
    [
        ("HH ER T S", ["HH AH T S"]),  # "hurts"
        ("EH K S ER S AY Z", ["EH K S AH S AY Z"]),  # "exercise"
        ("S L OW ER", []),  # a final ER is british_variants' schwa
        ("P EY N", []),
    ],
)
def test_nurse_variants(us: str, nurse: list[str]) -> None:
    assert nurse_variants(_p(us)) == [_p(n) for n in nurse]


def test_phrase_pronunciations_add_nurse_variants_only_when_asked() -> None:
    dictionary = {"it": [_p("IH T")], "hurts": [_p("HH ER T S")]}
    assert phrase_pronunciations(["it", "hurts"], dictionary.__getitem__) == [_p("IH T HH ER T S")]
    assert phrase_pronunciations(["it", "hurts"], dictionary.__getitem__, nurse={"hurts"}) == [
        _p("IH T HH ER T S"), _p("IH T HH AH T S")]


def test_accent_variants_vocalize_the_l_of_british_variants_too() -> None:
    assert accent_variants(_p("HH EH L P")) == [_p("HH EH OW P")]
    assert accent_variants(_p("D AA L T")) == [_p("D AO L T"), _p("D OW L T"), _p("D AA OW T"),
                                                _p("D AO OW T"), _p("D OW OW T")]


def test_phrase_pronunciations_combine_every_variant_of_every_word() -> None:
    dictionary = {"start": [_p("S T AA R T")], "cat": [_p("K AE T")], "again": [_p("AH G EH N"), _p("AH G EY N")]}
    got = phrase_pronunciations(["start", "cat"], dictionary.__getitem__)
    assert got == [_p("S T AA R T K AE T"), _p("S T AA T K AE T")]  # the dictionary's own comes first
    assert phrase_pronunciations(["start", "cat"], dictionary.__getitem__, trap={"cat"}) == [
        _p("S T AA R T K AE T"), _p("S T AA R T K AA T"), _p("S T AA T K AE T"), _p("S T AA T K AA T")]
    assert len(phrase_pronunciations(["again", "again", "again"], dictionary.__getitem__)) == 8
    assert len(phrase_pronunciations(["again", "again", "again"], dictionary.__getitem__, limit=3)) == 3


def heard(texts_and_voices: list[tuple[str, str]], wpm: int = 160,
          restricted: frozenset[str] | None = None) -> list[list[str]]:
    """What the shipped recognizer commits for each (text, voice), said alone one after another."""
    from benchmarks.streaming import PHRASES, Clip, stream
    from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
    from voicecoach.testing import speech

    rec = PocketSphinxRecognizer(PHRASES)
    rec.restrict(restricted)
    clips = [Clip(speech.pad(speech.synthesize(text, voice, wpm), 0.6, 1.0), text, voice)
             for text, voice in texts_and_voices]
    return [[d.text for d in o.detections] for o in stream(rec, clips)]


@pytest.mark.audio
def test_a_british_stop_is_heard() -> None:
    """espeak-ng's en-gb "stop" was decoded as "scope" at every speed before the LOT variants. Any phrasing of
    stop will do (en-gb-x-rp's released final P is heard as "stop it")."""
    from benchmarks.streaming import shipped_grammar

    grammar = shipped_grammar()
    said = heard([("stop", "en-gb"), ("stop", "en-gb-x-rp")])
    assert [[grammar.table[text].name for text in texts] for texts in said] == [["stop"], ["stop"]], said


@pytest.mark.audio
def test_a_british_trap_vowel_is_heard() -> None:
    """espeak-ng's British "go back" was decoded as "cannot" or free phones with AA before the TRAP variant
    (heard while the coach is silent, as here)."""
    cases = [("go back", "en-gb"), ("go back", "en-gb-scotland"), ("back", "en-gb")]
    assert heard(cases) == [[p] for p, _ in cases]


@pytest.mark.audio
def test_help_with_a_dark_l_is_heard() -> None:
    """espeak-ng's "help" was decoded as "do" or "till" on every voice before the vocalized-L variant."""
    assert heard([("help", v) for v in ("en-us", "en-gb-x-rp", "en-us+m3")]) == [["help"], ["help"], ["help"]]


@pytest.mark.audio
@pytest.mark.parametrize(("voice", "wpm"), [("en+f3", 200), ("en-gb-x-rp", 160)])
@pytest.mark.parametrize("restricted", [False, True], ids=["coach-silent", "coach-speaking"])
def test_a_british_it_hurts_is_heard_while_the_coach_speaks_too(voice: str, wpm: int, restricted: bool) -> None:
    """espeak-ng's British "it hurts" was decoded as "because" before the NURSE variant (SphinxSettings.nurse_words),
    which is heard while the coach speaks too. en+f3's at 200 wpm, said while it speaks, needs the variant
    (benchmarks/TUNING.md measures every voice and speed with and without it)."""
    barge_in = frozenset({"it hurts", "stop"}) if restricted else None
    assert heard([("it hurts", voice)], wpm, barge_in) == [["it hurts"]]
