"""`python -m benchmarks.tuning [--quick]`: each tuning setting of the PocketSphinx recognizer as shipped and off."""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import functools
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import corpus, runs
from benchmarks.streaming import Clip, Job, Outcome, command_clips, shipped_grammar, stream_many
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer, SphinxSettings
from voicecoach.testing import speech

log = runs.logger("tuning")

# The coach's voice where these clips need one: espeak-ng's, as the recognizer was tuned with.
COACH_VOICE, COACH_WPM = "en-us", 150
LEVEL_PHRASES = ("stop", "it hurts", "next", "start bridge", "help", "wait", "resume", "repeat")
LEVEL_VOICES = ("en-us", "en-us+m3", "en-gb", "en+f3")


def white_noise_commands(every: int) -> list[Clip]:
    """Every phrase by every voice at every speed in white noise at 10 dB SNR; one clip in `every`."""
    return command_clips(10.0)[::every]


def babble_commands(every: int) -> list[Clip]:
    """Every phrase by two voices over four other synthesized talkers (the benchmark's babble) at 15 dB SNR."""
    bed = corpus.babble_bed()
    clips = []
    for i, (voice, phrase) in enumerate((v, p) for v in ("en-us", "en-gb") for p in shipped_grammar().phrases()):
        raw = speech.synthesize(phrase, voice, 160)
        noisy = speech.add_noise(speech.pad(raw), np.roll(bed, -i * 7919), 15.0, speech_rms=speech.active_rms(raw))
        clips.append(Clip(noisy, phrase, f"{phrase!r} {voice} in babble at 15 dB"))
    return clips[::every]


def faint_echo_commands(every: int) -> list[Clip]:
    """A barge-in phrase with the coach's voice 28 dB under it just before and after, as the echo canceller leaves
    it; decoded while the coach speaks."""
    coach = speech.synthesize("Slowly bring the buttocks back to the floor and relax.", COACH_VOICE, COACH_WPM)
    clips = []
    for phrase, voice in (("stop", "en-us"), ("wait", "en+f3"), ("it hurts", "en-gb")):
        said = speech.synthesize(phrase, voice, 160)
        echo = speech.scale_to_rms(coach, speech.active_rms(said) * 10 ** (-28 / 20))
        middle = len(echo) // 2
        audio = speech.pad(speech.concatenate([echo[:middle], said, echo[middle:]]), 0.6, 1.0)
        clips.append(Clip(audio, phrase, f"{phrase!r} {voice} in the coach's faint echo"))
    return clips[::every]


def soft_commands(every: int) -> list[Clip]:
    """Eight phrases by four voices at -40 dBFS (across the room) over a quiet room's noise."""
    clips = []
    for phrase in LEVEL_PHRASES:
        for voice in LEVEL_VOICES:
            said = speech.scale_to_rms(speech.synthesize(phrase, voice, 160), 32767.0 * 10 ** (-40 / 20))
            padded = speech.pad(said, 0.5, 1.0).astype(np.float64)
            room = np.random.default_rng(0).normal(0.0, corpus.ROOM_NOISE_RMS, len(padded))
            clips.append(Clip(speech.to_int16((padded + room) / 32767.0), phrase, f"{phrase!r} {voice} at -40 dBFS"))
    return clips[::every]


def it_hurts(every: int) -> list[Clip]:
    """"it hurts" by every voice at every speed, decoded while the coach speaks (said in a quiet moment of it)."""
    clips = [Clip(speech.pad(speech.synthesize("it hurts", voice, wpm), 0.6, 1.0), "it hurts", f"{voice}@{wpm}")
             for voice in corpus.VOICES for wpm in corpus.SPEEDS]
    return clips[::every]


@dataclass(frozen=True)
class ClipKind:
    """A set of clips a setting was tuned on."""

    name: str
    make: Callable[[int], list[Clip]]
    """The clips, one in the given number."""
    quick_every: int
    full_every: int = 1
    restricted: bool = False
    """Decoded as while the coach speaks: only the barge-in phrases may commit."""
    alone: bool = False
    """Each clip through a recognizer of its own, as a command after a quiet while (else one after another)."""


