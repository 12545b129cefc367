"""The diagnostic benchmarks: where PocketSphinx loses a command, and command model files compared by themselves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.model_alone import sure_of
from benchmarks.sphinx_limits import cause, speech_seconds, spoken
from voicecoach.asr.commands_model import NONE, CommandModel
from voicecoach.asr.commands_model.combined import ALONE_P
from voicecoach.asr.pocketsphinx import SphinxSettings
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech

REPO = Path(__file__).parents[2]
SPAN = (0.5, 1.2)  # where the command was said in the clip (seconds)


@pytest.mark.parametrize(("found", "segments", "expected"), [
    (["stop"], [(0.4, 1.5, True)], "heard"),
    (["stop it"], [(0.4, 1.5, True)], "heard"),  # the same command in other words
    (["next"], [(0.4, 1.5, True)], "another command"),
    (["stop", "stop"], [(0.4, 1.5, True)], "another command"),
    ([], [], "no segment"),
    ([], [(1.3, 2.0, True)], "no segment"),  # speech found, but after the command
    ([], [(0.0, 5.0, False)], "too long"),
    ([], [(0.0, 0.6, False), (0.6, 1.4, True)], "decided, no command"),
])
def test_a_lost_command_is_put_down_to_the_first_thing_that_failed(
        grammar: Grammar, found: list[str], segments: list[tuple[float, float, bool]], expected: str) -> None:
    assert cause(grammar, "stop", found, segments, SPAN) == expected


def test_the_hand_cut_segment_starts_at_the_first_sound_and_holds_its_speech_as_a_segment_does() -> None:
    tone = speech.white_noise(0.4, 3000.0, seed=2)
    clip = speech.pad(tone, 0.3, 0.2)
    start, end = spoken(clip)
    assert (start, end) == pytest.approx((0.3, 0.7), abs=0.011)
    faint = speech.pad(speech.white_noise(0.2, 10.0, seed=3), 0.0, 0.0)  # over 25 dB under: not its speech
    x = np.concatenate([faint, tone, faint]).astype(np.float64)
    assert speech_seconds(x, SphinxSettings()) == pytest.approx(0.4, abs=0.011)


def test_sure_of_wants_the_same_command_in_a_row_at_the_alone_probability() -> None:
    model = CommandModel.load()
    stop, other = model.classes.index("stop"), model.classes.index(NONE)

    class Fixed(CommandModel):  # the rule under test, on probabilities given outright
        def probabilities(self, windows: np.ndarray) -> np.ndarray:
            return windows

    fixed = Fixed(*(getattr(model, f) for f in model.__dataclass_fields__))
    p = np.zeros((4, len(model.classes)), np.float32)
    p[:, other] = 1.0
    assert sure_of(fixed, p.copy()) is None
    p[1, stop] = p[3, stop] = ALONE_P  # sure twice, but not in a row
    assert sure_of(fixed, p.copy()) is None
    p[2, stop] = ALONE_P
    assert sure_of(fixed, p.copy()) == "stop"


def test_a_model_given_badly_gets_one_line_and_exit_2(tmp_path: Path) -> None:
    for given, expected in (("nameless", "give it as NAME=PATH"), (f"gone={tmp_path / 'gone.npz'}", "gone.npz")):
        result = subprocess.run([sys.executable, "-m", "benchmarks.model_alone", "--model", given, "--out",
                                 str(tmp_path)], capture_output=True, text=True, cwd=REPO, timeout=120, check=False)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_pocketsphinx_is_tuned_on_tuning_voices_and_sound_alikes_that_are_not_homophones() -> None:
    from benchmarks import corpus, heldout, sphinx_tuning, stock_tuning

    alikes = sphinx_tuning.sound_alike_set(quick=True)
    words = {item.label.split("'")[1] for item in alikes.items}
    voices = {item.label.rsplit(" ", 1)[1] for item in alikes.items}
    assert words and not words & set(corpus.HOMOPHONES)
    assert voices <= set(corpus.VOICES)
    held = {s.name for s in heldout.speakers(quick=False)}
    assert not {s.name for s in stock_tuning.training_speakers(quick=False)} & held
    weights = [dict(a.sphinx)["decoy_weight"] for a in sphinx_tuning.approaches("decoys")]
    assert weights == [1e-3, 1e-5, 0.0, 1e-3]  # each row says its weight: the shipped default moved
    for group in sphinx_tuning.TITLES:  # each group's report is told from its figures' keys alone
        keys = [a.key for a in sphinx_tuning.approaches(group)]
        assert [g for g in sphinx_tuning.TITLES if [a.key for a in sphinx_tuning.approaches(g)] == keys] == [group]
