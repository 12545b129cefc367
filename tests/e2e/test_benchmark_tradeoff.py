"""`python -m benchmarks.tradeoff`: the command weight moves recall and false triggers, and the report says where."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from benchmarks import corpus, tradeoff
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech

REPO = Path(__file__).parents[2]


def _point(weight: float, recall: float, ft: float) -> dict[str, Any]:
    return {"weight": weight, "recall_clean": recall, "false_trigger_rate": ft, "false_trigger_examples": []}


def test_the_weight_trades_recall_for_false_triggers_on_real_decoding(grammar: Grammar) -> None:
    # Every third phrase by one of two espeak-ng voices, and the sound-alike words (stopping, nest, ...) by both,
    # through the shipped recognizer at the two ends of the weights (the shipped weight: test_asr_pocketsphinx).
    plan = replace(corpus.Plan.quick(), snrs=[None], n_article=0, n_general=0, noise_clips=0, n_alikes=None,
                   alike_voices=corpus.VOICES[:2])
    bed = speech.silence(1.0)  # no clip here is in noise
    sets = corpus.in_modes([*corpus.command_sets(grammar.phrases()[::3], plan, bed),
                            corpus.non_command_set(plan, bed)], grammar)
    figures = tradeoff.measure(grammar, sets, (1e4, 1e-12), workers=2, baselines=False)
    high, low = (figures[tradeoff.weight_key(w)] for w in (1e4, 1e-12))
    assert high["recall_clean"] > low["recall_clean"]
    assert high["false_trigger_rate"] > low["false_trigger_rate"]


def test_the_noisy_clips_are_those_of_the_full_run(grammar: Grammar) -> None:
    # A noisy set's voices and noise depend on its SNR's place in the plan: leaving 20 dB out must not move them.
    plan = replace(corpus.Plan.quick(), snrs=[None, 20.0, 10.0], n_article=0, n_general=0, noise_clips=0,
                   n_alikes=1, flite_every=0)
    sets = {cs.name: cs for cs in tradeoff.clip_sets(grammar, plan)}
    assert sorted(sets) == ["commands@10dB-babble", "commands@10dB-white", "commands@clean", "non-commands"]
    full = {cs.name: cs for cs in corpus.command_sets(grammar.phrases(), plan, corpus.babble_bed())}
    for name in ("commands@clean", "commands@10dB-white", "commands@10dB-babble"):
        assert [it.label for it in sets[name].items] == [it.label for it in full[name].items]
        assert all((a == b).all() for a, b in zip(sets[name].clips, full[name].clips, strict=True))


def test_the_verdict_names_the_weights_that_meet_the_bar_and_the_targets() -> None:
    results = {"points": [_point(100.0, 0.99, 0.05), _point(1.0, 0.9, 0.02), _point(1e-4, 0.85, 0.008)],
               tradeoff.GRAMMAR_ONLY: {"recall_clean": 0.88}, tradeoff.OPEN_VOCABULARY: {"false_trigger_rate": 0.02}}
    assert tradeoff.verdict(results) == [
        "The bar (the grammar-only recall, 88.0 % clean, with the open-vocabulary false-trigger rate, 2.0 %): met at "
        "command weight 1.",
        "At the target of at most 1 % false triggers: recall 85.0 % clean at best (weight 0.0001).",
        "At the target of at least 98 % recall clean: 5.0 % false triggers at best (weight 100).",
    ]
    results["points"] = [_point(1.0, 0.86, 0.077) | {"recall_10dB": 0.39}, _point(1e-9, 0.77, 0.024)]
    assert tradeoff.verdict(results)[0] == (
        "The bar (the grammar-only recall, 88.0 % clean, with the open-vocabulary false-trigger rate, 2.0 %): met at "
        "no weight measured.")
    results[tradeoff.GRAMMAR_ONLY] = {"recall_clean": 0.815}
    assert tradeoff.verdict(results) == [
        "The bar (the grammar-only recall, 81.5 % clean, with the open-vocabulary false-trigger rate, 2.0 %): met at "
        "no weight measured; closest, weight 1: recall 86.0 % with 7.7 % false triggers.",
        "At the target of at most 1 % false triggers: no weight measured gets there (fewest: 2.4 %).",
        "At the target of at least 98 % recall clean: no weight measured gets there (most: 86.0 %).",
        "At the target of at least 95 % recall at 10 dB: no weight measured gets there (most: 39.0 %).",
    ]


def test_the_report_has_a_row_per_weight_and_the_baselines() -> None:
    noisy = {"recall_10dB": 0.3, "recall_5dB": 0.1}
    results = {"points": [_point(1.0, 0.86, 0.077), _point(1e-9, 0.77, 0.024) | noisy, _point(1e-4, 0.82, 0.043)],
               tradeoff.GRAMMAR_ONLY: {"recall_clean": 0.815, "false_trigger_rate": 0.546},
               tradeoff.OPEN_VOCABULARY: {"false_trigger_rate": 0.019},
               "meta": {"command": "python -m benchmarks.tradeoff", "runtime_s": 300.0, "date": "d", "commit": "c",
                        "corpus": "x"}}
    rows = [line for line in tradeoff.render(results).splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0] for row in rows[1:]] == ["| 1 (normal, shipped)", "| 1e-09", "| 0.0001 (low)",
                                                         "| grammar-only", "| open-vocabulary"]
    assert rows[2] == "| 1e-09 | 77.0 % | 30.0 % | 10.0 % | 2.4 % |  |  |  |"  # flite's and wrong ones not given
    assert rows[5] == "| open-vocabulary |  |  |  | 1.9 % |  |  |  |"


@pytest.mark.parametrize("weights", ["0", "1,-2", "x", ",", "inf"])
def test_bad_weights_get_one_line_and_exit_2(tmp_path: Path, weights: str) -> None:
    result = subprocess.run([sys.executable, "-m", "benchmarks.tradeoff", "--weights", weights, "--out",
                             str(tmp_path)], capture_output=True, text=True, cwd=REPO, timeout=60, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "argument --weights: " in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "benchmarks").exists()


def test_the_main_report_takes_the_verdict_of_the_last_tradeoff_run(tmp_path: Path) -> None:
    from benchmarks.__main__ import _tradeoff

    path = tmp_path / "tradeoff.json"
    assert _tradeoff(path) is None  # never run: the report leaves the curve out
    path.write_text("{not json", encoding="utf-8")
    assert _tradeoff(path) is None
    meta = {"command": "python -m benchmarks.tradeoff", "date": "2026-11-25 21:39 UTC", "commit": "abc1234"}
    path.write_text(json.dumps({"points": [_point(1.0, 0.86, 0.077)], "meta": meta}), encoding="utf-8")
    summary = _tradeoff(path)
    assert summary is not None and summary["commit"] == "abc1234"
    assert summary["verdict"][-1] == ("At the target of at least 98 % recall clean: no weight measured gets there "
                                      "(most: 86.0 %).")


def test_a_report_that_cannot_be_written_is_refused_before_the_run(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "benchmarks.tradeoff", "--out", str(tmp_path / "file")],
                            capture_output=True, text=True, cwd=REPO, timeout=60, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"python -m benchmarks.tradeoff: --out {tmp_path / 'file'}: cannot write the "
                                      "report there (Not a directory)")
