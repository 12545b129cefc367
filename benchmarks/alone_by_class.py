"""Which commands the command model should commit alone, one by one, chosen on training data only.

`python -m benchmarks.alone_by_class [--times F] [--quick]` writes benchmarks/ALONE_BY_CLASS.md and alone_by_class.json.

The training data is benchmarks/sphinx_tuning.py's: the commands of espeak-ng's en-us+m2, +m6 and +f5 (clean, 10 and
5 dB), the tuning half of the short replies and the sound-alikes said alone by the 8 tuning voices, and the tuning
half of the real talk, back to back and apart. Nothing held out is decoded.

Step 1: the shipped recognizer is decoded with the model's own commits on and off (SecondOpinion only). For each
command C the model may commit alone, `right_added` counts the command clips of C that are right only with them
on, and `false_added` the clips in which C is committed only with them on though C was not said. The rule, fixed
before the first run: C is held back (the model alone never commits it; PocketSphinx, under the veto, still hears
it) if false_added > F x right_added. F was 1 in the first run; that choice lost too much recall in step 2, so a
second run took F = 2 (a command missed counts twice a false one), fixed before it ran.

Step 2: the shipped recognizer with those commands held back is decoded on the same data. It replaces the shipped
one only if it commits on fewer replies, on no more tuning talk (apart, back to back) and sound-alikes, and loses at
most 1 point of recall clean, at 10 dB and at 5 dB (the rule of benchmarks/OPINION_TUNING.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks import corpus, decode, heldout, runs, sphinx_tuning
from benchmarks.approaches import Approach
from benchmarks.corpus import ClipSet
from voicecoach.asr.commands_model import CommandModel
from voicecoach.asr.commands_model.combined import NEVER_ALONE
from voicecoach.core.grammar import Grammar

ON = replace(sphinx_tuning.SHIPPED, key="voicecoach", title="as shipped: the model's own commits on")
OFF = Approach("no-own-commits", "the model's own commits off (its veto only)", "shipped-pocketsphinx",
               model_alone=False)
CONDITIONS = ("clean", "10dB", "5dB")
TALK_SETS = (f"{sphinx_tuning.TALK}-apart", sphinx_tuning.TALK, sphinx_tuning.SOUND_ALIKES, sphinx_tuning.REPLIES)

Found = list[list[str]]  # per item, the commands committed (Command.canonical)


def decoded(approaches: Sequence[Approach], sets: list[ClipSet], grammar: Grammar, workers: int,
            ) -> dict[str, dict[str, Found]]:
    """Per approach, per set, the commands each item committed."""
    with tempfile.TemporaryDirectory(prefix="alone-", dir=runs.mkdir(corpus.bench_cache())) as tmp:
        tracks, _ = runs.save_tracks(sets, Path(tmp))
        jobs = decode.plan_jobs(approaches, sets, tracks, grammar)
        dec = decode.decode_all(decode.costliest_first(jobs), sets, workers)

    def named(text: str) -> str:
        command = grammar.match(text)
        return text if command is None else command.canonical

    return {a.key: {cs.name: [[named(t) for _, t in found] for found in dec[a.key].per_item[cs.name]]
                    for cs in sets} for a in approaches}


def expected(grammar: Grammar, item: corpus.Item) -> str | None:
    command = grammar.match(item.expect or "")
    return None if command is None else command.canonical


def tally(grammar: Grammar, sets: list[ClipSet], on: dict[str, Found], off: dict[str, Found],
          classes: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per command the model may commit alone: right_added and false_added (the module's docstring)."""
    out = {c: {"right_added": 0, "false_added": 0} for c in classes}
    for cs in sets:
        for item, with_own, without in zip(cs.items, on[cs.name], off[cs.name], strict=True):
            said = expected(grammar, item)
            if said in out and with_own == [said] and without != [said]:
                out[said]["right_added"] += 1
            for c in set(with_own) - set(without):
                if c in out and c != said:
                    out[c]["false_added"] += 1
    return out


