"""The benchmark's scoring on hand-made outcomes: what counts as recall, a false trigger, a self-trigger, latency."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus import COACH, NON_COMMANDS_RUNNING, RATE, ClipSet, Item
from benchmarks.decode import Decoded
from benchmarks.score import score
from voicecoach.grammar import Grammar

CLIP_S = 2.0


def _set(name: str, items: list[Item]) -> ClipSet:
    cs = ClipSet(name)
    for item in items:
        cs.add(item, np.zeros(int(CLIP_S * RATE), dtype=np.int16))
    return cs


def _command(phrase: str) -> Item:
    return Item(f"{phrase!r}", phrase, "command", "clean", None, speech_end=1.0, phrase=phrase)


def _non_command(text: str, category: str) -> Item:
    return Item(f"{text!r}", None, category, "clean", None, speech_end=1.0)


@pytest.fixture
def scored(grammar: Grammar) -> dict[str, object]:
    commands = _set("commands@clean", [_command(p) for p in
                                       ("stop", "start pelvic tilts", "next", "wait", "help")])
    non = _set("non-commands", [_non_command("nest", "sound-alike"), _non_command("pane", "homophone"),
                                _non_command("We drove over the old bridge.", "general"),
                                _non_command("stopped", "sound-alike")])
    running = non.in_mode(NON_COMMANDS_RUNNING, "running")
    coach = _set(COACH, [_non_command("Hold for five seconds.", "coach")])
    at = [i * CLIP_S for i in range(5)]  # each clip's start in the set's track
    decoded = Decoded(per_item={
        commands.name: [
            [(at[0] + 1.2, "stop")],  # right, 200 ms after the end of speech
            [(at[1] + 1.1, "start pelvic tilt")],  # right: another phrasing of the same command
            [(at[2] + 1.3, "next"), (at[2] + 1.6, "next")],  # twice: not right
            [(at[3] + 1.2, "stop")],  # a wrong command
            [],  # missed
        ],
        non.name: [[(1.0, "next")], [(3.0, "pain")], [], []],  # "pane" is an exact homophone: left out
        running.name: [[(1.0, "next")], [], [], [(7.0, "stop")]],  # mid-session: two of three
        coach.name: [[(1.0, "wait"), (1.5, "stop")]],
    }, cpu_s=2.0, audio_s=40.0)
    return score(decoded, [commands, non, running, coach], grammar, [None])


def test_recall_counts_one_commit_of_the_command_in_any_phrasing(scored: dict[str, object]) -> None:
    assert scored["recall_clean"] == 0.4
    assert scored["wrong_command_rate"] == 0.2
    assert scored["recall_per_command"] == {"stop": {"clean": 1.0}, "start pelvic tilts": {"clean": 1.0},
                                            "next": {"clean": 0.0}, "wait": {"clean": 0.0}, "help": {"clean": 0.0}}


def test_latency_runs_from_the_end_of_speech_of_right_commits(scored: dict[str, object]) -> None:
    assert scored["latency_p50_ms"] == 150.0  # 200 and 100 ms
    assert scored["rtf"] == 0.05


def test_false_triggers_leave_out_homophones_and_take_the_worse_mode(scored: dict[str, object]) -> None:
    assert scored["false_trigger_rate_with_homophones"] == 0.5
    assert scored["false_trigger_rate_idle"] == pytest.approx(1 / 3, abs=1e-4)
    assert scored["false_trigger_rate_running"] == pytest.approx(2 / 3, abs=1e-4)
    assert scored["false_trigger_rate"] == scored["false_trigger_rate_running"]
    assert scored["false_trigger_by_category"] == {"sound-alike": 0.5, "homophone": 1.0, "general": 0.0}
    assert scored["commands_per_hour"] == 0.0  # the general sentence committed nothing


def test_every_command_from_the_coachs_voice_is_a_self_trigger(scored: dict[str, object]) -> None:
    assert scored["self_triggers"] == 2
