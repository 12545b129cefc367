"""Check every word of every command phrase against a model's vocabulary, so none is silently dropped."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from voicecoach.asr.base import VocabularyError


def normalize_phrases(phrases: Iterable[str]) -> list[str]:
    """Lower-case, single-spaced phrases in their given order, without duplicates; refuse empty ones."""
    out: list[str] = []
    for raw in phrases:
        phrase = " ".join(raw.lower().split())
        if not phrase:
            raise VocabularyError(f"empty command phrase {raw!r}")
        if phrase not in out:
            out.append(phrase)
    if not out:
        raise VocabularyError("no command phrases given")
    return out


def subset_of(built: frozenset[str], phrases: Iterable[str], method: str) -> frozenset[str]:
    """`phrases` normalized, or ValueError naming those the recognizer was not built with (a caller's bug)."""
    wanted = frozenset(" ".join(p.lower().split()) for p in phrases)
    unknown = wanted - built
    if unknown:
        raise ValueError(f"{method}() got phrases the recognizer was not built with: {sorted(unknown)}")
    return wanted


def check_vocabulary(phrases: Sequence[str], known: Callable[[str], bool], model: str) -> None:
    """Raise VocabularyError naming the first unknown word and its phrase(s)."""
    unknown: dict[str, list[str]] = {}
    for phrase in phrases:
        for word in phrase.split():
            if not known(word):
                unknown.setdefault(word, []).append(phrase)
    if unknown:
        word, used_in = next(iter(unknown.items()))
        others = f" (and {len(unknown) - 1} more unknown words: {', '.join(list(unknown)[1:])})" if len(
            unknown) > 1 else ""
        raise VocabularyError(
            f"the word {word!r} in the command phrase {used_in[0]!r} is not in the {model} vocabulary"
            f"{others}; reword the phrase in grammar/ or content/ with words the model knows"
        )
