"""benchmarks.alone_by_class: what the model's own commits add, command by command, and the rule that ships a choice."""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks import alone_by_class, sphinx_tuning
from benchmarks.corpus import ClipSet, Item
from voicecoach.core.grammar import Grammar


def clips(name: str, expects: list[str | None]) -> ClipSet:
    cs = ClipSet(name)
    for n, expect in enumerate(expects):
        cs.add(Item(f"clip {n}", expect, "command" if expect else "non-command", "clean", None, 0.5),
               np.zeros(800, np.int16))
    return cs


def test_a_command_counts_what_its_own_commits_alone_get_right_and_wrong(grammar: Grammar) -> None:
    commands = clips("commands", ["stop please", "next", "next"])
    replies = clips("replies", [None, None, None])
    on = {"commands": [["stop"], ["next"], ["stop", "next"]], "replies": [["stop"], ["next"], []]}
    off = {"commands": [[], ["next"], ["next"]], "replies": [[], ["next"], []]}
    counts = alone_by_class.tally(grammar, [commands, replies], on, off, ["stop", "next"])
    # "stop please" right only with its own commits; "stop" added on a "next" clip and on a reply.
    assert counts == {"stop": {"right_added": 1, "false_added": 2}, "next": {"right_added": 0, "false_added": 0}}


def row(replies: int, talk: int, clean: int, noisy: int) -> dict[str, Any]:
    fired = {name: {"clips_with_a_command": talk, "clips": 100} for name in alone_by_class.TALK_SETS}
    fired[sphinx_tuning.REPLIES] = {"clips_with_a_command": replies, "clips": 100}
    return {**fired, "recall@clean": [clean, 100], "recall@10dB": [noisy, 100], "recall@5dB": [noisy, 100]}


def test_a_choice_ships_only_with_fewer_replies_no_more_talk_and_a_point_of_recall_at_most() -> None:
    shipped = row(replies=30, talk=3, clean=90, noisy=60)
    assert alone_by_class.passes(row(replies=20, talk=3, clean=89, noisy=59), shipped)
    assert not alone_by_class.passes(row(replies=30, talk=3, clean=90, noisy=60), shipped)  # no fewer replies
    assert not alone_by_class.passes(row(replies=20, talk=4, clean=90, noisy=60), shipped)  # more talk
    assert not alone_by_class.passes(row(replies=20, talk=3, clean=90, noisy=58), shipped)  # 2 points in noise
