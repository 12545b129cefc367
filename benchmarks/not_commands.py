"""Choosing the words a person enrols that are no command, and their margin, on training voices only.

`python -m benchmarks.not_commands [--voice NAME ...]` writes benchmarks/NOT_COMMANDS.md and not_commands.json. Each
espeak-ng training voice (m3, f2, m1, m5, f4, m7 by default: never Festival's or the variants named after people)
enrols two takes of each command at 160 words a minute as benchmarks/enrolment.py's voices do, and one take of
each word of a set that is no command. Then the matcher alone (voicecoach.asr.enrolled.matcher, with the shipped
noise references) decides each speech segment of: the tuning half of the short replies (benchmarks/replies.py;
the held-out half is never used here), said alone at 160; and each command at 140 and 185, clean and in the real
kitchen recording at 10 and 5 dB. Counted: the replies' segments the matcher gives a command (a vote, before the
recognizer's other rules), and the commands' segments it gives the right command, with the words at each margin.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks import enrolment, heldout, replies
from benchmarks.heldout import Speaker
from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled import noise
from voicecoach.asr.enrolled.dtw import dtw_distances
from voicecoach.asr.enrolled.enrol import enrol_take
from voicecoach.asr.enrolled.wrap import profile_matcher
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.enrolment import NOT_COMMANDS, enrolment_phrases
from voicecoach.testing import speech

VOICES = ("m3", "f2", "m1", "m5", "f4", "m7")
MORE = ("cool", "yeah", "of course", "almost", "sorry", "wow", "my hips", "getting there")
"""Eight more words for a set of sixteen (from the command model's short replies: none is in replies.py)."""
SETS = {"8 words (shipped)": NOT_COMMANDS, "16 words": (*NOT_COMMANDS, *MORE)}
MARGINS = (0.8, 0.9, 1.0, 1.1)
CONDITIONS = ("replies", "clean", "10 dB", "5 dB")


def _voice(embedding: SpeechEmbedding, grammar: Grammar, name: str, bed: np.ndarray) -> list[dict[str, Any]]:
    """Each segment the matcher gives a command: its condition, what was said, the command, and per set the
    nearest word's distance over the command take's."""
    phrases = enrolment_phrases(grammar)
    matcher = profile_matcher(enrolment.enrol(embedding, "espeak-training", name, phrases))
    say = Speaker("espeak-training", name, 160).say
    words = {label: [r for w in ws for r in enrol_take(embedding, w, f"{w}-1", say(w)).references]
             for label, ws in SETS.items()}
    clips: list[tuple[str, str, np.ndarray]] = [("replies", r, say(r)) for r in replies.replies(held=False)]
    for snr, condition in ((None, "clean"), (10.0, "10 dB"), (5.0, "5 dB")):
        for pace in (140.0, 185.0):
            for i, phrase in enumerate(phrases):
                audio = Speaker("espeak-training", name, pace).say(phrase)
                if snr is not None:  # each clip in its own stretch of the noise, as benchmarks/enrolment.py
                    offset = (i * 131 + round(pace) * 17) * speech.RATE % (len(bed) - len(audio))
                    audio = speech.add_noise(audio, np.roll(bed, -offset), snr)
                clips.append((condition, phrase, audio))
    out = []
    for condition, said, audio in clips:
        for frames in noise.segments(embedding, speech.pad(audio, 0.6, 1.6)):
            match = matcher.decide(frames)
            if match is not None:
                out.append({"condition": condition, "said": said, "heard": match.phrase,
                            **{label: round(min(dtw_distances(frames, refs)) / match.distance, 4)
                               for label, refs in words.items()}})
    return out


def measure(grammar: Grammar, voices: Sequence[str], log: Any) -> dict[str, Any]:
    embedding = SpeechEmbedding()
    bed = heldout.kitchen_noise()
    out = {}
    for name in voices:
        out[name] = _voice(embedding, grammar, name, bed)
        log(f"en-us+{name}: {len(out[name])} segments given a command")
    return out


def _counts(result: dict[str, Any], label: str | None, margin: float) -> dict[str, int]:
    """Reply segments still given a command, and command segments given the right one, with the set `label` at
    `margin` (None: without words)."""
    counts = dict.fromkeys(CONDITIONS, 0)
    for rows in result.values():
        for row in rows:
            kept = label is None or row[label] >= margin
            if row["condition"] == "replies":
                counts["replies"] += kept
            elif row["heard"] == row["said"]:
                counts[row["condition"]] += kept
    return counts


def report(result: dict[str, Any], meta: dict[str, Any]) -> str:
    doc = (__doc__ or "").split("\n\n", 1)[1].strip()
    n = len(replies.replies(held=False)) * len(result)
    out = ["# The words that are no command: choices on training voices", "",
           f"`{meta['command']}` on {meta['date']} at {meta['commit']} ({meta['machine']}), {meta['runtime_s']:.0f} s.",
           "", doc, "",
           f"Voices: espeak-ng {', '.join('en-us+' + v for v in result)}; {n} replies said. The 8 words: "
           f"{', '.join(NOT_COMMANDS)}; the 16: those and {', '.join(MORE)}.", "",
           "| words, margin | replies given a command | commands right, clean | 10 dB | 5 dB |",
           "|---|---:|---:|---:|---:|"]
    rows = [("none (as before)", _counts(result, None, 0.0))]
    rows += [(f"{label}, {margin:g}" + (" (shipped)" if label.endswith("(shipped)") and margin == 0.9 else ""),
              _counts(result, label, margin)) for label in SETS for margin in MARGINS]
    for name, c in rows:
        out.append(f"| {name.replace(' (shipped),', ',')} | {c['replies']} | {c['clean']} | {c['10 dB']} | "
                   f"{c['5 dB']} |")
    out += ["", "The margin is the noise references' (voicecoach.asr.enrolled.matcher.NOISE_MARGIN): the words are "
            "matched as they are. Chosen: the 8 words at 0.9, the most replies kept out with no right command lost "
            "by 8 words; 16 words at 0.9 keep 4 more out, for 8 more takes (about 30 s more of the enrolment, on the "
            "floor), and were not taken. The replies kept out are those "
            "near a word (\"nope\", \"I know\" near \"no\"); \"I see\", \"great\", \"easy\" and \"phew\" stand "
            "nearer a command's takes (repeat, skip) than any word's. A segment the matcher gives a command is not "
            "yet a command: the recognizer's length and apart rules and the command model's veto come after "
            "(benchmarks/ENROLMENT.md measures the whole, on held-out voices)."]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.not_commands",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--voice", action="append", help=f"espeak-ng training variant (default: {', '.join(VOICES)})")
    return heldout.run(__doc__ or "", "not_commands",
                       lambda g, a, log: measure(g, a.voice or VOICES[: 1 if a.quick else None], log), report, argv,
                       parser)


if __name__ == "__main__":
    sys.exit(main())
