"""The enrolled recognizer's rules against real talk, on training data only: what each keeps out, what it costs.

`python -m benchmarks.enrolment_talk [--voice V ...] [--clips N] [--out DIR]` writes benchmarks/ENROLMENT-TALK.md and
enrolment_talk.json.

Each training voice (espeak-ng en-us, en-us+m3, en-us+f2, en-us+m1, en-us+f4; flite rms and slt where flite is
installed) enrols as benchmarks/enrolment.py enrols a held-out voice: two takes of each command, the second 4 %
higher and faster. It is then tested, with each variant of the rules, on its commands at two other paces, clean
and in the real kitchen recording at 10 and 5 dB; on its own everyday sentences; and on the tuning half of the
real people's talk (the half benchmarks/enrolment.py never plays). The held-out voices and the held-out half of
the real talk are never used here.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import flite, heldout, runs
from benchmarks.corpus import GENERAL_SENTENCES
from benchmarks.enrolment import (
    RATE,
    Replay,
    Tap,
    Track,
    commands,
    decode,
    general,
    profile_over,
    score,
    track,
    triggers,
)
from benchmarks.enrolment_training import VOICES as ESPEAK_VOICES
from benchmarks.enrolment_training import RememberingEmbedding
from voicecoach.asr.base import Detection
from voicecoach.asr.enrolled.matcher import Matcher
from voicecoach.asr.enrolled.recognizer import APART, EnrolledRecognizer, EnrolledSettings
from voicecoach.asr.enrolled.stock import two_takes as enrol_said
from voicecoach.asr.enrolled.wrap import profile_matcher
from voicecoach.cli.main import load
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.enrolment import enrolment_phrases
from voicecoach.testing import speech

FLITE_VOICES = ("rms", "slt")
SNRS: tuple[float | None, ...] = (None, 10.0, 5.0)
VARIANTS = {
    "no apart rule": EnrolledSettings(apart=None),
    f"apart {APART:g} s (shipped)": EnrolledSettings(),
    "apart 0.8 s": EnrolledSettings(apart=0.8),
    "apart 1.0 s": EnrolledSettings(apart=1.0),
}
"""The rules measured: the profile as shipped, and with the apart rule off or wider."""

Say = Callable[[str, float], np.ndarray]


@dataclass(frozen=True)
class Voice:
    """A training voice: how it says a text at a pace, the pace it enrols at, and the two it is tested at."""

    say: Say
    pace: float
    paces: tuple[float, float]

    def enrolling(self, text: str) -> np.ndarray:
        return self.say(text, self.pace)


def training_voices(chosen: Sequence[str] | None) -> dict[str, Voice]:
    """The training voices by name (all of them unless `chosen`)."""
    out: dict[str, Voice] = {}
    for voice in ESPEAK_VOICES:
        out[f"espeak-ng:{voice}"] = Voice(_espeak(voice), 160.0, (140.0, 185.0))
    if flite.available():
        for voice in FLITE_VOICES:
            out[f"flite:{voice}"] = Voice(_flite(voice), 1.0, (flite.STRETCHES[0], flite.STRETCHES[-1]))
    if chosen:
        unknown = sorted(set(chosen) - set(out))
        if unknown:
            raise ValueError(f"not a training voice here: {', '.join(unknown)} (these are: {', '.join(out)})")
        out = {name: out[name] for name in chosen}
    return out


def _espeak(voice: str) -> Say:
    return lambda text, wpm: speech.synthesize(text, voice, round(wpm))


def _flite(voice: str) -> Say:
    return lambda text, stretch: flite.synthesize(text, voice, stretch)


def tuning_talk(limit: int | None = None) -> Track:
    """The tuning half of the real talk (the half benchmarks/enrolment.py does not play), back to back."""
    paths = [p for p in sorted((heldout.negatives_dir() / "clips").glob("*.flac"))
             if not heldout.held_out(p.name)][:limit]
    if not paths:
        raise heldout.HeldOutError(f"no real talk clips in {heldout.negatives_dir() / 'clips'}")
    return track([(speech.read_wav(p), None) for p in paths], [p.name for p in paths])


def profiles(grammar: Grammar, matcher: Matcher, embedding: RememberingEmbedding, tr: Track,
             replay: list[Detection] | None) -> tuple[list[Detection], list[list[Detection]], list[list[Detection]]]:
    """The general recognizer's commits as shipped, and each variant's over it as a profile makes it (the model's
    veto, not its own commits), with the general commits each variant was fed. `replay`: those, decoded once."""
    if replay is None:
        shipped, judged, _ = general(grammar)
        feeds = [Tap(judged) for _ in VARIANTS]
        found = decode([shipped, *(_enrolled(grammar, f, matcher, embedding, s) for f, s in
                                   zip(feeds, VARIANTS.values(), strict=True))], tr.audio)
        return found[0], found[1:], [f.commits for f in feeds]
    replays = [Replay(replay) for _ in VARIANTS]
    found = decode([_enrolled(grammar, f, matcher, embedding, s) for f, s in
                    zip(replays, VARIANTS.values(), strict=True)], tr.audio)
    return [], found, [replay for _ in VARIANTS]


def _enrolled(grammar: Grammar, feed: Replay, matcher: Matcher, embedding: RememberingEmbedding,
              settings: EnrolledSettings) -> EnrolledRecognizer:
    return profile_over(feed, matcher, embedding, grammar, settings)


def measure(grammar: Grammar, chosen: Sequence[str] | None, limit: int | None, log: Any) -> dict[str, Any]:
    phrases = enrolment_phrases(grammar)
    embedding = RememberingEmbedding()  # every variant hears the same segments: each is embedded once
    noise = heldout.kitchen_noise()
    talk = tuning_talk(limit)
    minutes = len(talk.audio) / RATE / 60
    log(f"real talk, tuning half: {len(talk.windows)} clips, {minutes:.1f} min; general pass")
    shipped, judged, _ = general(grammar)
    decode([shipped], talk.audio)
    talk_general = judged.commits
    out: dict[str, Any] = {"phrases": len(phrases), "real_clips": len(talk.windows), "real_minutes": round(minutes, 1),
                           "general_real": score(grammar, talk, shipped.commits)[2], "variants": list(VARIANTS),
                           "voices": {}}
    for name, voice in training_voices(chosen).items():
        matcher = profile_matcher(enrol_said(embedding, voice.enrolling, phrases))
        figures: dict[str, Any] = {"threshold": round(matcher.threshold, 4)}
        for snr in SNRS:
            tr = commands(voice.say, voice.paces, phrases, noise, snr)
            figures[f"commands@{'clean' if snr is None else f'{snr:g}dB'}"] = _scores(
                grammar, tr, *profiles(grammar, matcher, embedding, tr, None)[:2], fired=False)
        own = track([(voice.enrolling(s), None) for s in GENERAL_SENTENCES], GENERAL_SENTENCES)
        figures["own_sentences"] = _scores(grammar, own, *profiles(grammar, matcher, embedding, own, None)[:2],
                                           fired=True)
        _, found, fed = profiles(grammar, matcher, embedding, talk, talk_general)
        figures["real_talk"] = _scores(grammar, talk, None, found, fired=True)
        figures["real_triggers"] = {name: triggers(talk, f, commits)
                                    for name, f, commits in zip(VARIANTS, found, fed, strict=True)}
        out["voices"][name] = figures
        log(f"{name}: " + json.dumps({k: v for k, v in figures.items() if k != "real_triggers"}))
    return out


def _scores(grammar: Grammar, tr: Track, alone: list[Detection] | None, found: list[list[Detection]],
            fired: bool) -> dict[str, int]:
    """Per variant (and without a profile, given `alone`): clips with a command where none was said (`fired`), or
    clips right."""
    at = 2 if fired else 0
    out = {"of": len(tr.windows)} | ({} if alone is None else {"without": score(grammar, tr, alone)[at]})
    return out | {name: score(grammar, tr, f)[at] for name, f in zip(VARIANTS, found, strict=True)}


def report(result: dict[str, Any], meta: dict[str, Any]) -> str:
    variants = result["variants"]
    minutes = result["real_minutes"]
    out = ["# The enrolled recognizer's rules against real talk (training data only)", "",
           f"`{meta['command']}` on {meta['date']} at {meta['commit']} ({meta['machine']}), {meta['runtime_s']:.0f} s.",
           "", (__doc__ or "").split("\n", 2)[2].strip(), "",
           f"{result['phrases']} commands, 2 takes each; tests: each command at 2 other paces per condition; own "
           f"sentences: {len(GENERAL_SENTENCES)} at the enrolment pace; real talk: {result['real_clips']} clips of the "
           f"tuning half ({minutes} min). The general recognizer as shipped, alone, put a command in "
           f"{result['general_real']} of those clips ({60 * result['general_real'] / minutes:.1f} per hour).", "",
           "Real talk: clips where the profile (over PocketSphinx under the command model's veto, as the product "
           "hears with a profile) committed a command, and that per hour of talk. Commands: right of those said "
           "(exactly the command, once, in its clip's window); without: the general recognizer as shipped, alone.",
           "", "| voice | rule | real talk with a command | per hour | own sentences with a command | clean | "
           "10 dB | 5 dB |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    conditions = ("commands@clean", "commands@10dB", "commands@5dB")
    for voice, fig in result["voices"].items():
        n = fig["commands@clean"]["of"]
        general_real = result["general_real"]
        out.append(f"| {voice} | without a profile | {general_real} | {60 * general_real / minutes:.1f} | "
                   f"{fig['own_sentences']['without']} | "
                   + " | ".join(f"{fig[c]['without']}/{n}" for c in conditions) + " |")
        for name in variants:
            fired = fig["real_talk"][name]
            out.append(f"| {voice} | {name} | {fired} | {60 * fired / minutes:.1f} | {fig['own_sentences'][name]} | "
                       + " | ".join(f"{fig[c][name]}/{n}" for c in conditions) + " |")
    out += ["", "## What triggered in the real talk", ""]
    for name in variants:
        out += [f"### {name}", ""]
        seen: dict[tuple[str, str, str], list[str]] = {}
        for voice, fig in result["voices"].items():
            for clip, who, phrase in fig["real_triggers"][name]:
                seen.setdefault((clip, who, phrase), []).append(voice)
        lines = [f"- {clip}: \"{phrase}\" by the {who} ({', '.join(v)})" for (clip, who, phrase), v in seen.items()]
        out += [*(lines or ["- None."]), ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.enrolment_talk", description=__doc__.split("\n")[0])
    parser.add_argument("--voice", action="append", help="a training voice, e.g. espeak-ng:en-us or flite:rms "
                        "(default: all)")
    parser.add_argument("--clips", type=int, metavar="N", help="only the first N clips of the real talk")
    parser.add_argument("--report-only", action="store_true",
                        help="write ENROLMENT-TALK.md again from OUT/benchmarks/enrolment_talk.json")
    parser.add_argument("--out", type=Path, default=runs.REPO,
                        help="ENROLMENT-TALK.md goes to OUT/benchmarks/ (default: the repository)")
    args = parser.parse_args(argv)
    where = args.out / "benchmarks"
    if args.report_only:
        saved = json.loads((where / "enrolment_talk.json").read_text())
        (where / "ENROLMENT-TALK.md").write_text(report(saved["result"], saved["meta"]))
        return 0
    started = time.monotonic()
    _, grammar = load(None)
    try:
        result = measure(grammar, args.voice, args.clips, runs.logger("enrolment_talk"))
    except (heldout.HeldOutError, ValueError) as error:
        print(f"python -m benchmarks.enrolment_talk: {error}", file=sys.stderr)
        return 2
    meta = {"command": runs.command_line("python -m benchmarks.enrolment_talk", argv),
            "date": time.strftime("%Y-%m-%d"), "commit": heldout._commit(), "machine": heldout._machine(),
            "runtime_s": time.monotonic() - started}
    runs.mkdir(where)
    (where / "enrolment_talk.json").write_text(json.dumps({"meta": meta, "result": result}, indent=1) + "\n")
    (where / "ENROLMENT-TALK.md").write_text(report(result, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
