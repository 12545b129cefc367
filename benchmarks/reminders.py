"""What "not now" costs and gains: false commands on real everyday talk with and without it, and its recall.

`python -m benchmarks.reminders [--half held-out|tuning|both] [--quick]` writes benchmarks/REMINDERS.md and
reminders.json.

"not now" (later, not yet) is listened for only in the coach's "reminded" state: the minute after a
reminder has been said. Its phrases still join the recognizer's search in every state (the live loop segments
speech with every phrase), so the real talk (benchmarks/heldout.py: real people ordering coffee, held-out half
first) is decoded three ways: without the command while idle (before it was added), with it while idle, and with
it while reminded, where its phrases are candidates. Recall: each phrase said by the held-out voices of
benchmarks/heldout.py (Festival, espeak-ng's people), clean, in the reminded state. The phrases were chosen on the
tuning half alone ("maybe later" dropped: 15 false commands in 306 clips there, reminded), and nothing else was tuned.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import corpus, decode, heldout, runs
from benchmarks.corpus import ClipSet, Item
from voicecoach.cli.main import load
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech

COMMAND = "not now"
VARIANTS = (("before", "idle"), ("with", "idle"), ("with", "reminded"))
"""(grammar, the coach's state): the grammar before "not now" was added, or with it."""


def without(grammar: Grammar, command: str) -> Grammar:
    """`grammar` as it was before `command` was added."""
    return Grammar(tuple(s for s in grammar.specs if s.name != command),
                   {p: c for p, c in grammar.table.items() if c.name != command})


def recall_set(grammar: Grammar, quick: bool) -> ClipSet:
    """Each phrase of COMMAND by each held-out speaker, clean, said in the reminded state."""
    cs = ClipSet("not-now@clean")
    for phrase in (p for p, c in grammar.table.items() if c.name == COMMAND):
        for speaker in heldout.speakers(quick):
            raw = speaker.say(phrase)
            cs.add(Item(f"{phrase!r} {speaker.name}@{speaker.pace:g}", phrase, "command", "clean", None,
                        corpus.PAD_BEFORE + len(raw) / speech.RATE, phrase=phrase, mode="reminded",
                        voice=f"{speaker.family}:{speaker.name}"),
                   speech.pad(raw, corpus.PAD_BEFORE, corpus.PAD_AFTER))
    return cs


def measure(grammar: Grammar, halves: Sequence[str], quick: bool, workers: int, log: Any) -> dict[str, Any]:
    talk = dict(zip(("held-out", "tuning"), heldout.real_negative_sets(quick), strict=True))
    before = without(grammar, COMMAND)
    sets: list[ClipSet] = []
    jobs: list[decode.Job] = []
    named: dict[str, tuple[str, str, str]] = {}
    recall = recall_set(grammar, quick)
    with tempfile.TemporaryDirectory(prefix="reminders-", dir=runs.mkdir(corpus.bench_cache())) as tmp:
        for half in halves:
            for variant, state in VARIANTS:
                name = f"{half}|{variant}|{state}"
                named[name] = (half, variant, state)
                sets.append(talk[half].in_mode(name, state))
        sets.append(recall)
        tracks, _ = runs.save_tracks(sets, Path(tmp))
        for cs in sets:
            uses = before if cs.name in named and named[cs.name][1] == "before" else grammar
            jobs += decode.plan_jobs([heldout.SHIPPED], [cs], tracks, uses)
        log(f"decoding: {len(jobs)} jobs on {workers} workers, {sum(cs.seconds for cs in sets) / 60:.0f} min of audio")
        decoded = decode.decode_all(decode.costliest_first(jobs), sets, workers)[heldout.SHIPPED.key]
    out: dict[str, Any] = {"talk": [], "recall": {}}
    for cs in sets:
        found_all = decoded.per_item[cs.name]
        if cs.name in named:
            half, variant, state = named[cs.name]
            heard = [t for found in found_all for _, t in found]
            out["talk"].append({
                "half": half, "grammar": variant, "state": state, "clips": len(cs.items),
                "minutes": round(cs.seconds / 60, 1), "clips_with_a_command": sum(1 for f in found_all if f),
                "commands": len(heard), "not_now": sum(1 for t in heard if grammar.table[t].name == COMMAND),
                "by_phrase": dict(Counter(heard).most_common()),
                "commands_per_hour": round(len(heard) / (cs.seconds / 3600), 1),
                "examples": [f"{item.label} -> {[t for _, t in found]}"
                             for item, found in zip(cs.items, found_all, strict=True) if found][:12]})
            continue
        for item, found in zip(cs.items, found_all, strict=True):
            phrase = item.phrase or ""
            right = [t for _, t in found] == [phrase]
            row = out["recall"].setdefault(phrase, {"right": 0, "clips": 0, "misses": []})
            row["right"] += right
            row["clips"] += 1
            if not right:
                row["misses"].append(f"{item.label} -> {[t for _, t in found]}")
    return out


def _pc(ok: int, n: int) -> str:
    return f"{100 * ok / n:.1f} % ({ok}/{n})" if n else "n/a"


def report(figures: dict[str, Any], meta: dict[str, Any]) -> str:
    out = ['# "not now": false commands on real talk, and recall', "",
           f"`{meta['command']}` on {meta['date']} at {meta['commit']} ({meta['machine']}), {meta['runtime_s']:.0f} s.",
           "", (__doc__ or "").split("\n", 2)[2].strip(), "",
           "## False commands on real everyday talk", "",
           "| half | grammar | state | clips with a command | commands | of them \"not now\" | commands per hour |",
           "|---|---|---|---:|---:|---:|---:|"]
    for row in figures["talk"]:
        out.append(f"| {row['half']} ({row['minutes']} min) | {row['grammar']} \"not now\" | {row['state']} | "
                   f"{_pc(row['clips_with_a_command'], row['clips'])} | {row['commands']} | {row['not_now']} | "
                   f"{row['commands_per_hour']} |")
    out += ["", "Which phrases were heard:", ""]
    for row in figures["talk"]:
        heard = ", ".join(f"{phrase} {n}" for phrase, n in row["by_phrase"].items()) or "none"
        out.append(f"- {row['half']}, {row['grammar']} \"not now\", {row['state']}: {heard}")
    out += ["", "The reminded state lasts a minute after each reminder, at most a few times a day: its commands per "
            "hour are what a person talking through all of that minute would cause.", "",
            "## Recall in the reminded state (held-out synthesized voices, clean)", "",
            "| phrase | right |", "|---|---:|"]
    recall = figures["recall"]
    for phrase, row in recall.items():
        out.append(f"| {phrase} | {_pc(row['right'], row['clips'])} |")
    out.append(f"| all | {_pc(sum(r['right'] for r in recall.values()), sum(r['clips'] for r in recall.values()))} |")
    for row in figures["talk"]:
        if row["examples"]:
            out += ["", f"False commands, {row['half']} half, {row['grammar']} \"not now\", {row['state']}:", ""]
            out += [f"- `{e}`" for e in row["examples"]]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reminders", description=__doc__.split("\n")[0])
    parser.add_argument("--half", choices=["held-out", "tuning", "both"], default="both",
                        help="which half of the real talk (default both, the held-out one first)")
    parser.add_argument("--quick", action="store_true", help="40 real clips, a few voices")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=runs.REPO,
                        help="REMINDERS.md goes to OUT/benchmarks/ (default: the repository)")
    args = parser.parse_args(argv)
    log = runs.logger("reminders")
    problem = runs.cannot_report(args.out)
    if problem:
        print(f"python -m benchmarks.reminders: {problem}", file=sys.stderr)
        return 2
    started = time.monotonic()
    _, grammar = load(None)
    halves = ("held-out", "tuning") if args.half == "both" else (args.half,)
    try:
        figures = measure(grammar, halves, args.quick, args.workers, log)
    except heldout.HeldOutError as error:
        print(f"python -m benchmarks.reminders: {error}", file=sys.stderr)
        return 2
    meta = {"command": runs.command_line("python -m benchmarks.reminders", argv), "date": time.strftime("%Y-%m-%d"),
            "commit": runs.commit(), "machine": heldout._machine(), "runtime_s": time.monotonic() - started}
    where = runs.mkdir(args.out / "benchmarks")
    (where / "reminders.json").write_text(json.dumps({"meta": meta, "figures": figures}, indent=1) + "\n")
    (where / "REMINDERS.md").write_text(report(figures, meta))
    log(f"wrote {where / 'REMINDERS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
