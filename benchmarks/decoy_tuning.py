"""How much the decoys weigh in deciding a segment: chosen on training voices, sound-alikes and the tuning half only.

`python -m benchmarks.decoy_tuning [--quick]` writes benchmarks/DECOY_TUNING.md and decoy_tuning.json.

The commands are benchmarks/stock_tuning.py's (espeak-ng's en-us+m2, +m6 and +f5 at 140 and 185 words a minute,
clean and in real kitchen noise at 10 and 5 dB for a rotating third, each in the coach's state it is said in). The
sound-alike words that the decoys were added against ("stopping", "nest", "wade"; benchmarks/corpus.py, without the
exact homophones) are said alone, in the coach's idle state, by the 8 espeak-ng voices PocketSphinx was tuned on.
The real talk is only its tuning half, back to back and said apart. Nothing held out is decoded. Every approach is
the whole shipped recognizer (PocketSphinx under the command model's veto, and the model's own commits), with one
PocketSphinx setting changed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from benchmarks import corpus, heldout, stock_tuning
from benchmarks.approaches import Approach
from benchmarks.corpus import ClipSet, Item
from voicecoach.testing import speech

SOUND_ALIKES = "sound-alikes@tuning-voices"
TALK = stock_tuning.TUNING


def approaches() -> tuple[Approach, ...]:
    def changed(key: str, title: str, **sphinx: float) -> Approach:
        return Approach(key, title, "shipped-pocketsphinx", sphinx=tuple(sphinx.items()))

    return (
        Approach("voicecoach", "as shipped: decoy_weight 1e-3, 100 common words and the sound-alikes",
                 "shipped-pocketsphinx"),
        changed("decoys-1e-5", "decoy_weight 1e-5", decoy_weight=1e-5),
        changed("no-decoys", "no decoys in the decision (decoy_weight 0; barge-in keeps them)", decoy_weight=0.0),
        changed("common-only", "the 100 common words only, no sound-alikes", sound_alikes_per_word=0,
                voicing_twins=False),
    )


def sound_alike_set(quick: bool) -> ClipSet:
    """Each sound-alike word (not the exact homophones) said alone by each tuning voice, in the idle state."""
    words = [w for w in corpus.SOUND_ALIKES if w not in corpus.HOMOPHONES]
    voices = corpus.VOICES[:2] if quick else corpus.VOICES
    cs = ClipSet(SOUND_ALIKES)
    for voice in voices:
        for word in words:
            raw = speech.synthesize(word, voice, 160)
            cs.add(Item(f"{word!r} {voice}", None, "sound-alike", "clean", None,
                        corpus.PAD_BEFORE + corpus.speech_end(raw), mode="idle"),
                   speech.pad(raw, corpus.PAD_BEFORE, corpus.PAD_AFTER))
    return cs


def measure(grammar: Any, args: Any, log: Any) -> dict[str, Any]:
    commands = heldout.command_sets(grammar, args.quick, snrs=stock_tuning.SNRS,
                                    who=stock_tuning.training_speakers(args.quick))
    talk = [cs for cs in heldout.real_negative_sets(args.quick) if cs.name == TALK]
    talk += [*heldout.apart(talk), sound_alike_set(args.quick)]
    return heldout.measure(grammar, args.quick, args.workers, log, approaches=approaches(), talk_only=(),
                           commands=commands, talk=talk)


def report(figures: dict[str, Any], meta: dict[str, Any]) -> str:
    lines = [f"# Decoys: how much they weigh in a decision (training data only)\n\n`{meta['command']}` on "
             f"{meta['commit']}, {meta['date']}, {meta['machine']}, {meta['runtime_s'] / 60:.0f} min.\n",
             (__doc__ or "").split("\n\n", 2)[2].strip() + "\n",
             "| approach | clean | 10 dB | 5 dB | tuning talk apart | back to back | sound-alikes alone "
             "| latency p50 / p95 ms | RTF |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, fig in figures.items():
        alikes = fig[SOUND_ALIKES]
        lines.append(f"| {key}: {fig['title']} | " + " | ".join(stock_tuning.cells(fig)[:5])
                     + f" | {alikes['clips_with_a_command']}/{alikes['clips']} | "
                     + " | ".join(stock_tuning.cells(fig)[5:]) + f" | {fig['rtf']} |")
    lines.append("\nFalse commands, first few per approach:\n")
    for key, fig in figures.items():
        examples = fig[SOUND_ALIKES]["examples"] + fig[f"{TALK}-apart"]["examples"] + fig[TALK]["examples"]
        lines.append(f"- {key}: " + ("; ".join(examples[:10]) or "none"))
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    return heldout.run(__doc__ or "", "decoy_tuning", measure, report, argv)


if __name__ == "__main__":
    sys.exit(main())