WHITE = ClipKind("commands, white noise at 10 dB", white_noise_commands, 24, 4)
BABBLE = ClipKind("commands, babble at 15 dB", babble_commands, 4)
FAINT_ECHO = ClipKind("barge-in in the canceller's faint echo", faint_echo_commands, 1, restricted=True, alone=True)
SOFT = ClipKind("commands at -40 dBFS", soft_commands, 4, alone=True)
IT_HURTS = ClipKind("'it hurts' while the coach speaks", it_hurts, 4, restricted=True, alone=True)


@dataclass(frozen=True)
class Lever:
    """One setting of SphinxSettings, the value that turns it off, and what it was shipped to do."""

    setting: str
    off: Callable[[SphinxSettings], object]
    clips: ClipKind
    min_gain: float
    """The least gain (clips right as shipped minus with it off, as a share of the clips) it was shipped for; it must
    gain something in any case."""
    what: str


LEVERS = (
    Lever("noise_suppression", lambda s: 0, WHITE, 0.08,
          "WebRTC noise suppression of the audio each segment is decided on."),
    Lever("steady_phone_weight", lambda s: s.phone_weight, WHITE, 0.03,
          "A costlier free-phone loop in steady noise, where the consonants that tell a command from the phones "
          "are masked."),
    Lever("lead_in_gain", lambda s: 1.0, BABBLE, 0.05,
          "A second decision with the other talkers just before a command muted."),
    Lever("coverage_within_db", lambda s: 0.0, FAINT_ECHO, 1.0,
          "The command must cover the loud part of the segment, not the faint echo the canceller leaves."),
    Lever("decode_level", lambda s: 0.0, SOFT, 0.375,
          "Each segment leveled to espeak-ng's level before it is decided, so soft speech stands over the dither."),
    Lever("nurse_words", lambda s: frozenset(), IT_HURTS, 0.0,
          "The British NURSE vowel of 'hurts', heard while the coach speaks too."),
)


def recognizer(overrides: tuple[tuple[str, object], ...], restricted: bool) -> PocketSphinxRecognizer:
    """The shipped recognizer with `overrides` of its settings (picklable through functools.partial)."""
    grammar = shipped_grammar()
    settings: SphinxSettings = dataclasses.replace(SphinxSettings(), **dict[str, Any](overrides))
    rec = PocketSphinxRecognizer(grammar.phrases(), settings=settings, meaning=grammar.table)
    if restricted:
        rec.restrict(grammar.barge_in_phrases())
    return rec


def measure(levers: Sequence[Lever], quick: bool, workers: int) -> list[dict[str, Any]]:
    """Each lever's row: its clips decoded as shipped (once per kind of clips) and with the lever off."""
    kinds = list(dict.fromkeys(lever.clips for lever in levers))
    clips = {}
    for kind in kinds:
        clips[kind] = kind.make(kind.quick_every if quick else kind.full_every)
        log(f"  {kind.name}: {len(clips[kind])} clips")
    shipped = SphinxSettings()
    configs: list[tuple[ClipKind, tuple[tuple[str, object], ...]]] = [(kind, ()) for kind in kinds]
    configs += [(lever.clips, ((lever.setting, lever.off(shipped)),)) for lever in levers]
    log(f"decoding {len(configs)} configurations on {workers} workers")
    outcomes = stream_many([Job(functools.partial(recognizer, overrides, kind.restricted), clips[kind], kind.alone)
                            for kind, overrides in configs], workers)
    decoded = dict(zip(configs, outcomes, strict=True))
    rows = []
    for lever in levers:
        off = lever.off(shipped)
        on_right = _right(decoded[lever.clips, ()])
        off_right = _right(decoded[lever.clips, ((lever.setting, off),)])
        n = len(clips[lever.clips])
        gain = (on_right - off_right) / n if n else 0.0
        rows.append({"setting": lever.setting, "what": lever.what, "shipped": _show(getattr(shipped, lever.setting)),
                     "off": _show(off), "clips": lever.clips.name, "n": n, "right_shipped": on_right,
                     "right_off": off_right, "gain": round(gain, 4), "min_gain": lever.min_gain,
                     "holds": gain > 0 and gain >= lever.min_gain,
                     "lost_when_off": _lost(decoded[lever.clips, ()], decoded[lever.clips, ((lever.setting, off),)])})
    return rows


