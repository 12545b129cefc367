"""Choosing when a general commit is heard unsure: the command model's probability bar, on training voices only.

`python -m benchmarks.opinion_unsure [--voice NAME ...] [--workers N]` writes benchmarks/OPINION_UNSURE.md and
opinion_unsure.json. The general recognizer as the product opens it without a profile (PocketSphinx under the
command model's veto, and the model's own commits) hears each of espeak-ng's training variants (default en-us+m3,
+f2, +m1, +m5, +f4, +m7) in benchmarks/profile_choices.py's six conditions, say the tuning half of the short replies
(benchmarks/replies.py) as the coach listens mid-exercise, and the tuning half of the real talk. Nothing held out is
decoded. Each commit the veto lets stand keeps the probability the model gave its command (SecondOpinion.likes), so
every bar (BARS) is scored from one decode: a commit below the bar is unsure (SecondOpinion.unsure_below), and a
running session asks it back before it changes the session (benchmarks.enrolment.asked).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from benchmarks import enrolment, heldout, replies
from benchmarks.enrolment import Track, asked, decode, general, score, track
from benchmarks.profile_choices import CONDITIONS, condition_tracks
from voicecoach.asr.base import Detection
from voicecoach.asr.commands_model.recognizer import UNSURE_BELOW, SecondOpinion
from voicecoach.cli.main import load
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.enrolment import enrolment_phrases
from voicecoach.testing import speech

BARS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5)
"""The bars scored: the veto itself is far below them all (CommandModel.veto)."""
ALONE_BARS = (0.5,)
"""The bars scored again with the model alone's commits (Combined's, which the veto does not judge) unsure too."""
VOICES = ("m3", "f2", "m1", "m5", "f4", "m7")
Noted = list[tuple[float, str, float | None, bool]]
"""Each commit: (time, phrase, the model's probability of its command or None, whether the veto judged it)."""


def noted(grammar: Grammar, tr: Track, mode: str | None = None) -> Noted:
    """The shipped general recognizer's commits on `tr`, each with the probability the model gave its command."""
    shipped, judged, _ = general(grammar)
    veto = judged.inner
    assert isinstance(veto, SecondOpinion)
    seen: dict[tuple[float, str], float | None] = {}
    likes = veto.likes

    def noting(detection: Detection) -> float | None:
        seen[(detection.t, detection.text)] = p = likes(detection)
        return p

    # Every commit asks the model, and none is unsure (0 is below every probability). setattr: mypy forbids
    # assigning to a method.
    setattr(veto, "likes", noting)  # noqa: B010
    veto.unsure_below = 0.0
    if mode is not None:
        shipped.listen_for(grammar.phrases_heard(mode))
    decode([shipped], tr.audio)
    return [(d.t, d.text, seen.get((d.t, d.text)), any(d is j for j in judged.commits)) for d in shipped.commits]


def at_bar(commits: Noted, bar: float | None, alone: bool = False) -> list[Detection]:
    """The commits as they would be with `bar`: those the veto judged and the model gave less, unsure; with
    `alone`, the model alone's commits unsure too."""
    return [Detection(t, text, sure=(not alone) if not judged else bar is None or p is None or p >= bar)
            for t, text, p, judged in commits]


def _voice(name: str) -> dict[str, Any]:
    _, grammar = load(None)
    family = "espeak-training"
    phrases = enrolment_phrases(grammar)
    noise_bed = heldout.kitchen_noise()
    say = enrolment._speaker(family, name)
    tracks = condition_tracks(family, name, phrases, noise_bed)
    said = replies.replies(held=False)
    out: dict[str, Any] = {key: [tr.expect, tr.windows, noted(grammar, tr)] for key, tr in tracks.items()}
    tr = track([(say(r, enrolment.ENROL_PACE[family]), None) for r in said], said)
    out["replies running"] = [tr.expect, tr.windows, noted(grammar, tr, "running")]
    return out


def _talk() -> dict[str, Any]:
    _, grammar = load(None)
    talk = [speech.read_wav(p) for p in sorted((heldout.negatives_dir() / "clips").glob("*.flac"))
            if not heldout.held_out(p.name)]
    tr = track([(a, None) for a in talk])
    return {"real talk": [tr.expect, tr.windows, noted(grammar, tr)]}


def measure(grammar: Grammar, voices: Sequence[str], workers: int, log: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        talk = pool.submit(_talk)
        found = {name: pool.submit(_voice, name) for name in voices}
        out = {name: job.result() for name, job in found.items()}
        for name in out:
            log(f"{name}: done")
        out["real talk"] = talk.result()
    return out


def _counts(grammar: Grammar, kept: list[Any], bar: float | None, alone: bool = False) -> list[int]:
    """[right, expected, clips with a commit where none was said, asked back right, done at once where none was]."""
    expect, windows, commits = kept
    tr = Track(np.zeros(0, np.int16), [(lo, hi) for lo, hi in windows], expect, [])
    found = at_bar([(t, text, p, judged) for t, text, p, judged in commits], bar, alone)
    return [*score(grammar, tr, found), *asked(grammar, tr, found)]


def report(result: dict[str, Any], meta: dict[str, Any]) -> str:
    _, grammar = load(None)
    voices = [v for v in result if v != "real talk"]
    n_replies = sum(1 for v in voices for e in result[v]["replies running"][0] if e is None)
    rows = []
    for bar, alone in [(None, False), *((b, False) for b in BARS), *((b, True) for b in ALONE_BARS)]:
        total: dict[str, list[int]] = {}
        for v in voices:
            for key, kept in result[v].items():
                total[key] = [a + b for a, b in zip(total.get(key, [0] * 5), _counts(grammar, kept, bar, alone),
                                                    strict=True)]
        talk = _counts(grammar, result["real talk"]["real talk"], bar, alone)
        right = sum(total[c][0] for c in CONDITIONS)
        asked_right = sum(total[c][3] for c in CONDITIONS)
        said = total["replies running"]
        name = "every commit sure (as before)" if bar is None else f"unsure below {bar:g}"
        name += ", the model alone's commits unsure too" if alone else ""
        name += " (shipped)" if bar == UNSURE_BELOW and not alone else ""
        rows.append(f"| {name} | {right} | {asked_right} ({100 * asked_right / max(right, 1):.1f} %) | "
                    f"{total['clean'][3]} of {total['clean'][0]} | "
                    + " | ".join(str(total[c][3]) for c in CONDITIONS[1:])
                    + f" | {said[4]} of {n_replies} | {said[2]} | {talk[4]} of {talk[2]} |")
    return "\n".join([
        "# When a general commit is heard unsure: the command model's bar (training data only)", "",
        f"`{meta['command']}` on {meta['date']} at {meta['commit']} ({meta['machine']}), {meta['runtime_s']:.0f} s.",
        "", (__doc__ or "").split("\n\n", 1)[1].strip(), "",
        f"Voices: espeak-ng {', '.join('en-us+' + v for v in voices)}; {n_replies} replies said mid-exercise; "
        f"{len(result['real talk']['real talk'][0])} clips of real talk (the tuning half). Asked back: commands heard "
        "right (one commit, the right command, in the clip's window) that a running session would ask back first.", "",
        "| bar | commands heard right, six conditions | asked back first | clean | "
        + " | ".join(CONDITIONS[1:]) + " | replies mid-exercise, a command done at once | replies with any commit | "
        "real talk, a command done at once of those with any |",
        "|---|" + "---:|" * (len(CONDITIONS) + 6), *rows, ""])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.opinion_unsure",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--voice", action="append", help=f"espeak-ng training variant (default: {', '.join(VOICES)})")
    return heldout.run(__doc__ or "", "opinion_unsure",
                       lambda g, a, log: measure(g, a.voice or VOICES[: 1 if a.quick else None], a.workers, log),
                       report, argv, parser)


if __name__ == "__main__":
    sys.exit(main())
