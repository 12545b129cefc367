"""Decoy words that compete with the commands in the grammar, so that non-command speech has somewhere to go."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path

Pron = tuple[str, ...]
_WORD = re.compile(r"[a-z]+")


Entries = Callable[[], Iterable[tuple[str, Pron]]]
"""A dictionary as something that yields (word, pronunciation) each time it is called."""


def dictionary_entries(path: Path) -> Entries:
    """A CMU-format dictionary file, read afresh on each call (alternates like "next(2)" under their word).

    Streamed rather than loaded: as a Python dict, cmudict costs 60 MB, half of the memory budget on a Pi.
    """

    def read() -> Iterator[tuple[str, Pron]]:
        with path.open(encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2:
                    yield re.sub(r"\(\d+\)$", "", parts[0]), tuple(parts[1:])

    return read


@functools.cache
def _word_list() -> tuple[str, ...]:
    text = resources.files("voicecoach.asr.pocketsphinx").joinpath("common_words.txt").read_text(encoding="utf-8")
    return tuple(w for w in text.split("\n") if w and not w.startswith("#"))


def common_words(n: int | None = None) -> list[str]:
    """The n most probable English words (shipped list, most probable first; all of them for None)."""
    words = _word_list()  # read once: lexicon and word_rank_score both need it at start-up
    return list(words if n is None else words[:n])


def word_rank_score() -> Callable[[str], float | None]:
    """A score that orders words by how common they are: higher is more common, None for a rare word."""
    rank = {w: i for i, w in enumerate(common_words())}
    return lambda w: -float(rank[w]) if w in rank else None


# Consonants that differ only in voicing: "wade" is "wait" but for its last phone, the smallest change there is.
_VOICING = {"P": "B", "T": "D", "K": "G", "S": "Z", "F": "V", "CH": "JH", "TH": "DH", "SH": "ZH"}
_VOICING |= {v: k for k, v in _VOICING.items()}


def _voicing_twins(pron: Pron) -> set[Pron]:
    """Every pronunciation with one consonant swapped for its voiced or voiceless partner."""
    return {(*pron[:i], _VOICING[p], *pron[i + 1 :]) for i, p in enumerate(pron) if p in _VOICING}


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


def lexicon(
    phrases: Sequence[str],
    entries: Entries,
    score: Callable[[str], float | None],
    n_common: int = 600,
    per_word: int = 12,
    voicing_twins: bool = True,
) -> tuple[dict[str, list[Pron]], dict[str, list[Pron]]]:
    """The pronunciations of the command words, and the decoys with theirs.

    Decoys are common words plus, for each command word, its sound-alikes (one phone away, or a longer
    form); with `voicing_twins`, also every word one voicing change away ("wade" for "wait"), however far
    down the ranking. Command words and their homophones are never decoys: a decoy that sounds exactly like
    a command would take its place in the grammar and the command could never be heard. `score` ranks
    candidate sound-alikes (word frequency; None leaves a word out), so rare proper names do not crowd out
    real words. The dictionary is read twice (command pronunciations and phones, then candidates), never held.
    """
    command_words = {w for p in phrases for w in p.split()}
    prons_of: dict[str, list[Pron]] = {}
    phone_set: set[str] = set()
    for word, pron in entries():
        phone_set.update(pron)
        if word in command_words:
            prons_of.setdefault(word, []).append(pron)
    command_prons = {pron for prons in prons_of.values() for pron in prons}
    phones = sorted(phone_set)
    near: dict[Pron, set[str]] = {}
    twins: set[Pron] = set()
    for word, prons in prons_of.items():
        for pron in prons:
            for edit in _edits(pron, phones):
                near.setdefault(edit, set()).add(word)
            if voicing_twins:
                twins |= _voicing_twins(pron)

    common = common_words(n_common)
    wanted = set(common)
    kept: dict[str, list[Pron]] = {}  # pronunciations of every word that may become a decoy
    homophones: set[str] = set()
    candidates: dict[str, set[str]] = {w: set() for w in command_words}
    twin_words: set[str] = set()
    # A word's alternates are adjacent lines of the dictionary: group them to keep them all.
    for word, group in itertools.groupby(entries(), key=lambda entry: entry[0]):
        if _WORD.fullmatch(word) is None:
            continue
        prons = [pron for _, pron in group]
        if any(pron in command_prons for pron in prons):
            homophones.add(word)
        alike = {command_word for pron in prons for command_word in near.get(pron, ())}
        # Longer forms the phone edits miss: "stopping", "bridges", "started".
        alike.update(c for c in command_words if word.startswith(c) and len(word) <= len(c) + 4)
        for command_word in alike:
            candidates[command_word].add(word)
        if any(pron in twins for pron in prons):
            twin_words.add(word)
        if alike or word in wanted:
            kept.setdefault(word, []).extend(prons)

    def usable(word: str) -> bool:
        return word in kept and word not in command_words and word not in homophones

    decoys: list[str] = [w for w in common if usable(w)]
    for word in sorted(command_words):
        scored = [(s, w) for w in candidates[word] if usable(w) and (s := score(w)) is not None]
        decoys.extend(w for _, w in sorted(scored, key=lambda sw: (-sw[0], sw[1]))[:per_word])
    decoys.extend(sorted(w for w in twin_words if usable(w) and score(w) is not None))
    return prons_of, {w: kept[w] for w in dict.fromkeys(decoys)}


Transition = tuple[int, int, float, str]

CMU_PHONES = (
    "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY", "JH",
    "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH",
)
"""The phones of the CMU dictionary, which PocketSphinx's en-us model uses."""


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


def garbage_phone_word(phone: str) -> str:
    """The dictionary word that stands for one phone of the garbage loop ("AA" -> "+aa+")."""
    return f"+{phone.lower()}+"


def verify_transitions(tokens: Sequence[str], decoys: Sequence[str], phones: Sequence[str],
                       decoy_weight: float, phone_weight: float, command_weight: float = 1.0,
                       runs: Sequence[str] = (), run_weight: float = 0.0) -> list[Transition]:
    """One word per segment: a command (`command_weight`), a decoy (`decoy_weight`) or a loop of free phones.

    State 0 starts and state 1 ends; the phone loop runs through state 2 and pays `phone_weight` per phone.
    All three compete in one search, so their scores are comparable (PocketSphinx normalizes scores per
    search, so scores from separate searches are not). Speech that is no command is cheaper to explain as
    a decoy or as phones than forced onto a command; lower `phone_weight` lets more commands through.
    `decoy_weight` 0 leaves the decoys out. The loop also takes the decoys of `runs`, each paying `run_weight`:
    several words that are no command ("got it") are a run of decoys and phones.
    """
    out: list[Transition] = [(0, 1, command_weight, t) for t in tokens]
    loop = [(garbage_phone_word(p), phone_weight) for p in phones]
    if decoy_weight > 0:
        out.extend((0, 1, decoy_weight, d) for d in decoys)
        loop += [(d, run_weight) for d in runs]
    for word, weight in loop:
        out.extend([(0, 2, weight, word), (2, 2, weight, word), (2, 1, weight, word)])
    return out
