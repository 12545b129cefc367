"""The decoy lexicon kept on disk: the same lexicon as built, and never a reason not to start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voicecoach.asr.pocketsphinx.decoys import dictionary_entries, lexicon, word_rank_score
from voicecoach.asr.pocketsphinx.lexicon_cache import Lexicon, cache_dir, cached_lexicon
from voicecoach.asr.pocketsphinx.model import BUNDLED_DICTIONARY as DICTIONARY

PHRASES = ("stop", "next", "it hurts")
OPTIONS: dict[str, Any] = {"n_common": 50, "per_word": 4, "voicing_twins": True}


class Builder:
    """decoys.lexicon on the bundled dictionary, counting how often it really ran."""

    def __init__(self, phrases: tuple[str, ...] = PHRASES) -> None:
        self.phrases = phrases
        self.runs = 0

    def __call__(self) -> Lexicon:
        self.runs += 1
        return lexicon(self.phrases, dictionary_entries(DICTIONARY), word_rank_score(), **OPTIONS)


def _same(a: Lexicon, b: Lexicon) -> bool:
    # The decoys' order is the grammar's order of transitions, so it must survive the cache too.
    return a == b and list(a[0]) == list(b[0]) and list(a[1]) == list(b[1])


def test_a_second_start_reads_the_lexicon_the_first_built(tmp_path: Path) -> None:
    build = Builder()
    first = cached_lexicon(PHRASES, DICTIONARY, build, OPTIONS, tmp_path)
    second = cached_lexicon(PHRASES, DICTIONARY, build, OPTIONS, tmp_path)
    assert build.runs == 1
    assert _same(first, second)
    assert "the" in second[1] and ("S", "T", "AA", "P") in second[0]["stop"]


def test_other_phrases_or_options_build_afresh(tmp_path: Path) -> None:
    build = Builder()
    cached_lexicon(PHRASES, DICTIONARY, build, OPTIONS, tmp_path)
    cached_lexicon(PHRASES, DICTIONARY, build, {**OPTIONS, "per_word": 5}, tmp_path)
    other = Builder(("stop", "pause"))
    got = cached_lexicon(other.phrases, DICTIONARY, other, OPTIONS, tmp_path)
    assert (build.runs, other.runs) == (2, 1)
    assert "pause" in got[0]


def test_a_damaged_cache_file_is_built_again_and_replaced(tmp_path: Path) -> None:
    build = Builder()
    good = cached_lexicon(PHRASES, DICTIONARY, build, OPTIONS, tmp_path)
    (path,) = tmp_path.glob("lexicon-*.json")
    for damage in ("{not json", '{"prons": {}}', '{"prons": 3, "decoys": []}', ""):
        path.write_text(damage)
        assert _same(cached_lexicon(PHRASES, DICTIONARY, build, OPTIONS, tmp_path), good)
    assert build.runs == 5
    assert _same(cached_lexicon(PHRASES, DICTIONARY, build, OPTIONS, tmp_path), good) and build.runs == 5


def test_an_unwritable_cache_still_starts(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    build = Builder()
    got = cached_lexicon(PHRASES, DICTIONARY, build, OPTIONS, blocker / "cache")
    assert _same(got, build())
    assert list(tmp_path.iterdir()) == [blocker]


def test_where_the_cache_lives(tmp_path: Path) -> None:
    assert cache_dir({"VOICECOACH_CACHE_DIR": str(tmp_path), "XDG_CACHE_HOME": "/x"}) == tmp_path
    assert cache_dir({"XDG_CACHE_HOME": "/var/cache/u", "HOME": "/home/u"}) == Path("/var/cache/u/voicecoach")
    assert cache_dir({"XDG_CACHE_HOME": "relative", "HOME": "/home/u"}) == Path("/home/u/.cache/voicecoach")
