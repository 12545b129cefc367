"""PocketSphinx's decoys, endpointer or tentative commits set otherwise: chosen on training data only.

`python -m benchmarks.sphinx_tuning --group decoys|endpoint|tentative|runs|held-back|alone-frames [--quick]` (or
`--group opinion|alone --model PATH`, a command model retrained with short replies) writes
benchmarks/GROUP_TUNING.md and group_tuning.json. With `--held-out KEY`, once KEY was chosen here, KEY and the
shipped recognizer are measured on benchmarks/heldout.py's held-out voices and held-out real talk instead
(GROUP_HELD_OUT.md, group_held_out.json).

The commands are benchmarks/stock_tuning.py's (espeak-ng's en-us+m2, +m6 and +f5 at 140 and 185 words a minute,
clean and in real kitchen noise at 10 and 5 dB for a rotating third, each in the coach's state it is said in). The
sound-alike words that the decoys were added against ("stopping", "nest", "wade"; benchmarks/corpus.py, without the
exact homophones) are said alone, in the coach's idle state, by the 8 espeak-ng voices PocketSphinx was tuned on,
and so is the tuning half of the short replies (benchmarks/replies.py: "all done", "nope", "I'm tired"), alternately
idle and mid-session. The real talk is only its tuning half, back to back and said apart. Nothing held out is
decoded. Every approach is the whole shipped recognizer (PocketSphinx under the command model's veto, and the
model's own commits), with PocketSphinx set otherwise in one way.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import corpus, heldout, replies, stock_tuning
from benchmarks.approaches import Approach
from benchmarks.corpus import ClipSet
from voicecoach.asr.commands_model.combined import ALONE_FRAMES
from voicecoach.asr.pocketsphinx.endpoint import EndpointSettings

SOUND_ALIKES = "sound-alikes@tuning-voices"
HELD_ALIKES = "sound-alikes@held-out"
REPLIES = "replies@tuning-voices"
HELD_REPLIES = "replies@held-out"
TALK = stock_tuning.TUNING
SHIPPED = Approach("voicecoach", "as shipped", "shipped-pocketsphinx")
TITLES = {"decoys": "Decoys: how much they weigh in a decision", "endpoint": "The endpointer: where segments open",
          "tentative": "Tentative commits: decided again without decoys, confirmed by the command model",
          "runs": "Runs of decoys: several words that are no command",
          "opinion": "The second opinion: a stricter veto, a command model trained on short replies",
          "alone": "The second opinion: a milder stricter veto, the retrained model committing every command alone",
          "held-back": "The second opinion: the commands benchmarks/alone_by_class.py holds back from the model alone",
          "alone-frames": "The model's own commits: sure of the command in more windows in a row"}
ALONE_TRIED = (3, 4, 5)
"""The alone-frames group's windows in a row: a probe of the model alone on the training data (each clip's longest
run of windows sure of a class) put most false runs at 1 to 4 windows and most right ones longer."""
VETO = 0.1
"""The stricter veto the opinion group measures: of the probe's 24 commits on the tuning half of the replies (8
tuning voices, before any run), the model gave 8 less than 0.1 and 2 more between 0.1 and 0.3."""


def held_back() -> tuple[str, ...]:
    """The commands benchmarks/alone_by_class.py chose to hold back from the model alone, as its last run wrote them
    (benchmarks/alone_by_class.json); none if it has not run."""
    path = Path(__file__).with_name("alone_by_class.json")
    return tuple(json.loads(path.read_text())["figures"]["held_back"]) if path.exists() else ()


def changed(key: str, title: str, confirm: float | None = None, **sphinx: Any) -> Approach:
    """The shipped recognizer with these SphinxSettings (and the second opinion's `confirm`)."""
    return Approach(key, title, "shipped-pocketsphinx", sphinx=tuple(sphinx.items()), confirm=confirm)


def approaches(group: str, model: str | None = None) -> tuple[Approach, ...]:
    """The shipped recognizer, and each way of setting the group's part otherwise (`model`: the opinion group's
    retrained command model)."""
    retrained = "the command model retrained with short replies as negatives (train.py --replies)"
    if group == "opinion":
        return (SHIPPED, Approach("veto-0.1", f"the shipped model, vetoing below {VETO:g}", "shipped-pocketsphinx",
                                  veto=VETO),
                Approach("retrained", f"{retrained}, its own veto", "shipped-pocketsphinx", command_model=model),
                Approach("retrained+veto-0.1", f"{retrained}, vetoing below {VETO:g}", "shipped-pocketsphinx",
                         command_model=model, veto=VETO))
    if group == "alone":
        return (SHIPPED, Approach("veto-0.02", "the shipped model, vetoing below 0.02", "shipped-pocketsphinx",
                                  veto=0.02),
                Approach("retrained-every-alone", f"{retrained}, its own veto, every command committed alone (no "
                         "never_alone)",
                         "shipped-pocketsphinx", command_model=model, never_alone=False))
    if group == "held-back":
        held = held_back()
        return (SHIPPED, Approach("held-back", f"the model alone never committing {', '.join(held) or 'more'} "
                                  "(benchmarks/ALONE_BY_CLASS.md)", "shipped-pocketsphinx", hold_back=held))
    if group == "alone-frames":
        return (SHIPPED, *(Approach(f"alone-frames-{n}", f"the model alone sure in {n} windows in a row (shipped: "
                                    f"{ALONE_FRAMES})", "shipped-pocketsphinx", alone_frames=n) for n in ALONE_TRIED))
    if group == "runs":
        tentative, runs = "tentative commits confirmed at 0.99", "the 100 most common words may run in a decision"
        return (changed("voicecoach", "as shipped before: no tentative commits, no runs", tentative=False),
                changed("tentative", tentative, confirm=0.99, tentative=True),
                changed("runs-100", f"{runs} (1e-9 each), no tentative commits", tentative=False, run_words=100,
                        run_weight=1e-9),
                changed("tentative+runs-100", f"{tentative}, and {runs} (1e-9 each)", confirm=0.99, tentative=True,
                        run_words=100, run_weight=1e-9))
    if group == "tentative":
        return (changed("voicecoach", "no tentative commits (as shipped before)", tentative=False),
                *(changed(f"confirm-{p:g}", f"a segment without a command decided again without decoys, committed "
                          f"if the model gives it {p:g}", confirm=p, tentative=True) for p in (0.5, 0.9, 0.99)))
    if group == "decoys":  # each row names its weight, the shipped one included
        return (changed("voicecoach", "as shipped: decoy_weight 1e-3, 100 common words and the sound-alikes",
                        decoy_weight=1e-3),
                changed("decoys-1e-5", "decoy_weight 1e-5", decoy_weight=1e-5),
                changed("no-decoys", "no decoys in the decision (decoy_weight 0; barge-in keeps them)",
                        decoy_weight=0.0),
                changed("common-only", "the 100 common words only, no sound-alikes", decoy_weight=1e-3,
                        sound_alikes_per_word=0, voicing_twins=False))
    return (SHIPPED, changed("vad-2", "voice detector mode 2 (shipped: 3)", endpoint=EndpointSettings(vad_mode=2)),
            changed("margin-4", "4 dB over the noise floor (shipped: 6)", endpoint=EndpointSettings(margin_db=4.0)),
            changed("start-0.6", "a segment opens on 60 % speech of 0.15 s (shipped: 75 %)",
                    endpoint=EndpointSettings(start_ratio=0.6)))


def sound_alike_set(quick: bool, held: bool = False) -> ClipSet:
    """Each sound-alike word (not the exact homophones) said alone by each tuning voice (`held`: by each held-out
    speaker instead)."""
    words = [w for w in corpus.SOUND_ALIKES if w not in corpus.HOMOPHONES]
    return replies.said_alone(HELD_ALIKES if held else SOUND_ALIKES, words, quick, held, modes=("idle",))


def reply_set(quick: bool, held: bool = False) -> ClipSet:
    """The tuning half of the short replies (benchmarks/replies.py) said alone by each tuning voice (`held`: the
    held-out half, by each held-out speaker)."""
    return replies.said_alone(HELD_REPLIES if held else REPLIES, replies.replies(held), quick, held)


def held_out_talk(quick: bool) -> list[ClipSet]:
    """Both halves of the real talk, back to back and apart, and the held-out sound-alikes and replies said alone."""
    talk = heldout.real_negative_sets(quick)
    return [*talk, *heldout.apart(talk), sound_alike_set(quick, held=True), reply_set(quick, held=True)]


def training_sets(grammar: Any, quick: bool) -> tuple[list[ClipSet], list[ClipSet]]:
    """The training voices' commands, and what is no command: the tuning half of the real talk (back to back and
    apart), the sound-alikes and the tuning half of the replies said alone by the tuning voices."""
    commands = heldout.command_sets(grammar, quick, snrs=stock_tuning.SNRS, who=stock_tuning.training_speakers(quick))
    talk = [cs for cs in heldout.real_negative_sets(quick) if cs.name == TALK]
    return commands, [*talk, *heldout.apart(talk), sound_alike_set(quick), reply_set(quick)]


def measure(grammar: Any, args: Any, log: Any) -> dict[str, Any]:
    if args.held_out:
        chosen = [a for a in approaches(args.group, args.model) if a.key in ("voicecoach", args.held_out)]
        return heldout.measure(grammar, args.quick, args.workers, log, approaches=chosen, talk_only=(),
                               talk=held_out_talk(args.quick))
    commands, talk = training_sets(grammar, args.quick)
    return heldout.measure(grammar, args.quick, args.workers, log, approaches=approaches(args.group, args.model),
                           talk_only=(),
                           commands=commands, talk=talk)


def alone_cell(fig: dict[str, Any], name: str) -> str:
    """Clips of a set said alone that committed a command, of all; "-" for a run that did not have the set."""
    found = fig.get(name)
    return "-" if found is None else f"{found['clips_with_a_command']}/{found['clips']}"


def report(figures: dict[str, Any], meta: dict[str, Any]) -> str:
    group = next(g for g in TITLES if list(figures) == [a.key for a in approaches(g)])
    lines = [f"# {TITLES[group]} (training data only)\n\n`{meta['command']}` on "
             f"{meta['commit']}, {meta['date']}, {meta['machine']}, {meta['runtime_s'] / 60:.0f} min."
             + (f" {meta['note']}" if "note" in meta else "") + "\n",
             (__doc__ or "").split("\n\n", 2)[2].strip() + "\n",
             "| approach | clean | 10 dB | 5 dB | tuning talk apart | back to back | sound-alikes alone "
             "| replies alone | latency p50 / p95 ms | RTF |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, fig in figures.items():
        cells = stock_tuning.cells(fig)
        lines.append(f"| {key}: {fig['title']} | " + " | ".join(cells[:5])
                     + f" | {alone_cell(fig, SOUND_ALIKES)} | {alone_cell(fig, REPLIES)} | {cells[5]} | {fig['rtf']} |")
    lines.append("\nFalse commands, first few per approach:\n")
    lines += stock_tuning.examples(figures, (REPLIES, SOUND_ALIKES, f"{TALK}-apart", TALK), 10)
    return "\n".join(lines) + "\n"


def held_out_report(figures: dict[str, Any], meta: dict[str, Any]) -> str:
    """The shipped recognizer and the one chosen on training data, on held-out voices and the held-out real talk."""
    talk = "real-talk@held-out"
    lines = [f"# PocketSphinx set otherwise, chosen on training data, on what it never saw\n\n`{meta['command']}` on "
             f"{meta['commit']}, {meta['date']}, {meta['machine']}, {meta['runtime_s'] / 60:.0f} min.\n",
             "Held out: benchmarks/heldout.py's voices (Festival's; espeak-ng's variants named after people), the "
             "real kitchen noise, and the held-out half of the real talk (each clip apart, and back to back). The "
             "tuning half is shown apart, labelled. The sound-alike words are said alone by the held-out voices. "
             "Commands, sound-alikes and replies are synthesized speech: no real recordings of them exist here.\n",
             "| approach | clean, festival | clean, espeak-people | clean | 10 dB | 5 dB | held-out talk apart "
             "| back to back | tuning half apart (tuned on) | sound-alikes alone | replies alone "
             "| latency p50 / p95 ms | RTF |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, fig in figures.items():
        clean = fig["commands@clean"]["by_family"]
        cells = [heldout.pc(*clean[f]) if f in clean else "-" for f in ("festival", "espeak-people")]
        cells += [stock_tuning.recall(fig, snr) for snr in ("clean", "10dB", "5dB")]
        cells += [stock_tuning.talk_cell(fig[name]) for name in (f"{talk}-apart", talk, f"{TALK}-apart")]
        cells += [alone_cell(fig, HELD_ALIKES), alone_cell(fig, HELD_REPLIES), stock_tuning.latency_cell(fig)]
        lines.append(f"| {key}: {fig['title']} | " + " | ".join(cells) + f" | {fig['rtf']} |")
    lines.append("\nFalse commands on the held-out talk, then the sound-alikes:\n")
    lines += stock_tuning.examples(figures, (f"{talk}-apart", talk, HELD_REPLIES, HELD_ALIKES), 10)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sphinx_tuning", description=doc.split("\n")[0])
    parser.add_argument("--group", choices=sorted(TITLES), required=True, help="what is set otherwise")
    parser.add_argument("--held-out", metavar="KEY", help="measure KEY, chosen on training data, on held-out data")
    parser.add_argument("--model", metavar="PATH", help="the opinion group's retrained command model (.npz)")
    known = parser.parse_known_args(argv)[0]
    if known.group in ("opinion", "alone") and (known.model is None or not Path(known.model).is_file()):
        parser.error(f"--group {known.group}: --model PATH must name a command model retrained with short replies "
                     "(python -m voicecoach.asr.commands_model.train --out PATH)")
    if known.held_out is None:
        return heldout.run(doc, f"{known.group.replace('-', '_')}_tuning", measure, report, argv, parser=parser)
    keys = [a.key for a in approaches(known.group)[1:]]
    if known.held_out not in keys:
        parser.error(f"--held-out: {known.held_out!r} is none of {known.group}'s: {', '.join(keys)}")
    return heldout.run(doc, f"{known.group.replace('-', '_')}_held_out", measure, held_out_report, argv, parser=parser)


if __name__ == "__main__":
    sys.exit(main())
