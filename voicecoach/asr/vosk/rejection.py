"""Rejection without "[unk]": decoy words from the model's own vocabulary, so that speech need not become a command."""

# Theory of operation
# -------------------
# Vosk compiles the phrase list into a bigram language model (vosk-api recognizer.cc, UpdateGrammarFst), so
# whatever is said comes out as the phrases that sound the least unlike it: a sentence becomes "next next
# stop". "[unk]" gives such speech somewhere else to go, but not every model has it (the Korean small model
# has "<UNK>", which the decoder hardly ever picks). Decoys do it with any model: short words of the model's
# vocabulary (one Hangul syllable, two or three Latin letters), in the commands' script, that are not spelled
# like a command word, join the phrase list. Short, because any speech can then be spelled out in them, as a
# phone loop would: "이전에" becomes "이전 에" rather than "이전". Speech that is not a command now decodes as
# decoys, or as a mix; a command commits only when it is the whole segment (asr/commit.py). Each command
# phrase may be listed `command_weight` times: Vosk counts repeats, so a command is then that much likelier
# than any one decoy, buying back recall the decoys cost, and letting more false commands through.
# Measured on the Korean model (benchmarks/VOSK-KOREAN.md): more decoys, fewer false commands and, past a few
# dozen, fewer commands heard; the defaults are where the false commands had fallen most with no command lost.

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

UNKNOWN_WORDS = ("[unk]", "<unk>", "<UNK>")
"""How models spell their unknown-word symbol: the first one the vocabulary has is added to the grammar."""


@dataclass(frozen=True)
class Rejection:
    """How the Vosk adapter keeps speech that is not a command from becoming one."""

    decoys: int = 30
    """Decoy words drawn from the model's vocabulary and added to the grammar (0: none)."""
    command_weight: int = 1
    """Times each command phrase is listed in the grammar: higher hears more commands, and more false ones."""
    longest: int = 3
    """The longest decoy, in letters (Hangul syllables count their jamo: 3 is one syllable); 2 is the shortest."""
    closest: float = 0.75
    """A word whose spelling (letters, or Hangul jamo) is at least this similar to a command word is no decoy,
    so a command is not lost to a word that sounds like it (difflib ratio, 0 to 1)."""

    def __post_init__(self) -> None:
        if self.decoys < 0:
            raise ValueError(f"decoys must be 0 or more, not {self.decoys}")
        if self.command_weight < 1:
            raise ValueError(f"command_weight must be 1 or more, not {self.command_weight}")
        if self.longest < 2:
            raise ValueError(f"longest must be 2 or more, not {self.longest}")
        if not 0.0 < self.closest <= 1.0:
            raise ValueError(f"closest must be in (0, 1], not {self.closest}")


DEFAULT = Rejection()
NO_REJECTION = Rejection(decoys=0, command_weight=1)
"""The phrase list alone (and the model's unknown-word symbol, if it has one)."""


def _script(word: str) -> str:
    """The Unicode script of a word's first letter ("LATIN", "HANGUL", ...)."""
    return unicodedata.name(word[0], "?").split()[0]


def _spelling(word: str) -> str:
    return unicodedata.normalize("NFD", word)  # Hangul syllables come apart into jamo, close to phonemes


def decoy_words(vocabulary: Sequence[str], phrases: Iterable[str], rejection: Rejection) -> list[str]:
    """Up to `rejection.decoys` decoys: words of `vocabulary` (in the model's own order, sampled evenly across the
    short ones, so the same model and phrases always give the same decoys), alphabetic, in the commands' script,
    2 to `rejection.longest` letters or jamo, and not spelled like any command word."""
    if rejection.decoys <= 0:
        return []
    count, closest = rejection.decoys, rejection.closest
    command_words = {w for p in phrases for w in p.split()}
    scripts = {_script(w) for w in command_words}
    spelled = [_spelling(w) for w in command_words]
    short = [w for w in vocabulary if len(w) <= rejection.longest and 2 <= len(_spelling(w)) <= rejection.longest]
    step = max(1, len(short) // (count * 4))  # about one word in four of those met is kept
    out: list[str] = []
    for start in range(step):
        for word in short[start::step]:
            if word in command_words or not word.isalpha() or _script(word) not in scripts:
                continue
            form = _spelling(word)
            matcher = difflib.SequenceMatcher(None, form)
            if any(_similar(matcher, c, closest) for c in spelled):
                continue
            out.append(word)
            if len(out) == count:
                return out
    return out


def _similar(matcher: difflib.SequenceMatcher[str], other: str, closest: float) -> bool:
    matcher.set_seq2(other)
    return matcher.real_quick_ratio() >= closest and matcher.quick_ratio() >= closest and matcher.ratio() >= closest


def grammar_list(phrases: Sequence[str], vocabulary: Container[str], decoys: Sequence[str],
                 command_weight: int) -> list[str]:
    """The phrase list Vosk compiles: each command `command_weight` times, the decoys, the unknown-word symbol."""
    unknown = [w for w in UNKNOWN_WORDS if w in vocabulary][:1]
    return [*phrases] * command_weight + list(decoys) + unknown
