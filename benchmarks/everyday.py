"""False commands on real everyday talk against recall, the PocketSphinx recognizer with and without its second opinion.

`python -m benchmarks.everyday [--quick]` writes benchmarks/EVERYDAY.md and everyday.json.

The second opinion (SphinxSettings.evidence_factor) was chosen on the tuning half of the real talk and the tuning
voices only; the held-out half and the held-out voices (benchmarks/heldout.py) are shown first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from benchmarks import corpus, heldout
from benchmarks.approaches import Approach
from benchmarks.corpus import ClipSet, Item
from benchmarks.streaming import command_clips
from voicecoach.core.grammar import Grammar

BEFORE = Approach("no-second-opinion", "PocketSphinx, no second opinion (evidence_factor 1, as before)",
                  "shipped-pocketsphinx", sphinx=(("evidence_factor", 1.0),))
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
            cells += [heldout.pc(t["clips_with_a_command"], t["clips"]), str(t["commands_per_hour"])]
        cells += [heldout.pc(*_recall(fig, "commands@clean")), heldout.pc(*_recall(fig, TUNING_VOICES))]
        out.append(f"| {fig['title']} | " + " | ".join(cells) + " |")
    out += ["", "Recall on held-out voices by family:", "",
            "| approach | festival | espeak-people |", "|---|---:|---:|"]
    for fig in figures.values():
        out.append(f"| {fig['title']} | {heldout.pc(*_recall(fig, 'commands@clean', 'festival'))} | "
                   f"{heldout.pc(*_recall(fig, 'commands@clean', 'espeak-people'))} |")
    for fig in figures.values():
        examples = fig["real-talk@held-out"]["examples"]
        if examples:
            out += ["", f"False commands on held-out real talk, {fig['title']}:", ""]
            out += [f"- `{e}`" for e in examples]
    return "\n".join(out) + "\n"


def measure(grammar: Grammar, args: argparse.Namespace, log: Any) -> dict[str, Any]:
    """Real talk, held-out voices clean and (unless left out) tuning voices clean, each approach."""
    commands = heldout.command_sets(grammar, args.quick, snrs=(None,))
    if not args.no_tuning_voices:
        commands.append(tuning_voice_set(grammar, args.quick))
    return heldout.measure(grammar, args.quick, args.workers, log, approaches=(heldout.SHIPPED, BEFORE), talk_only=(),
                           commands=commands)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.everyday", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--no-tuning-voices", action="store_true",
                        help="leave out the tuning voices' recall, two fifths of the run")
    return heldout.run(__doc__ or "", "everyday", measure, report, argv, parser)


if __name__ == "__main__":
    sys.exit(main())
