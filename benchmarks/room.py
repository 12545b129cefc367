"""Commands said from the floor of a simulated room, by held-out voices, heard with and without their enrolled takes.

`python -m benchmarks.room [--quick] [--people N]` writes benchmarks/ROOM.md and room.json (pyroomacoustics needed:
`pip install -e ".[bench]"`; benchmark only, never the coach).

Each held-out voice of benchmarks/enrolment.py (Festival's, and the first N of espeak-ng's variants named after
people) enrols two takes of each command in quiet, close to the microphone, as that benchmark does. It is then
tested on the commands at its two other paces, said from the floor of a furnished room: a shoebox room simulated
by the image method (pyroomacoustics), the mouth 0.2 m above the floor and 1 to 3 m from a microphone on a shelf
1.0 to 1.5 m high, with reverberation time 0.3 to 0.6 s by Sabine's formula (ROOMS: seeded, each clip in the next
room). The reverberant speech is brought back to the dry speech's active level (the microphone's gain; levels are
benchmarks/report.py's), over a quiet room's noise; then again with the real kitchen recording 10 dB under the
voice's median level. Both noises run through the whole track, as a room's do (benchmarks/enrolment.py mixes its
noise into each command's own stretch: here that would end the noise while the room still rings).

Without: the general recognizer as shipped; with: the product with that voice's profile. Scored as
benchmarks/enrolment.py scores (one commit, the right command, in the clip's window; every phrase listened for).
Nothing here was chosen on these figures: the rooms were drawn before any run.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from benchmarks import corpus, enrolment, heldout
from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled.wrap import profile_matcher
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.enrolment import enrolment_phrases
from voicecoach.testing import speech
from voicecoach.testing.rooms import Room, draw

RATE = speech.RATE
ROOMS = 8
SEED = 25
KITCHEN_SNR = 10.0


@cache
def rooms() -> tuple[Room, ...]:
    rng = np.random.default_rng(SEED)
    return tuple(draw(rng) for _ in range(ROOMS))


def commands(family: str, name: str, phrases: Sequence[str], noise: speech.Audio | None,
             reverberant: bool = True) -> enrolment.Track:
    """Every phrase at the voice's two test paces, each clip in the next room, back to back over a quiet room's
    noise; with `noise` too at KITCHEN_SNR if given. Both run through the whole track, as a room's noise does
    (the reverberation after the words must not end where a noise does)."""
    say = enrolment._speaker(family, name)
    clips, levels, ends = [], [], []
    for k, (pace, phrase) in enumerate((p, ph) for p in enrolment.TEST_PACES[family] for ph in phrases):
        dry = say(phrase, pace)
        levels.append(speech.active_rms(dry))
        ends.append(corpus.speech_end(dry))  # the direct sound's: the echo after it is the room's, not the words'
        clips.append((speech.through_room(dry, rooms()[k % ROOMS].response, tail=True) if reverberant else dry, phrase))
    tr = enrolment.track(clips, ends=ends)
    quiet = speech.white_noise(len(tr.audio), corpus.ROOM_NOISE_RMS, seed=SEED)
    audio = speech.to_int16((tr.audio.astype(np.float64) + quiet) / 32767.0)
    if noise is not None:
        audio = speech.add_noise(audio, noise, KITCHEN_SNR, speech_rms=float(np.median(levels)))
    return dataclasses.replace(tr, audio=audio)


SIDES = ("without", "with", "with_unvetoed", "with_yielding", "with_wordless")
SIDE_NAMES = {"without": "without", "with": "with", "with_unvetoed": "unvetoed", "with_yielding": "yielding",
              "with_wordless": "without its words"}

DELAYS = ("delays_without", "delays_with")
"""The end of speech to each right commit, without a profile and with it (enrolment.delays)."""

TRAINING = (("espeak-training", "m3"), ("espeak-training", "f2"), ("espeak-training", "m1"))
"""espeak-ng training voices (en-us+m3, +f2, +m1): what a choice may be made on (--training)."""


def measure(grammar: Grammar, quick: bool, people: int | None, log: Any, training: bool = False) -> dict[str, Any]:
    embedding = SpeechEmbedding()
    phrases = enrolment_phrases(grammar)
    noise = heldout.kitchen_noise()
    out: dict[str, Any] = {"rooms": [{"size_m": [round(x, 2) for x in r.size], "distance_m": round(r.distance, 2),
                                      "rt60_s": round(r.rt60, 2), "rt60_measured_s": round(r.measured, 2)}
                                     for r in rooms()], "voices": {}}
    for family, name in TRAINING if training else enrolment.voices(quick, people):
        takes = enrolment.enrol(embedding, family, name, phrases)
        matcher = profile_matcher([*takes, *enrolment.enrol_words(embedding, family, name)])
        wordless = profile_matcher(takes)
        figures = {}
        for condition, with_noise, reverberant in (("room", None, True),
                                                   (f"room+kitchen@{KITCHEN_SNR:g}dB", noise, True),
                                                   (f"no room, kitchen@{KITCHEN_SNR:g}dB", noise, False)):
            tr = commands(family, name, phrases, with_noise, reverberant)
            each = enrolment._each(grammar, matcher, wordless, embedding, tr, None)
            figures[condition] = {side: each[side] for side in (*SIDES, *DELAYS)}
        out["voices"][f"{family}:{name}"] = figures
        log(f"{family}:{name}: {figures}")
    return out


def _pc(ok: int, n: int) -> str:
    return f"{100 * ok / n:.1f} % ({ok}/{n})" if n else "-"


def report(result: dict[str, Any], meta: dict[str, Any]) -> str:
    conditions = list(next(iter(result["voices"].values())))
    lines = [f"# Commands from the floor of a simulated room\n\n`{meta['command']}` on {meta['date']} at "
             f"{meta['commit']} ({meta['machine']}), {meta['runtime_s']:.0f} s.\n",
             (__doc__ or "").split("\n\n", 1)[1].strip() + "\n",
             "Held-out voices only; no real recordings of our commands exist here (all synthesized).\n",
             "Each cell: without a profile / with it / with it, its votes not put to the command model's veto (as "
             "before this benchmark) / with it, its votes yielding to every general commit about their segment (as "
             "before EnrolledSettings.overrule) / with it, without the words that are no command (as before they were "
             "enrolled).\n"]
    sides = [side for side in SIDES if all(side in f[c] for f in result["voices"].values() for c in conditions)]
    named = " / ".join(SIDE_NAMES[side] for side in sides)
    lines += ["| voice | " + " | ".join(f"{c}: {named}" for c in conditions) + " |", "|---|" + "---|" * len(conditions)]
    totals = {c: {side: [0, 0] for side in sides} for c in conditions}
    for voice, figures in result["voices"].items():
        cells = []
        for c in conditions:
            for side in sides:
                totals[c][side][0] += figures[c][side][0]
                totals[c][side][1] += figures[c][side][1]
            cells.append(" / ".join(_pc(*figures[c][side][:2]) for side in sides))
        lines.append(f"| {voice} | " + " | ".join(cells) + " |")
    lines.append("| **all** | " + " | ".join(" / ".join(_pc(*totals[c][side]) for side in sides)
                                            for c in conditions) + " |")
    if all(d in f[c] for f in result["voices"].values() for c in conditions for d in DELAYS):
        lines += ["", "End of a command's speech to its commit, over the commands heard right (timed from the end of "
                  "the words as said, before the room's echo): p50 / p95 (how many).", "",
                  "| condition | without a profile | with it |", "|---|---:|---:|"]
        for c in conditions:
            cells = [heldout.delays_cell([x for f in result["voices"].values() for x in f[c][d]]) for d in DELAYS]
            lines.append(f"| {c} | " + " | ".join(cells) + " |")
    lines += ["", "The rooms (each clip in the next):", "", "| room | size, m | mouth to microphone, m | RT60 asked "
              "(Sabine) / measured, s |", "|---|---|---:|---|"]
    for i, r in enumerate(result["rooms"]):
        lines.append(f"| {i} | {' x '.join(f'{x:g}' for x in r['size_m'])} | {r['distance_m']} | {r['rt60_s']} / "
                     f"{r['rt60_measured_s']} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.room", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--people", type=int, default=5, help="espeak-ng's people variants to enrol (default 5)")
    parser.add_argument("--training", action="store_true",
                        help="training voices instead of held-out ones; writes ROOM_TRAINING.md")
    try:
        import pyroomacoustics  # noqa: F401
    except ImportError:
        print('python -m benchmarks.room: pyroomacoustics is not installed: pip install -e ".[bench]"',
              file=sys.stderr)
        return 2
    stem = "room_training" if "--training" in (sys.argv[1:] if argv is None else argv) else "room"
    return heldout.run(__doc__ or "", stem, lambda g, a, log: measure(g, a.quick, a.people, log, a.training), report,
                       argv, parser)


if __name__ == "__main__":
    sys.exit(main())
