"""False commands on noise alone: the real kitchen recording, nobody speaking, at the levels a room gives.

`python -m benchmarks.noise_alone [--quick] [--model PATH]` writes benchmarks/NOISE_ALONE.md and noise_alone.json.

The kitchen recording of ../shared/data/real-speech-negatives (2 min) is played with nobody speaking, in the
states the coach listens in during a session (running: the exercise's instructions and holds; asking: the pain
check-in, numbers included), at three levels: as recorded, and brought up to an active RMS of 1000 and 2000
(int16; a voice at -20 dBFS active RMS, 3300, would stand 10 and 4 dB over them). Its first minute is the only
noise the command model trains on, so figures on the second minute are shown first and that minute stands for
noise no part of voicecoach was chosen on; the first is shown apart, labelled.

Each recognizer as voicecoach opens it: PocketSphinx alone; PocketSphinx under the command model's veto; and as
shipped (the veto, and the model's own commits of words said on their own). `--model` hears with another
command model file (a retrained one) instead of the shipped one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import heldout
from benchmarks.enrolment import Recording, decode
from voicecoach.asr.base import Recognizer
from voicecoach.asr.commands_model import CommandModel
from voicecoach.asr.commands_model.combined import Combined, with_command_model
from voicecoach.asr.commands_model.recognizer import SecondOpinion
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech

RATE = speech.RATE
LEVELS: dict[str, float | None] = {"as recorded": None, "active RMS 1000": 1000.0, "active RMS 2000": 2000.0}
STATES = ("running", "asking")
BEFORE = ("Before \"ow\" and \"pain\" stopped being phrases of it hurts (b53850a), as shipped, on the second "
          "minute: 57 an hour as recorded ('help'), 229 in the running state at active RMS 1000 and at 2000, 286 "
          "while asking (\"pain\" three times and \"ow\" once in that minute, \"four\" while asking); on the first "
          "minute 120 and 240. The model's veto let every one through at those levels; retrained with six times "
          "as many noise-alone windows at levels drawn over these, it still did (not shipped); and PocketSphinx "
          "asking a one-word command to win with phones up to 10,000 times cheaper kept all four of the first "
          "minute's at RMS 2000.")
PROFILE_BEFORE = ("Before each take was also enrolled as heard across a room (d13818e, chosen on training voices, "
                  "whose 20 s of the first minute gave no command either way: benchmarks/PROFILE_ROOM_VARIANTS.md), "
                  "with a profile (shipped): 81 an hour (34) over all, Festival kal_diphone 1 command as recorded and "
                  "1 at active RMS 2000 where it now has 2 and 2, its room variants' votes ('help' at 68.8 s, "
                  "'resume' at 74.3 s); the other voices as they were then. Before a vote's segment had to last at "
                  "least half its phrase's shortest take (3ad07b9, chosen on training voices: "
                  "benchmarks/PROFILE_SHORTEST.md), with a profile (shipped): 86 an hour (36) over all, Festival "
                  "cmu_us_slt_arctic_hts 7, 6 and 7 commands at the three levels where it now has 4, 4 and 5 "
                  "('skip' most); without the noise references, 789 an hour (331) where the length rule now leaves "
                  "448 (188). The command model's opinion in a vote (EnrolledSettings.opinion) changed nothing here "
                  "as shipped, moving only votes that stand; weighed before the length rule and the veto, as it was "
                  "first built (64a5b10), it gave 76 an hour (32), 548 (230) without the noise references: votes "
                  "the veto had dropped, moved to a phrase the model liked. Before a vote dropped for its nearest "
                  "phrase could go to another the model is sure enough of (EnrolledSettings.rescue, 0.1: e68ee9e, "
                  "chosen on training voices, benchmarks/PROFILE_RESCUE.md), with a profile (shipped): 69 an hour "
                  "(29), 448 (188) without the noise references; rescued since: 'resume' at 75.3 s for Festival "
                  "cmu_us_slt_arctic_hts at active RMS 1000 and 2000, and 'it hurts' at 67.7 s for espeak-ng Andy as "
                  "recorded and at active RMS 1000. On training voices without the noise references it had voted "
                  "one clatter more (benchmarks/PROFILE_RESCUE_NOISE.md).")
PARTS = {"second minute (held out from training)": (60, None), "first minute (the model trains on it)": (0, 60)}


def recognizers(grammar: Grammar, model: CommandModel, state: str) -> tuple[list[Recognizer], dict[str, Recording]]:
    """PocketSphinx alone, and as shipped with the veto inside it recording what passes: what to decode, and
    the three recordings (PocketSphinx alone, under the model's veto, as shipped), listening as in `state`."""
    phrases, meaning = grammar.phrases(), grammar.table
    shipped = with_command_model(PocketSphinxRecognizer(phrases, RATE, meaning=meaning), phrases, meaning, model)
    if not isinstance(shipped, Combined) or not isinstance(shipped.first, SecondOpinion):
        raise RuntimeError("the command model no longer ships as Combined(SecondOpinion): update this benchmark")
    judged = Recording(shipped.first)
    shipped.first = judged
    alone, whole = Recording(PocketSphinxRecognizer(phrases, RATE, meaning=meaning)), Recording(shipped)
    heard = grammar.phrases_heard(state)
    for recognizer in (alone, whole):
        recognizer.listen_for(heard)
    return [alone, whole], {"PocketSphinx alone": alone, "PocketSphinx under the model's veto": judged,
                            "as shipped": whole}


def measure(grammar: Grammar, model: CommandModel, quick: bool, log: Callable[[str], None]) -> dict[str, Any]:
    noise = heldout.kitchen_noise()
    out: dict[str, Any] = {}
    for part, (lo, hi) in PARTS.items():
        clip = noise[lo * RATE: None if hi is None else hi * RATE]
        for level_name, level in list(LEVELS.items())[: 2 if quick else None]:
            audio = clip if level is None else speech.scale_to_rms(clip, level)
            for state in STATES:
                fed, recordings = recognizers(grammar, model, state)
                decode(fed, audio)
                found = {name: [[round(d.t + lo, 1), d.text] for d in r.commits] for name, r in recordings.items()}
                out[f"{part} | {level_name} | {state}"] = {"seconds": round(len(audio) / RATE, 1), "commits": found}
                log(f"{part}, {level_name}, {state}: { {k: len(v) for k, v in found.items()} }")
    return out


def with_profiles(grammar: Grammar, quick: bool, people: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Commands per voice profile on the second minute, running state: each held-out voice of
    benchmarks/enrolment.py enrolled, over the general recognizer as shipped, with the shipped noise references
    and without them (as in noise they were never cut from)."""
    from benchmarks import enrolment
    from voicecoach.asr.embedding import SpeechEmbedding
    from voicecoach.asr.enrolled import noise as references
    from voicecoach.asr.enrolled.matcher import Matcher
    from voicecoach.runtime.enrolment import enrolment_phrases

    embedding, phrases, refs = SpeechEmbedding(), enrolment_phrases(grammar), references.load()
    minute = heldout.kitchen_noise()[60 * RATE:]
    out: dict[str, Any] = {}
    for family, name in enrolment.voices(quick, people):
        takes = enrolment.enrol(embedding, family, name, phrases)
        for level_name, level in list(LEVELS.items())[: 2 if quick else None]:
            audio = minute if level is None else speech.scale_to_rms(minute, level)
            shipped, judged, _ = enrolment.general(grammar)
            veto = judged.inner
            assert isinstance(veto, SecondOpinion)
            profiles = [enrolment.profile_over(enrolment.Tap(judged), Matcher(takes, noise=these), embedding, grammar,
                                               veto=veto)
                        for these in (refs, [])]
            listening: list[Recognizer] = [shipped, *profiles]
            for recognizer in listening:
                recognizer.listen_for(grammar.phrases_heard("running"))
            found = decode(listening, audio)
            out[f"{family}:{name} | {level_name}"] = {
                "seconds": round(len(audio) / RATE, 1),
                "commits": {k: [[round(d.t + 60, 1), d.text] for d in v]
                            for k, v in zip(("without a profile", "with a profile (shipped)",
                                             "with a profile, no noise references"), found, strict=True)}}
        log(f"{family}:{name}: { {k: len(v) for c in out.values() for k, v in c['commits'].items()} }")
    return out


def report(result: dict[str, Any], meta: dict[str, Any]) -> str:
    names = list(next(iter(result["cells"].values()))["commits"])
    lines = [f"# False commands on noise alone\n\n`{meta['command']}` on {meta['date']} at {meta['commit']} "
             f"({meta['machine']}), {meta['runtime_s']:.0f} s. Command model: {result['model']}.\n",
             (__doc__ or "").split("\n\n", 1)[1].strip() + "\n",
             BEFORE + "\n", "Commands per hour of noise (commands in the recording's stretch):\n",
             "| noise | level | state | " + " | ".join(names) + " |", "|---|---|---|" + "---:|" * len(names)]
    for key, cell in result["cells"].items():
        part, level, state = key.split(" | ")
        per_hour = [f"{3600 * len(cell['commits'][n]) / cell['seconds']:.0f} ({len(cell['commits'][n])})"
                    for n in names]
        lines.append(f"| {part} | {level} | {state} | " + " | ".join(per_hour) + " |")
    lines += ["", "What was heard, as shipped (seconds into the recording, phrase):", ""]
    for key, cell in result["cells"].items():
        if cell["commits"]["as shipped"]:
            lines.append(f"- {key}: " + ", ".join(f"{t} s {text!r}" for t, text in cell["commits"]["as shipped"]))
    if result.get("profiles"):
        lines += ["", "With a voice profile: each held-out voice of benchmarks/enrolment.py (Festival's, espeak-ng's "
                  "named after people) enrolled, on the second minute, running state; commands per hour (commands):",
                  ""]
        sides = list(next(iter(result["profiles"].values()))["commits"])
        lines += ["| voice | level | " + " | ".join(sides) + " |", "|---|---|" + "---:|" * len(sides)]
        totals = {side: [0, 0.0] for side in sides}
        for key, cell in result["profiles"].items():
            voice, level = key.split(" | ")
            for side in sides:
                totals[side][0] += len(cell["commits"][side])
                totals[side][1] += cell["seconds"]
            lines.append(f"| {voice} | {level} | " + " | ".join(
                f"{3600 * len(cell['commits'][s]) / cell['seconds']:.0f} ({len(cell['commits'][s])})" for s in sides)
                + " |")
        lines.append("| **all** | | " + " | ".join(f"{3600 * n / secs:.0f} ({n})" for n, secs in totals.values())
                     + " |")
        lines += ["", PROFILE_BEFORE]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.noise_alone",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="a command model file (default: the shipped one)")
    parser.add_argument("--people", type=int, default=5, help="espeak-ng's people variants to enrol (default 5)")

    def run(grammar: Grammar, args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
        model = CommandModel.load() if args.model is None else CommandModel.load(args.model)
        return {"model": "shipped" if args.model is None else str(args.model),
                "cells": measure(grammar, model, args.quick, log),
                "profiles": with_profiles(grammar, args.quick, args.people, log)}

    return heldout.run(__doc__ or "", "noise_alone", run, report, argv, parser)


if __name__ == "__main__":
    sys.exit(main())
