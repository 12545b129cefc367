"""Decoy words that compete with the commands in the grammar, so that non-command speech has somewhere to go."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path

Pron = tuple[str, ...]
_WORD = re.compile(r"[a-z]+")


def load_dictionary(path: Path) -> dict[str, list[Pron]]:
    """A CMU-format dictionary: word -> its pronunciations (alternates like "next(2)" merged)."""
    out: dict[str, list[Pron]] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            word = re.sub(r"\(\d+\)$", "", parts[0])
            out.setdefault(word, []).append(tuple(parts[1:]))
    return out


def common_words(n: int) -> list[str]:
    """The n most frequent English words (shipped list, most frequent first)."""
    text = resources.files("voicecoach.asr").joinpath("common_words.txt").read_text(encoding="utf-8")
    words = [w for w in text.split("\n") if w and not w.startswith("#")]
    return words[:n]


def _edits(pron: Pron, phones: Sequence[str]) -> set[Pron]:
    """Every pronunciation one phone deletion, substitution or insertion away."""
    out: set[Pron] = set()
    for i in range(len(pron) + 1):
        for p in phones:
            out.add((*pron[:i], p, *pron[i:]))
        if i < len(pron):
            out.add(pron[:i] + pron[i + 1 :])
            for p in phones:
                out.add((*pron[:i], p, *pron[i + 1 :]))
    return out


def build_decoys(
    phrases: Sequence[str],
    dictionary: Mapping[str, Sequence[Pron]],
    score: Callable[[str], float],
    n_common: int = 600,
    per_word: int = 12,
    min_score: float = -200_000.0,
) -> list[str]:
    """Common words plus, for each command word, its sound-alikes (one phone away, or a longer form).

    Command words and their homophones are never decoys: a decoy that sounds exactly like a command
    would take its place in the grammar and the command could never be heard. `score` ranks candidate
    sound-alikes (a unigram log-probability), so rare proper names do not crowd out real words.
    """
    command_words = {w for p in phrases for w in p.split()}
    command_prons = {pron for w in command_words for pron in dictionary.get(w, ())}

    def usable(word: str) -> bool:
        return (
            _WORD.fullmatch(word) is not None
            and word in dictionary
            and word not in command_words
            and not any(pron in command_prons for pron in dictionary[word])
        )

    decoys: list[str] = [w for w in common_words(n_common) if usable(w)]
    by_pron: dict[Pron, list[str]] = {}
    for word, prons in dictionary.items():
        for pron in prons:
            by_pron.setdefault(pron, []).append(word)
    phones = sorted({p for prons in dictionary.values() for pron in prons for p in pron})
    sorted_words = sorted(dictionary)

    for word in sorted(command_words):
        candidates: set[str] = set()
        for pron in dictionary.get(word, ()):
            for near in _edits(pron, phones):
                candidates.update(by_pron.get(near, ()))
        # Longer forms the phone edits miss: "stopping", "bridges", "started".
        i = bisect.bisect_left(sorted_words, word)
        while i < len(sorted_words) and sorted_words[i].startswith(word):
            if len(sorted_words[i]) <= len(word) + 4:
                candidates.add(sorted_words[i])
            i += 1
        ranked = sorted((w for w in candidates if usable(w) and score(w) >= min_score), key=score, reverse=True)
        decoys.extend(ranked[:per_word])
    return list(dict.fromkeys(decoys))


Transition = tuple[int, int, float, str]


def phrase_token(phrase: str) -> str:
    """The one dictionary word a phrase becomes ("start cat" -> "start_cat").

    A multi-word command as one word leaves the grammar no half-finished states: with a prefix tree
    PocketSphinx would end on a lone "it" or "that" from "it hurts" / "that hurts" after a command.
    """
    return phrase.replace(" ", "_")


def token_phrase(token: str) -> str:
    """The phrase of a dictionary word made by phrase_token (decoys come back unchanged)."""
    return token.replace("_", " ")


def loop_transitions(tokens: Sequence[str], decoys: Sequence[str], decoy_weight: float) -> list[Transition]:
    """A free loop over command tokens and decoys as FSG transitions: state 0 starts, state 1 ends and loops.

    The decoder may explain any speech with it, and the caller keeps only segments that are exactly one
    command. The command branch as a whole has weight 1 against `decoy_weight` for the decoy branch,
    each spread evenly. (A JSGF `( <cmd> | <decoy> )+` says the same but compiles far too slowly.)
    """
    total = 1.0 + decoy_weight
    p_cmd = 1.0 / total / len(tokens)
    p_dec = decoy_weight / total / max(1, len(decoys))
    out: list[Transition] = []
    for state in (0, 1):
        out.extend((state, 1, p_cmd, t) for t in tokens)
        out.extend((state, 1, p_dec, d) for d in decoys)
    return out
