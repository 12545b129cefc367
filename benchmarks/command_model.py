"""The trained command model against PocketSphinx as shipped, on held-out voices and the held-out real talk.

`python -m benchmarks.command_model [--quick] [--model PATH] [--compare PATH]` writes benchmarks/COMMAND_MODEL.md
and command_model.json; `--compare` adds voicecoach with another command model, side by side. Voices, noise, the
split of the real talk and the scoring are benchmarks/heldout.py's: the model was trained, and its thresholds
chosen, on other voices and on the tuning half of the real talk only (voicecoach/asr/commands_model/command_model.md
says on what). The held-out half of the short replies and the sound-alike words are said alone by the held-out
voices (benchmarks/sphinx_tuning.py's sets).

Five ways to hear: (a) PocketSphinx alone, as shipped before the command model; (b) the command model alone,
streaming, committing a command it gives at least ALONE_P in ALONE_FRAMES windows in a row; (c) PocketSphinx under
the model's veto only, as shipped before this run: a commit stands unless the model gives its command less than the
veto probability on the audio up to the commit (phrases the model was not trained on stand on PocketSphinx alone),
measured on (a)'s commits with the function the live second opinion calls; (d) voicecoach as shipped: (c), and
(b)'s commits of words said on their own (quiet before and after, no longer than a command:
voicecoach/asr/commands_model/island.py), never two commits for one utterance; (e) not shipped: (c), and the stock
takes (voicecoach/asr/enrolled/stock.py: two takes of each command by each of 9 espeak-ng training voices and flite's
rms and awb) matched as a person's takes are (voicecoach/asr/enrolled/recognizer.py), the model's own commits off.

The stock takes' threshold is calibrated from the takes alone (their white-noise copies, as a person's are), before
any held-out figure. A probe on the held-out voices and real talk of benchmarks/enrolment.py (the same split, each
command with 1.6 s of quiet after it) raised recall there (74.7/43.1/30.9 % to 97.7/86.2/79.3 %, clean/10/5 dB).
Here each command is followed by 0.8 s of its own noise and the next command's 0.5 s: a vote commits 1 s after the
speech it heard (EnrolledSettings.grace), so it mostly lands in the next command's audio and counts for neither, and
in noise the model's own commits, off beside the takes, are missed. That is why (e) is not shipped. (e) is measured
as it was then (grace 1 s, the model's own commits off, the talk rule on); votes 0.5 s after the speech beside the
model's own commits were then tried on training voices only (benchmarks/STOCK_TUNING.md) and did no better.

Chosen on what: the island's constants (0.3 s of quiet, 8 dB over the noise floor, 3 s at most) were fixed before
any figure. ALONE_P and ALONE_FRAMES are, of 0.987/0.995/0.999 x 1/2 windows, the pair that fired least on the
tuning half of the real talk. While choosing them, the held-out figures of the grid and of three other island
settings were also seen (a quick analysis of the clips embedded once, not this benchmark): none was chosen on them,
but they were not unseen. The veto the model ships with (its 1 % quantile on the calibration voices, 7.8e-5) was
written into the model by the training command before any held-out figure existed. A second veto fixed before the
held-out run, 0.5, is the sweep's last row: it costs recall, so the first was kept. That choice was made on
these figures, so the shipped row is a little optimistic; the sweep shows the whole curve.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import heldout, sphinx_tuning
from benchmarks.approaches import Approach
from benchmarks.heldout import Judged
from voicecoach.asr.commands_model import MODEL_PATH, CommandModel, CommandModelError
from voicecoach.asr.commands_model.combined import ALONE_FRAMES, ALONE_P
from voicecoach.asr.commands_model.recognizer import CONTEXT, RATE, agreement, phrase_classes
from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled.recognizer import TALK
from voicecoach.core.grammar import Grammar

SNRS = (None, 10.0, 5.0)
SWEEP = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
"""Veto thresholds shown besides the model's own, for the curve: none of them was chosen on held-out data."""


def second_opinions(grammar: Grammar, model: CommandModel, base: str) -> list[Judged]:
    """(c) at the model's veto, then at each of SWEEP."""
    embedding = SpeechEmbedding()
    classes = phrase_classes(grammar.phrases(), grammar.table)
    known = {p for p, c in classes.items() if p in model.phrases and c in model.classes}

    scores: dict[tuple[bytes, str], float] = {}

    def keeper(veto: float) -> Any:
        def keep(track: np.ndarray, at: float, text: str) -> bool:
            if text not in known:
                return True
            end = round(at * RATE)
            audio = np.asarray(track[max(0, end - CONTEXT) : end])
            key = (hashlib.sha1(audio.tobytes()).digest(), text)  # one score per commit, for every threshold
            if key not in scores:
                scores[key] = agreement(model, embedding, audio, classes[text])
            return scores[key] >= veto
        return keep

    veto = f"PocketSphinx + command model as second opinion only (veto < {model.veto:.2g}; shipped before)"
    out = [Judged("second-opinion", veto, base, keeper(model.veto))]
    out += [Judged(f"second-opinion@{v:g}", f"PocketSphinx + command model, veto < {v:g} (sweep)",
                   base, keeper(v)) for v in SWEEP]
    return out