def _right(outcomes: Sequence[Outcome]) -> int:
    return sum(o.correct for o in outcomes)


def _lost(shipped: Sequence[Outcome], off: Sequence[Outcome], n: int = 6) -> list[str]:
    """The first clips right as shipped and wrong with the lever off, with what was heard instead."""
    return [f"{a.clip.label} -> {[d.text for d in b.detections]}"
            for a, b in zip(shipped, off, strict=True) if a.correct and not b.correct][:n]


def _show(value: object) -> str:
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(value)) + "}" if value else "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def render(results: dict[str, Any]) -> str:
    """benchmarks/TUNING.md."""
    meta = results["meta"]
    lines = [
        "# Tuning settings of the PocketSphinx recognizer, each as shipped and off",
        "",
        f"Generated by `{meta['command']}` (about {meta['runtime_s']:.0f} s); do not edit by hand. Each row decodes "
        "the same espeak-ng clips twice through the shipped recognizer (the shipped grammar, each clip streamed after "
        "the last): once as shipped, once with one setting of `SphinxSettings` turned off, every other setting as "
        "shipped. A setting holds if it gains clips and at least what it was shipped for. NOTES-pocketsphinx.md "
        "says how each was measured when it was chosen.",
        "",
        f"- **Date:** {meta['date']}; commit {meta['commit']}" + ("; --quick: a subset of each set" if meta["quick"]
                                                                   else ""),
        "",
        "| setting | shipped | off | clips | right as shipped | right with it off | gain | shipped for | holds |",
        "|---|---|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results["rows"]:
        lines.append(f"| `{r['setting']}` | {r['shipped']} | {r['off']} | {r['clips']} | {r['right_shipped']} of "
                     f"{r['n']} | {r['right_off']} of {r['n']} | {r['gain'] * 100:+.1f} points | "
                     f"{r['min_gain'] * 100:+.1f} points | {'yes' if r['holds'] else '**no**'} |")
    lines += ["", "What each is for, and the first clips it wins (what was heard with it off):", ""]
    for r in results["rows"]:
        lines.append(f"- **`{r['setting']}`**: {r['what']} " + ("; ".join(r["lost_when_off"]) or "none") + ".")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    names = [lever.setting for lever in LEVERS]
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a subset of each set of clips, for a check")
    parser.add_argument("--only", action="append", choices=names, metavar="SETTING",
                        help=f"measure only this setting (again for more): {', '.join(names)}")
    parser.add_argument("--workers", type=int, default=2, help="decoding processes (default 2)")
    parser.add_argument("--out", type=Path, default=runs.REPO, help="where benchmarks/TUNING.md goes (default: the "
                        "repository)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be 1 or more, not {args.workers}")
    problem = runs.cannot_write(args.out)
    if problem is not None:
        print(f"python -m benchmarks.tuning: {problem}", file=sys.stderr)
        return 2
    t_start = time.perf_counter()
    levers = [lever for lever in LEVERS if not args.only or lever.setting in args.only]
    log("building the clips (espeak-ng clips are cached under .cache/)")
    rows = measure(levers, args.quick, args.workers)
    results: dict[str, Any] = {"rows": rows, "meta": {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": runs.command_line("python -m benchmarks.tuning", argv),
        "commit": runs.commit(),
        "quick": args.quick,
        "runtime_s": round(time.perf_counter() - t_start, 1),
    }}
    out_dir = args.out / "benchmarks"
    (out_dir / "tuning.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (out_dir / "TUNING.md").write_text(render(results), encoding="utf-8")
    log(f"done in {results['meta']['runtime_s']:.0f} s: {out_dir / 'TUNING.md'}")
    for r in rows:
        log(f"  {r['setting']}: {r['right_shipped']} vs {r['right_off']} of {r['n']}"
            + ("" if r["holds"] else f", short of the {r['min_gain'] * 100:+.1f} points it was shipped for"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
