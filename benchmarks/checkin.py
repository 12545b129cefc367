"""The pain check-in's numbers: false commands on real everyday talk with the numbers listened for and not, and
their recall by held-out voices while the coach asks.

`python -m benchmarks.checkin [--quick]` writes benchmarks/CHECKIN.md and checkin.json.

Nothing here was tuned on: the numbers were added to the grammar as they are, and these figures are what came out.
Real talk: the held-out half of ../shared/data/real-speech-negatives first (benchmarks/heldout.py `held_out`),
then the other half. Recall: Festival's voices and espeak-ng's people (benchmarks/heldout.py), synthesized.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import corpus, heldout, runs
from benchmarks.streaming import Clip, Job, Outcome, stream_many
from voicecoach.asr.base import Recognizer
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.cli.main import load
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech

SCORE = "score"  # the check-in's command (grammar/commands.toml)


@dataclass(frozen=True)
class Condition:
    """A grammar (with the numbers or without) and the coach's mode it listens in."""

    name: str
    numbers: bool  # the grammar holds the numbers
    mode: str


CONDITIONS = (
    Condition("before: no numbers in the grammar, coach idle or running", False, "running"),
    Condition("after: numbers in the grammar, coach idle or running (not listened for)", True, "running"),
    Condition("after: coach asking, numbers listened for", True, "asking"),
)


def without_numbers(grammar: Grammar) -> Grammar:
    """The grammar as it was before the check-in: no `score` command."""
    return Grammar(tuple(spec for spec in grammar.specs if spec.name != SCORE),
                   {phrase: command for phrase, command in grammar.table.items() if command.name != SCORE})


def _recognizer(numbers: bool, mode: str) -> Recognizer:
    """The shipped PocketSphinx recognizer of the grammar, listening as in `mode` (a process pool's factory)."""
    _, grammar = load(None)
    if not numbers:
        grammar = without_numbers(grammar)
    recognizer = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    recognizer.listen_for(grammar.phrases_heard(mode))
    return recognizer


def real_talk(quick: bool) -> dict[str, list[Clip]]:
    """The real clips, held-out half first."""
    clips = sorted((heldout.negatives_dir() / "clips").glob("*.flac"))
    if not clips:
        raise heldout.HeldOutError(f"no clips in {heldout.negatives_dir() / 'clips'}: set $VOICECOACH_REAL_NEGATIVES")
    if quick:
        clips = clips[:60]
    halves: dict[str, list[Clip]] = {"held-out": [], "tuning-half": []}
    for path in clips:
        audio = speech.pad(speech.read_wav(path), 0.3, 0.5)
        halves["held-out" if heldout.held_out(path.name) else "tuning-half"].append(Clip(audio, None, path.name))
    return halves


def number_clips(grammar: Grammar, quick: bool) -> list[Clip]:
    """Every number by every held-out speaker, clean, with a person's pauses around it."""
    numbers = [phrase for phrase, command in grammar.table.items() if command.name == SCORE]
    return [Clip(speech.pad(speaker.say(number), corpus.PAD_BEFORE, corpus.PAD_AFTER), number,
                 f"{number!r} {speaker.family}:{speaker.name}@{speaker.pace:g}")
            for speaker in heldout.speakers(quick) for number in numbers]


def _talk_figures(outcomes: Sequence[Outcome], grammar: Grammar) -> dict[str, Any]:
    seconds = sum(len(o.clip.audio) for o in outcomes) / speech.RATE
    fired = [o for o in outcomes if o.detections]
    numbers = [o for o in fired if any(_is_number(grammar, d.text) for d in o.detections)]
    return {"clips": len(outcomes), "minutes": round(seconds / 60, 1), "clips_with_a_command": len(fired),
            "clips_with_a_number": len(numbers),
            "commands_per_hour": round(sum(len(o.detections) for o in outcomes) / (seconds / 3600), 1),
            "examples": [f"{o.clip.label} -> {[d.text for d in o.detections]}" for o in fired][:12]}


def _is_number(grammar: Grammar, text: str) -> bool:
    command = grammar.match(text)
    return command is not None and command.name == SCORE