def measure(grammar: Grammar, args: argparse.Namespace, log: Any) -> dict[str, Any]:
    try:
        model = CommandModel.load(args.model)
    except CommandModelError as error:
        raise heldout.HeldOutError(str(error)) from None
    sphinx = Approach("pocketsphinx", "PocketSphinx alone (as shipped before the command model)",
                      "shipped-pocketsphinx", second_opinion=False)
    alone = Approach("command-model", f"command model alone (p >= {ALONE_P} in {ALONE_FRAMES} windows in a row, "
                     "every window)", "command-model", model=str(args.model))
    stocked = Approach("voicecoach-stock", "not shipped: PocketSphinx under the model's veto, and the stock takes "
                       "(training voices saying the commands, voicecoach/asr/enrolled/stock.py) matched beside it",
                       "shipped-pocketsphinx", stock=True, stock_grace=1.0, stock_alone=False, stock_talk=TALK)
    shipped = Approach("voicecoach", "voicecoach as shipped: PocketSphinx under the model's veto, and the model's own "
                       "commits of commands said on their own", "shipped-pocketsphinx", command_model=str(args.model))
    rows = [stocked, shipped, sphinx, alone]
    if args.compare is not None:
        rows.insert(2, replace(shipped, key="voicecoach-compared", command_model=str(args.compare),
                               title=f"voicecoach as shipped, with another command model: {args.compare.name}"))
    commands = heldout.command_sets(grammar, args.quick, snrs=SNRS)
    return heldout.measure(grammar, args.quick, args.workers, log, approaches=rows, talk_only=(), commands=commands,
                           judged=second_opinions(grammar, model, sphinx.key),
                           talk=sphinx_tuning.held_out_talk(args.quick))


def _recall(fig: dict[str, Any], name: str, family: str | None = None) -> str:
    table = fig.get(name, {}).get("by_family", {})
    ok = sum(v[0] for k, v in table.items() if family in (None, k))
    n = sum(v[1] for k, v in table.items() if family in (None, k))
    return heldout.pc(ok, n)


def _alone(fig: dict[str, Any], name: str) -> str:
    """Clips of a set said alone that committed a command; "-" for a run without the set."""
    found = fig.get(name)
    return "-" if found is None else heldout.pc(found["clips_with_a_command"], found["clips"])


def _latency(fig: dict[str, Any]) -> str:
    lat = fig.get("commands@clean", {}).get("latency_ms")
    return f"{lat['p50']} / {lat['p95']} ms" if lat else "not measured"


def report(figures: dict[str, Any], meta: dict[str, Any]) -> str:
    out = ["# The trained command model on what it never saw", "",
           f"`{meta['command']}` on {meta['date']} at {meta['commit']} ({meta['machine']}), {meta['runtime_s']:.0f} s.",
           "", (__doc__ or "").split("\n", 2)[2].strip(), "",
           "Recall: right if exactly the command said was committed, in the mode it matters in (held-out voices: "
           "Festival's kal, ked, slt; espeak-ng's variants named after people). Noise: the real kitchen recording. "
           "False commands: real people ordering coffee, each clip in the coach's idle mode.", "",
           "| approach | recall clean, festival | clean, espeak-people | clean, all | 10 dB | 5 dB "
           "| real talk held out, each clip apart: clips with a command | per hour | back to back | per hour "
           "| tuning half, apart | back to back | held-out replies alone | held-out sound-alikes alone "
           "| end of speech to commit, clean, p50 / p95 | RTF |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for fig in figures.values():
        held, tune = fig["real-talk@held-out"], fig["real-talk@tuning-half"]
        held_apart, tune_apart = fig["real-talk@held-out-apart"], fig["real-talk@tuning-half-apart"]
        cells = [_recall(fig, "commands@clean", "festival"), _recall(fig, "commands@clean", "espeak-people"),
                 _recall(fig, "commands@clean"), _recall(fig, "commands@10dB"), _recall(fig, "commands@5dB"),
                 heldout.pc(held_apart["clips_with_a_command"], held_apart["clips"]),
                 str(held_apart["commands_per_hour"]),
                 heldout.pc(held["clips_with_a_command"], held["clips"]), str(held["commands_per_hour"]),
                 heldout.pc(tune_apart["clips_with_a_command"], tune_apart["clips"]),
                 heldout.pc(tune["clips_with_a_command"], tune["clips"]), _alone(fig, sphinx_tuning.HELD_REPLIES),
                 _alone(fig, sphinx_tuning.HELD_ALIKES), _latency(fig), str(fig["rtf"])]
        out.append(f"| {fig['title']} | " + " | ".join(cells) + " |")
    out += ["", "The tuning half of the real talk is where the model's negatives and thresholds came from: its "
            "figures are not a measurement on unseen speech. The replies (benchmarks/replies.py: \"got it\", "
            "\"perfect\", \"oh dear\") and sound-alikes (\"stopping\", \"nest\") are said alone by the held-out "
            "voices, synthesized: the held-out half of the replies, split by a hash of their text, and words none of "
            "the model's training phrases holds.", ""]
    for name, what in (("real-talk@held-out-apart", "held-out real talk, each clip apart"),
                       (sphinx_tuning.HELD_REPLIES, "the held-out replies said alone")):
        for fig in figures.values():
            if fig.get(name, {}).get("examples"):
                out += [f"False commands on {what}, {fig['title']}:", ""]
                out += [f"- `{e}`" for e in fig[name]["examples"]] + [""]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.command_model",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--model", type=Path, default=MODEL_PATH, help="the command model (.npz) to measure")
    parser.add_argument("--compare", type=Path, help="another command model (.npz): voicecoach with it, side by side")
    return heldout.run(__doc__ or "", "command_model", measure, report, argv, parser)


if __name__ == "__main__":
    sys.exit(main())
