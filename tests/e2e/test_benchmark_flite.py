"""The benchmark's second synthesizer, flite: its clips, its sets, and what happens without it."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks import corpus, flite
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech

needs_flite = pytest.mark.skipif(not flite.available(), reason="flite (Debian package flite) is not installed")


@needs_flite
def test_flite_speaks_at_the_rate_and_pace_asked() -> None:
    slow, fast = flite.synthesize("start pelvic tilts", "slt", 1.25), flite.synthesize("start pelvic tilts", "slt", 0.8)
    assert slow.dtype == np.int16
    assert speech.active_rms(slow) > 300  # speech, not silence
    assert len(slow) / len(fast) == pytest.approx(1.25 / 0.8, rel=0.15)
    assert 0.8 < len(fast) / speech.RATE < 2.0  # 16 kHz: flite's slt speaks at 16 kHz too, so no resampling slip


@needs_flite
def test_the_flite_sets_hold_every_phrase_and_the_sound_alikes(grammar: Grammar) -> None:
    phrases = grammar.phrases()
    plan = replace(corpus.Plan.quick(), flite_every=2, n_alikes=2)
    commands, other = corpus.flite_sets(phrases[:4], plan)
    assert [it.phrase for it in commands.items] == [p for p in phrases[:4] for _ in range(2)]  # two voices each
    assert {it.voice for it in commands.items} == set(flite.VOICES)  # rotating
    assert {it.condition for it in commands.items + other.items} == {corpus.FLITE}
    assert [it.label.split(" flite ")[0] for it in other.items] == ["'stopping'"] * 4 + ["'nest'"] * 4
    assert all(it.expect is None for it in other.items)


def test_without_flite_the_sets_are_left_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                             grammar: Grammar) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no flite on it
    assert not flite.available()
    assert corpus.flite_sets(grammar.phrases(), corpus.Plan.full()) == []
    monkeypatch.setattr(speech, "cache_dir", lambda: tmp_path / "cache")  # nothing cached either
    with pytest.raises(flite.FliteError, match="apt-get install flite"):
        flite.synthesize("stop", "slt")


def test_flite_listed_without_a_voice_is_not_available(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "flite"
    fake.write_text("#!/bin/sh\necho 'Voices available: kal awb_time kal16 awb rms'\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert not flite.available()  # slt is missing: flite would quietly speak with kal instead