def summary(grammar: Grammar, commands: list[ClipSet], talk: list[ClipSet], found: dict[str, Found],
            ) -> dict[str, Any]:
    """Recall per condition and clips with a command per set of things that are no command."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for cs in commands:
        for item, got in zip(cs.items, found[cs.name], strict=True):
            total[item.condition] += 1
            right[item.condition] += got == [expected(grammar, item)]
    out: dict[str, Any] = {f"recall@{c}": [right[c], total[c]] for c in CONDITIONS}
    for cs in talk:
        fired = [(item.label, got) for item, got in zip(cs.items, found[cs.name], strict=True) if got]
        out[cs.name] = {"clips": len(cs.items), "clips_with_a_command": len(fired),
                        "examples": [f"{label} -> {got}" for label, got in fired[:10]]}
    return out


def passes(row: dict[str, Any], shipped: dict[str, Any]) -> bool:
    """The rule of step 2."""
    def fired(fig: dict[str, Any], name: str) -> int:
        return int(fig[name]["clips_with_a_command"])

    def recall(fig: dict[str, Any], condition: str) -> float:
        ok, n = fig[f"recall@{condition}"]
        return 100.0 * ok / n if n else 0.0

    return (fired(row, sphinx_tuning.REPLIES) < fired(shipped, sphinx_tuning.REPLIES)
            and all(fired(row, name) <= fired(shipped, name) for name in TALK_SETS[:3])
            and all(recall(row, c) >= recall(shipped, c) - 1.0 for c in CONDITIONS))


def chosen(counts: dict[str, dict[str, int]], times: float) -> tuple[str, ...]:
    """The commands held back: those whose own commits add more than `times` false commands per right one."""
    return tuple(c for c, n in counts.items() if n["false_added"] > times * n["right_added"])


def measure(grammar: Grammar, args: argparse.Namespace, log: Any) -> dict[str, Any]:
    commands, talk = sphinx_tuning.training_sets(grammar, args.quick)
    sets = [*commands, *talk]
    log(f"step 1: the model's own commits on and off, {sum(cs.seconds for cs in sets) / 60:.0f} min of audio")
    first = decoded([ON, OFF], sets, grammar, args.workers)
    classes = [c for c in CommandModel.load().classes if c != "none" and c not in NEVER_ALONE]
    counts = tally(grammar, sets, first[ON.key], first[OFF.key], classes)
    held = chosen(counts, args.times)
    rows = {a.key: {"title": a.title, **summary(grammar, commands, talk, first[a.key])} for a in (ON, OFF)}
    if held:
        row = Approach("held-back", f"as shipped, the model alone never committing {', '.join(held)}",
                       "shipped-pocketsphinx", hold_back=held)
        log(f"step 2: held back {', '.join(held)}")
        second = decoded([row], sets, grammar, args.workers)
        rows[row.key] = {"title": row.title, **summary(grammar, commands, talk, second[row.key])}
        rows[row.key]["passes"] = passes(rows[row.key], rows[ON.key])
    return {"by_command": counts, "times": args.times, "held_back": list(held), "rows": rows}


def _pc(pair: Sequence[int]) -> str:
    return heldout.pc(pair[0], pair[1])


def report(figures: dict[str, Any], meta: dict[str, Any]) -> str:
    out = ["# The command model's own commits, command by command (training data only)", "",
           f"`{meta['command']}` on {meta['commit']}, {meta['date']}, {meta['machine']}, "
           f"{meta['runtime_s'] / 60:.0f} min.", "", (__doc__ or "").split("\n\n", 2)[2].strip(), "",
           f"Held back at F = {figures['times']:g}.", "",
           "| command | right only with its own commits | false only with them | held back |", "|---|---:|---:|---|"]
    held = set(figures["held_back"])
    for c, n in sorted(figures["by_command"].items(), key=lambda kv: -kv[1]["false_added"]):
        out.append(f"| {c} | {n['right_added']} | {n['false_added']} | {'yes' if c in held else ''} |")
    out += ["", "| approach | clean | 10 dB | 5 dB | tuning talk apart | back to back | sound-alikes alone "
            "| replies alone | passes the rule |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for key, row in figures["rows"].items():
        cells = [_pc(row[f"recall@{c}"]) for c in CONDITIONS]
        cells += [f"{row[n]['clips_with_a_command']}/{row[n]['clips']}" for n in TALK_SETS]
        verdict = {True: "yes", False: "no"}.get(row.get("passes"), "")
        out.append(f"| {key}: {row['title']} | " + " | ".join(cells) + f" | {verdict} |")
    out += ["", "False commands on the replies, first few per approach:", ""]
    for key, row in figures["rows"].items():
        out.append(f"- {key}: " + "; ".join(row[sphinx_tuning.REPLIES]["examples"]))
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.alone_by_class",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--times", type=float, default=2.0,
                        help="hold a command back if its own commits add more than this many false commands per right "
                             "one (default 2; the first run took 1)")
    return heldout.run(__doc__ or "", "alone_by_class", measure, report, argv, parser=parser)


if __name__ == "__main__":
    sys.exit(main())
