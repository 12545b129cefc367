"""When a hypothesis becomes a command: exact whole-segment match, early commit of terminal phrases."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence


def terminal_phrases(phrases: Iterable[str], meaning: Mapping[str, Hashable] | None = None) -> frozenset[str]:
    """Phrases that, once heard in full, cannot still grow into another command: no longer phrase starts with
    them, or (given each phrase's `meaning`) every one that does means the same ("start cat", "start cat
    stretch"), so the rest of it changes nothing."""
    ps = list(phrases)

    def same(p: str, q: str) -> bool:
        return meaning is not None and p in meaning and meaning.get(q) == meaning[p]

    return frozenset(p for p in ps if not any(q != p and q.startswith(p + " ") and not same(p, q) for q in ps))


def match_segment(units: Sequence[str], phrases: frozenset[str]) -> str | None:
    """The phrase a whole speech segment says, or None.

    `units` are the decoded words, each command phrase as one unit. The segment must be exactly one
    phrase, or that same phrase repeated ("stop stop"); any other word in it (a decoy, another command)
    means it was a sentence, not a command.
    """
    if units and len(set(units)) == 1 and units[0] in phrases:
        return units[0]
    return None