def measure(quick: bool, workers: int, log: Any) -> dict[str, Any]:
    _, grammar = load(None)
    talk = real_talk(quick)
    numbers = number_clips(grammar, quick)
    jobs = [Job(functools.partial(_recognizer, c.numbers, c.mode), talk[half]) for c in CONDITIONS for half in talk]
    jobs.append(Job(functools.partial(_recognizer, True, "asking"), numbers, alone=True))
    log(f"decoding {sum(len(j.clips) for j in jobs)} clips on {workers} workers")
    results = stream_many(jobs, workers)
    figures: dict[str, Any] = {}
    for index, (condition, half) in enumerate((c, h) for c in CONDITIONS for h in talk):
        figures.setdefault(condition.name, {})[half] = _talk_figures(results[index], grammar)
    heard = results[-1]
    right = [o for o in heard if o.correct]
    by_number: dict[str, list[int]] = {}
    for o in heard:
        assert o.clip.expect is not None
        by_number.setdefault(o.clip.expect, [0, 0])
        by_number[o.clip.expect][0] += o.correct
        by_number[o.clip.expect][1] += 1
    figures["recall"] = {"right": len(right), "clips": len(heard), "by_number": by_number,
                         "wrong": [f"{o.clip.label} -> {[d.text for d in o.detections]}"
                                   for o in heard if not o.correct][:30]}
    return figures


def _pc(ok: int, n: int) -> str:
    return f"{100 * ok / n:.1f} % ({ok}/{n})" if n else "n/a"


def report(figures: dict[str, Any], meta: dict[str, Any]) -> str:
    out = ["# The pain check-in's numbers", "",
           f"`{meta['command']}` on {meta['date']} at {meta['commit']}, {meta['runtime_s']:.0f} s.", "",
           (__doc__ or "").split("\n", 2)[2].strip(), "",
           "## False commands on real everyday talk (people ordering coffee, who say numbers: \"two shots\")", "",
           "| condition | half | clips with a command | clips with a number | commands per hour |",
           "|---|---|---:|---:|---:|"]
    for condition in CONDITIONS:
        for half, t in figures[condition.name].items():
            out.append(f"| {condition.name} | {half} ({t['minutes']} min) | "
                       f"{_pc(t['clips_with_a_command'], t['clips'])} | {_pc(t['clips_with_a_number'], t['clips'])} "
                       f"| {t['commands_per_hour']} |")
    recall = figures["recall"]
    out += ["", "## Numbers heard while the coach asks (held-out synthesized voices, clean)", "",
            f"Right (exactly the number said, once): {_pc(recall['right'], recall['clips'])}.", "",
            "| number | right |", "|---|---:|"]
    out += [f"| {number} | {_pc(ok, n)} |" for number, (ok, n) in recall["by_number"].items()]
    asking = figures[CONDITIONS[-1].name]["held-out"]["examples"]
    if asking:
        out += ["", "False commands on held-out real talk while asking:", "", *[f"- `{e}`" for e in asking]]
    if recall["wrong"]:
        out += ["", "Numbers missed or misheard:", "", *[f"- `{e}`" for e in recall["wrong"]]]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.checkin", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 real clips and 3 espeak-ng people")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=runs.REPO,
                        help="CHECKIN.md goes to OUT/benchmarks/ (default: the repository)")
    args = parser.parse_args(argv)
    log = runs.logger("checkin")
    problem = runs.cannot_report(args.out)
    if problem:
        print(f"python -m benchmarks.checkin: {problem}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        figures = measure(args.quick, args.workers, log)
    except heldout.HeldOutError as error:
        print(f"python -m benchmarks.checkin: {error}", file=sys.stderr)
        return 2
    meta = {"command": runs.command_line("python -m benchmarks.checkin", argv), "date": time.strftime("%Y-%m-%d"),
            "commit": heldout._commit(), "runtime_s": time.monotonic() - started}
    where = runs.mkdir(args.out / "benchmarks")
    (where / "checkin.json").write_text(json.dumps({"meta": meta, "figures": figures}, indent=1) + "\n")
    (where / "CHECKIN.md").write_text(report(figures, meta))
    log(f"wrote {where / 'CHECKIN.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
