"""Command model files compared by themselves on held-out voices and held-out real talk: is a retrained one better?

`python -m benchmarks.model_alone [--quick] [--model NAME=PATH ...]` writes benchmarks/MODEL_ALONE.md and
model_alone.json (pyroomacoustics needed for the rooms: `pip install -e ".[bench]"`).

A quick check of the model itself, before the whole pipeline is measured (benchmarks/command_model.py, 45 to 70
minutes): each model scores the same clips, embedded once, as whole clips (not streamed: a streamed window differs a
little, benchmarks/PIPELINE_COST.md). Every phrase the models know by every held-out voice of benchmarks/heldout.py
(Festival's; espeak-ng's variants named after people), 0.5 s of quiet before and 0.8 s after, four ways: clean; in
the real kitchen recording at 10 and 5 dB (every phrase, not a rotating third); from the floor of
benchmarks/room.py's eight rooms over a quiet room's noise. And the held-out half of the real talk, each clip with
0.5 s of quiet either side.

Per model: **ranked first**, the right command is the likeliest command (none aside) of any window of the clip;
**sure**, the first command the model is sure of (combined.ALONE_P in combined.ALONE_FRAMES windows in a row, the
rule of its own commits) is the right one; on the real talk, the clips it is sure of a command in, and of those the
ones whose command combined.NEVER_ALONE does not keep from committing. Nothing here was chosen on these figures.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks import heldout
from benchmarks.corpus import ROOM_NOISE_RMS
from voicecoach.asr.commands_model import NONE, CommandModel, CommandModelError
from voicecoach.asr.commands_model.combined import ALONE_FRAMES, ALONE_P, NEVER_ALONE
from voicecoach.asr.commands_model.model import MODEL_PATH, label_of, windows
from voicecoach.asr.commands_model.stream import dither
from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech
from voicecoach.testing.real_talk import held_out, negatives_dir

RATE = speech.RATE
NOTES = """## What this says (read on the run above)

