"""How soon the stock takes' votes commit, and beside what: chosen on training voices and the tuning half only.

`python -m benchmarks.stock_tuning [--quick]` writes benchmarks/STOCK_TUNING.md and stock_tuning.json.

The protocol is benchmarks/heldout.py's (each command padded with 0.5 s before and 0.8 s after it, in real
kitchen noise at 10 and 5 dB for a rotating third, in the coach's state it is said in), but on voices that are
neither held out nor stock takes: espeak-ng's en-us+m2, +m6 and +f5 at 140 and 185 words a minute (the command
model trained on espeak-ng's numbered variants, so its own commits are flattered here), and only the tuning half
of the real talk, back to back and said apart. Nothing held out is decoded.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from benchmarks import heldout
from benchmarks.approaches import Approach

VOICES = ("m2", "m6", "f5")
PACES = (140, 185)
SNRS = (None, 10.0, 5.0)
TUNING = "real-talk@tuning-half"


def training_speakers(quick: bool) -> list[heldout.Speaker]:
    """The voices of the commands: neither held out nor stock takes."""
    return [heldout.Speaker("espeak-training", v, p) for v in VOICES[: 1 if quick else None] for p in PACES]


def approaches() -> tuple[Approach, ...]:
    def stocked(key: str, title: str, grace: float, alone: bool, talk: float | None = None) -> Approach:
        return Approach(key, title, "shipped-pocketsphinx", stock=True, stock_grace=grace, stock_alone=alone,
                        stock_talk=talk)

    return (
        Approach("voicecoach", "as shipped: PocketSphinx under the model's veto, and the model's own commits",
                 "shipped-pocketsphinx"),
        stocked("stock-0.5", "stock takes instead of the model's own commits, votes 0.5 s after", 0.5, False),
        stocked("stock-0.5+alone", "stock takes beside the model's own commits, votes 0.5 s after", 0.5, True),
    )


def measure(grammar: Any, args: Any, log: Any) -> dict[str, Any]:
    from voicecoach.asr.enrolled import stock

    try:
        stock.load()
    except stock.StockError as error:
        raise heldout.HeldOutError(str(error)) from None
    commands = heldout.command_sets(grammar, args.quick, snrs=SNRS, who=training_speakers(args.quick))
    talk = [cs for cs in heldout.real_negative_sets(args.quick) if cs.name == TUNING]
    return heldout.measure(grammar, args.quick, args.workers, log, approaches=approaches(), talk_only=(),
                           commands=commands, talk_apart=True, talk=talk)


def recall(fig: dict[str, Any], snr: str) -> str:
    """An approach's recall at one condition ("clean", "10dB", "5dB"), every voice family together."""
    by = fig[f"commands@{snr}"]["by_family"].values()
    return heldout.pc(sum(v[0] for v in by), sum(v[1] for v in by))


def talk_cell(talk: dict[str, Any]) -> str:
    """A set of real talk's clips with a command, and its commands an hour."""
    return f"{talk['clips_with_a_command']}/{talk['clips']}, {talk['commands_per_hour']}/h"


def latency_cell(fig: dict[str, Any]) -> str:
    lat = fig["commands@clean"]["latency_ms"] or {}
    return f"{lat.get('p50', '-')} / {lat.get('p95', '-')}"


def cells(fig: dict[str, Any]) -> list[str]:
    """An approach's cells: recall clean, at 10 and 5 dB; the tuning talk apart and back to back; latency."""
    return [*(recall(fig, snr) for snr in ("clean", "10dB", "5dB")),
            *(talk_cell(fig[name]) for name in (f"{TUNING}-apart", TUNING)), latency_cell(fig)]


def examples(figures: dict[str, Any], sets: Sequence[str], most: int) -> list[str]:
    """A line for each approach: its first `most` false commands in `sets` (those its run had), in that order."""
    return [f"- {key}: " + ("; ".join([e for name in sets if name in fig for e in fig[name]["examples"]][:most])
                            or "none")
            for key, fig in figures.items()]


def report(figures: dict[str, Any], meta: dict[str, Any]) -> str:
    lines = [f"# Stock takes: when votes commit (training data only)\n\n`{meta['command']}` on {meta['commit']}, "
             f"{meta['date']}, {meta['machine']}, {meta['runtime_s'] / 60:.0f} min.\n",
             (__doc__ or "").split("\n\n", 2)[2].strip() + "\n",
             "| approach | clean | 10 dB | 5 dB | tuning talk apart | back to back | latency p50 / p95 ms | RTF |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for key, fig in figures.items():
        lines.append(f"| {key}: {fig['title']} | " + " | ".join(cells(fig)) + f" | {fig['rtf']} |")
    lines.append("\nFalse commands, first few per approach:\n")
    lines += examples(figures, (f"{TUNING}-apart", TUNING), 6)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    return heldout.run(__doc__ or "", "stock_tuning", measure, report, argv)


if __name__ == "__main__":
    sys.exit(main())
