"""The coach's mode each benchmark clip is heard in: what the shipped recognizers listen for while it is said."""

from __future__ import annotations

import numpy as np

from benchmarks import corpus
from benchmarks.corpus import ClipSet, Item
from voicecoach.core.grammar import Grammar


def _set(name: str, expect: str | None, category: str) -> ClipSet:
    cs = ClipSet(name)
    cs.add(Item("a clip", expect, category, "clean", None, 0.5), np.zeros(8000, dtype=np.int16))
    return cs


def test_non_commands_are_heard_idle_commands_where_they_matter_and_the_coach_with_every_phrase(
        grammar: Grammar) -> None:
    sets = [_set("non-commands", None, "general"), _set(f"{corpus.NOISY_NON_COMMANDS}10dB-kitchen", None, "general"),
            _set(corpus.FLITE_NON_COMMANDS, None, "sound-alike"), _set("commands", "next", "command"),
            _set(corpus.COACH, None, "coach")]
    modes = [cs.items[0].mode for cs in corpus.in_modes(sets, grammar)]
    assert modes == ["idle", "idle", "idle", "running", None]
    # Idle, the check-in's numbers are not listened for: a "nine" in everyday talk is no command there.
    assert "nine" not in grammar.phrases_heard("idle") and "nine" in grammar.phrases()