The question was whether training the command model with copies said from the floor of simulated rooms
(`python -m voicecoach.asr.commands_model.train --rooms 24`: half of the perturbed copies and of the noisy negatives
through one of 24 pyroomacoustics rooms drawn from the seed, not benchmarks/room.py's) hears held-out voices better.
The shipped model was trained on 73 phrases, three of which the grammar has since dropped ("hang on a second",
"ow", "pain"), so the fair comparison is with the same command on today's grammar without rooms (seed 24), and
seed 25 shows how far two trainings differ by their seed alone.

- With rooms, "sure" rose in the rooms by 1.5 points (13.0 to 14.5 %) and at 10 dB by 0.5; it fell by 0.8 clean.
  Seed 24 and seed 25 without rooms differ by 1.8 points in the rooms and 1.2 clean: the rooms' gain is within
  what the seed alone moves.
- "Ranked first" fell everywhere with rooms, in the rooms too (36.0 to 32.8 %; clean 42.3 to 35.4).
- On the held-out real talk every retrained model was sure of a command in 4 or 5 clips, the shipped one in 2;
  NEVER_ALONE (chosen for the shipped model) keeps most of them out.

So the rooms are not shipped: the training keeps them as an option (`--rooms N`, off by default). The three
retrained files were not kept; `python -m voicecoach.asr.commands_model.train --out FILE` rebuilds seed 24's, with
`--seed 25` or `--rooms 24` the others (about 20 minutes each here). What the model
lacks on held-out voices is not rooms: by themselves all four rank the right command first for only 35 to 43 % of
the clean held-out commands (the training's own calibration voices: 84 to 88 %).
"""
CONDITIONS = ("clean", "10 dB", "5 dB", "room")


def sure_of(model: CommandModel, wins: npt.NDArray[np.float32]) -> str | None:
    """The first command the model is sure of: ALONE_P in ALONE_FRAMES windows in a row."""
    p = model.probabilities(wins)
    p[:, model.classes.index(NONE)] = 0.0
    best, run, last = p.argmax(axis=1), 0, -1
    for i, k in enumerate(best):
        run = run + 1 if p[i, k] >= ALONE_P and k == last else int(p[i, k] >= ALONE_P)
        last = int(k) if p[i, k] >= ALONE_P else -1
        if run >= ALONE_FRAMES:
            return model.classes[int(k)]
    return None


def ranked_first(model: CommandModel, wins: npt.NDArray[np.float32]) -> str:
    p = model.probabilities(wins)
    p[:, model.classes.index(NONE)] = 0.0
    return model.classes[int(np.unravel_index(int(p.argmax()), p.shape)[1])]


def clips(grammar: Grammar, phrases: Sequence[str], quick: bool) -> list[tuple[str, str, str, speech.Audio]]:
    """(condition, voice family, phrase, audio) for every held-out voice and phrase."""
    from benchmarks.room import rooms

    kitchen = heldout.kitchen_noise()
    out = []
    for si, speaker in enumerate(heldout.speakers(quick)):
        for pi, phrase in enumerate(phrases):
            raw = speaker.say(phrase)
            dry = speech.pad(raw, 0.5, 0.8)
            for ci, condition in enumerate(CONDITIONS):
                if condition == "room":
                    wet = speech.through_room(dry, rooms()[(pi + si) % len(rooms())].response, tail=True)
                    quiet = speech.white_noise(len(wet), ROOM_NOISE_RMS, seed=pi)
                    audio = speech.to_int16((wet.astype(np.float64) + quiet) / 32767.0)
                elif condition == "clean":
                    audio = dry
                else:
                    offset = ((pi * 131 + si * 17 + ci * 7) * RATE) % (len(kitchen) - len(dry))
                    audio = speech.add_noise(dry, np.roll(kitchen, -offset), float(condition.split()[0]),
                                             speech_rms=speech.active_rms(raw))
                out.append((condition, speaker.family, phrase, audio))
    return out


def measure(grammar: Grammar, models: dict[str, CommandModel], quick: bool,
            log: Callable[[str], None]) -> dict[str, Any]:
    embedding = SpeechEmbedding()
    phrases = [p for p in grammar.phrases() if all(p in m.phrases for m in models.values())]
    phrases = phrases[:12] if quick else phrases
    label = {p: label_of(grammar.table[p]) for p in phrases}
    figures: dict[str, Any] = {name: {} for name in models}
    said = clips(grammar, phrases, quick)
    log(f"{len(said)} clips of commands")
    for condition, family, phrase, audio in said:
        wins = windows(embedding.embed(dither(audio)))
        for name, model in models.items():
            cell = figures[name].setdefault(condition, {}).setdefault(family, {"n": 0, "first": 0, "sure": 0})
            cell["n"] += 1
            cell["first"] += ranked_first(model, wins) == label[phrase]
            cell["sure"] += sure_of(model, wins) == label[phrase]
    talk = [p for p in sorted((negatives_dir() / "clips").glob("*.flac")) if held_out(p.name)]
    talk = talk[:40] if quick else talk
    for name in models:
        figures[name]["talk"] = {"clips": len(talk), "sure": [], "kept_out_by_never_alone": 0}
    log(f"{len(talk)} clips of held-out real talk")
    for path in talk:
        wins = windows(embedding.embed(dither(speech.pad(speech.read_wav(path), 0.5, 0.5))))
        for name, model in models.items():
            found = sure_of(model, wins)
            if found is not None:
                figures[name]["talk"]["sure"].append(f"{path.name} -> {found}")
                figures[name]["talk"]["kept_out_by_never_alone"] += found in NEVER_ALONE
    return figures


def report(figures: dict[str, Any], meta: dict[str, Any]) -> str:
    lines = [*heldout.head("Command models by themselves on held-out voices and talk", meta, __doc__ or ""),
             "Held-out voices and clips only; all speech here but the real talk is synthesized (no real recordings of "
             "our commands exist here).", "",
             "| model | " + " | ".join(f"{c}: ranked first / sure" for c in CONDITIONS) + " | real talk: clips sure of "
             "a command (of which NEVER_ALONE keeps out) |",
             "|---|" + "---|" * (len(CONDITIONS) + 1)]
    for name, by in figures["models"].items():
        cells = []
        for condition in CONDITIONS:
            n = sum(c["n"] for c in by[condition].values())
            first = sum(c["first"] for c in by[condition].values())
            sure = sum(c["sure"] for c in by[condition].values())
            cells.append(f"{heldout.pc(first, n)} / {heldout.pc(sure, n)}")
        talk = by["talk"]
        cells.append(f"{len(talk['sure'])} of {talk['clips']} ({talk['kept_out_by_never_alone']})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "By voice family, sure:", "", "| model | " + " | ".join(CONDITIONS) + " |",
              "|---|" + "---|" * len(CONDITIONS)]
    for name, by in figures["models"].items():
        for family in sorted(by["clean"]):
            lines.append(f"| {name}, {family} | " + " | ".join(
                heldout.pc(by[c][family]["sure"], by[c][family]["n"]) for c in CONDITIONS) + " |")
    lines += ["", "Real talk the models are sure of a command in:", ""]
    lines += [f"- {name}: " + ("; ".join(by["talk"]["sure"]) or "none") for name, by in figures["models"].items()]
    lines += ["", "The models:", ""]
    lines += [f"- {name}: `{path}`" for name, path in figures["paths"].items()]
    return "\n".join([*lines, "", NOTES]) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.model_alone",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--model", action="append", default=[], metavar="NAME=PATH",
                        help="a command model file to compare (again for more; the shipped one is always measured)")

    def run(grammar: Grammar, args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
        paths = {"shipped": MODEL_PATH}
        for given in args.model:
            name, _, path = given.partition("=")
            if not path:
                raise heldout.HeldOutError(f"--model {given!r}: give it as NAME=PATH")
            paths[name] = Path(path)
        try:
            import pyroomacoustics  # noqa: F401

            models = {name: CommandModel.load(path) for name, path in paths.items()}
        except ImportError:
            raise heldout.HeldOutError('pyroomacoustics is not installed: pip install -e ".[bench]"') from None
        except CommandModelError as error:
            raise heldout.HeldOutError(str(error)) from None
        return {"models": measure(grammar, models, args.quick, log),
                "paths": {name: str(path) for name, path in paths.items()}}

    return heldout.run(__doc__ or "", "model_alone", run, report, argv, parser)


if __name__ == "__main__":
    sys.exit(main())
