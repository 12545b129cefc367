"""The benchmark's scoring on hand-made outcomes: what counts as recall, a false trigger, a self-trigger, latency."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from benchmarks.corpus import COACH, FLITE, FLITE_NON_COMMANDS, NON_COMMANDS_RUNNING, RATE, ClipSet, Item
from benchmarks.decode import Decoded
from benchmarks.score import score
from voicecoach.core.grammar import Grammar

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


def test_the_second_synthesizers_clips_are_scored_apart_per_voice(grammar: Grammar) -> None:
    espeak = _set("commands@clean", [_command("stop")])
    commands = _set(f"commands@{FLITE}", [replace(_command(p), condition=FLITE, voice=v)
                                          for p, v in (("stop", "slt"), ("next", "slt"), ("next", "awb"))])
    non = _set(FLITE_NON_COMMANDS, [replace(_non_command(w, c), condition=FLITE, voice="rms")
                                    for w, c in (("stopped", "sound-alike"), ("paws", "homophone"))])
    decoded = Decoded(per_item={
        espeak.name: [[]],
        commands.name: [[(1.2, "stop")], [(3.2, "next")], [(5.2, "repeat")]],
        non.name: [[(1.1, "stop")], [(3.1, "pause")]],
    }, cpu_s=1.0, audio_s=20.0)
    r = score(decoded, [espeak, commands, non], grammar, [None])
    assert r["recall_clean"] == 0.0  # espeak-ng's figure is its own
    assert r["recall_flite"] == pytest.approx(2 / 3, abs=1e-4)
    assert r["recall_flite_by_voice"] == {"slt": 1.0, "awb": 0.0}
    assert r["false_trigger_rate_flite"] == 1.0  # "paws" is an exact homophone: left out
    assert r["false_trigger_examples_flite"][0].endswith("-> ['stop']")


def test_the_profile_benchmark_counts_what_a_running_session_asks_back(grammar: Grammar) -> None:
    from benchmarks import enrolment
    from voicecoach.asr.base import Detection

    quiet = np.zeros(RATE, dtype=np.int16)
    tr = enrolment.track([(quiet, "skip"), (quiet, "stop"), (quiet, None), (quiet, None), (quiet, None)],
                         ends=[0.5] * 5)
    found = [Detection(tr.windows[0][0] + 1, "skip", sure=False),  # right, and asked back first
             Detection(tr.windows[1][0] + 1, "stop", sure=False),  # right: stopping is never asked back
             Detection(tr.windows[2][0] + 1, "next", sure=False),  # where none was said: only asked back
             Detection(tr.windows[3][0] + 1, "previous"),  # where none was said: done at once
             Detection(tr.windows[4][0] + 1, "resume")]  # where none was said: nothing to do while running
    assert enrolment.asked(grammar, tr, found) == [1, 1]
    assert enrolment.score(grammar, tr, found) == (2, 2, 3)
