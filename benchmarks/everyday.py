"""False commands on real everyday talk against recall, the PocketSphinx recognizer with and without its second opinion.

`python -m benchmarks.everyday [--quick]` writes benchmarks/EVERYDAY.md and everyday.json.

The second opinion (SphinxSettings.evidence_factor) was chosen on the tuning half of the real talk and the tuning
voices only; the held-out half and the held-out voices (benchmarks/heldout.py) are shown first.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import corpus, heldout, runs
from benchmarks.approaches import Approach
from benchmarks.corpus import ClipSet, Item
from benchmarks.streaming import command_clips
from voicecoach.cli.main import load
from voicecoach.core.grammar import Grammar

BEFORE = Approach("no-second-opinion", "PocketSphinx, no second opinion (evidence_factor 1, as before)",
                  "shipped-pocketsphinx", evidence_factor=1.0)
TUNING_VOICES = "commands@tuning-voices"


def tuning_voice_set(grammar: Grammar, quick: bool) -> ClipSet:
    """Every phrase by the 8 espeak-ng voices the recognizer was tuned on, at their 3 speeds, clean."""
    voices = corpus.VOICES[:2] if quick else corpus.VOICES
    phrases = grammar.phrases()[:12] if quick else grammar.phrases()
    cs = ClipSet(TUNING_VOICES)
    for clip in command_clips(None, voices=voices, phrases=phrases):
        assert clip.expect is not None
        voice = clip.label.rsplit(" ", 1)[1].split("@")[0]
        cs.add(Item(clip.label, clip.expect, "command", "clean", None, corpus.speech_end(clip.audio),
                    phrase=clip.expect, mode=heldout.command_mode(grammar, clip.expect), voice=f"tuning:{voice}"),
               clip.audio)
    return cs


def _recall(figures: dict[str, Any], name: str, family: str | None = None) -> tuple[int, int]:
    table = figures.get(name, {}).get("by_family", {})
    return (sum(v[0] for k, v in table.items() if family in (None, k)),
            sum(v[1] for k, v in table.items() if family in (None, k)))


def report(figures: dict[str, Any], meta: dict[str, Any]) -> str:
    """EVERYDAY.md: per approach, false commands on each half of the real talk, then clean recall."""
    out = ["# False commands on everyday talk against recall", "",
           f"`{meta['command']}` on {meta['date']} at {meta['commit']} ({meta['machine']}), {meta['runtime_s']:.0f} s.",
           "", (__doc__ or "").split("\n", 2)[2].strip(), "",
           "Real talk: real people ordering coffee (../shared/data/real-speech-negatives), each clip in the coach's "
           "idle mode. Recall: right if exactly the command said was committed, clean, in the mode it matters in.", "",
           "| approach | real talk, held out: clips with a command | per hour | real talk, tuning half | per hour "
           "| recall, held-out voices (Festival, espeak-ng people) | recall, tuning voices (8 espeak-ng) |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for fig in figures.values():
        cells = []
        for name in ("real-talk@held-out", "real-talk@tuning-half"):
            t = fig[name]
            cells += [heldout._pc(t["clips_with_a_command"], t["clips"]), str(t["commands_per_hour"])]
        cells += [heldout._pc(*_recall(fig, "commands@clean")), heldout._pc(*_recall(fig, TUNING_VOICES))]
        out.append(f"| {fig['title']} | " + " | ".join(cells) + " |")
    out += ["", "Recall on held-out voices by family:", "",
            "| approach | festival | espeak-people |", "|---|---:|---:|"]
    for fig in figures.values():
        out.append(f"| {fig['title']} | {heldout._pc(*_recall(fig, 'commands@clean', 'festival'))} | "
                   f"{heldout._pc(*_recall(fig, 'commands@clean', 'espeak-people'))} |")
    for fig in figures.values():
        examples = fig["real-talk@held-out"]["examples"]
        if examples:
            out += ["", f"False commands on held-out real talk, {fig['title']}:", ""]
            out += [f"- `{e}`" for e in examples]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.everyday", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few voices and phrases, 40 real clips")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=runs.REPO,
                        help="EVERYDAY.md goes to OUT/benchmarks/ (default: the repository)")
    args = parser.parse_args(argv)
    log = runs.logger("everyday")
    problem = runs.cannot_report(args.out)
    if problem:
        print(f"python -m benchmarks.everyday: {problem}", file=sys.stderr)
        return 2
    started = time.monotonic()
    _, grammar = load(None)
    try:
        commands = [*heldout.command_sets(grammar, args.quick, snrs=(None,)), tuning_voice_set(grammar, args.quick)]
        figures = heldout.measure(grammar, args.quick, args.workers, log, approaches=(heldout.SHIPPED, BEFORE),
                                  talk_only=(), commands=commands)
    except heldout.HeldOutError as error:
        print(f"python -m benchmarks.everyday: {error}", file=sys.stderr)
        return 2
    meta = {"command": runs.command_line("python -m benchmarks.everyday", argv), "date": time.strftime("%Y-%m-%d"),
            "commit": heldout._commit(), "machine": heldout._machine(), "runtime_s": time.monotonic() - started}
    where = runs.mkdir(args.out / "benchmarks")
    (where / "everyday.json").write_text(json.dumps({"meta": meta, "figures": figures}, indent=1) + "\n")
    (where / "EVERYDAY.md").write_text(report(figures, meta))
    log(f"wrote {where / 'EVERYDAY.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
