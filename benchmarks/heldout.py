"""Hearing measured on what it never saw: held-out voices, real kitchen noise, real people's everyday talk.

`python -m benchmarks.heldout [--quick]` writes benchmarks/HELDOUT.md and heldout.json.

Reserved for evaluation, never for training or for choosing a threshold or a setting:
  - Festival's English voices (kal and ked, diphones from recordings of two US men; slt, an HTS voice from a
    US woman's ARCTIC recordings), a synthesizer no part of voicecoach was tuned on;
  - espeak-ng's variants named after people (en-us+Annie, +Andy, ...): the recognizer was tuned on 8 other
    espeak-ng voices (benchmarks/corpus.py VOICES);
  - the held-out half of ../shared/data/real-speech-negatives (real people ordering coffee), split by a hash of
    each file's name (no speaker labels exist, so a speaker may be in both halves). The other half is the only
    real speech a later change may tune on; its figure is shown apart.
No real recordings of our commands exist here: every recall figure is on synthesized voices.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import corpus, decode, runs
from benchmarks.approaches import Approach
from benchmarks.corpus import ClipSet, Item
from voicecoach.cli.main import load
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech
from voicecoach.testing.real_talk import APART_S as APART_S
from voicecoach.testing.real_talk import held_out as held_out
from voicecoach.testing.real_talk import negatives_dir as negatives_dir
from voicecoach.testing.real_talk import quiet_before

RATE = speech.RATE
FESTIVAL_VOICES = ("kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts")
FESTIVAL_STRETCHES = (1.25, 0.85)
"""Festival's Duration_Stretch: slower and faster than its own pace."""
ESPEAK_PEOPLE = ("Annie", "Andy", "Alicia", "Benjamin", "Denis", "Gene", "Jacky", "Lee", "Linda", "Mario",
                 "Michael", "Steph")
ESPEAK_SPEEDS = (140, 185)
SNRS: tuple[float | None, ...] = (None, 20.0, 10.0, 5.0)
NOISY_EVERY = 3  # in noise, every third clean clip (rotating), so the run stays short
_RECIPE = "heldout-v1"
SHIPPED = Approach("voicecoach", "voicecoach as shipped (PocketSphinx)", "shipped-pocketsphinx")
GRAMMAR_ONLY = Approach("grammar-only", "grammar only (plain JSGF, no rejection)", "grammar-only")
OPEN_VOCABULARY = Approach("open-vocabulary", "open vocabulary (full LM + exact match)", "open-vocabulary")


class HeldOutError(RuntimeError):
    """A synthesizer or the real-speech data is missing; the message says what to install or where to put it."""


def festival_available() -> bool:
    return shutil.which("text2wave") is not None


def festival(text: str, voice: str, stretch: float) -> speech.Audio:
    """`text` said by Festival `voice` at `stretch` times its own duration; cached beside the other test speech."""
    def render() -> speech.Audio:
        if not festival_available():
            raise HeldOutError("Festival is missing: sudo apt-get install festival festvox-kallpc16k "
                               "festvox-kdlpc16k festvox-us-slt-hts")
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "out.wav"
            setup = f"(voice_{voice}) (Parameter.set 'Duration_Stretch {stretch:g})"
            proc = subprocess.run(["text2wave", "-eval", setup, "-o", str(wav)], input=text, capture_output=True,
                                  text=True, check=False, timeout=60)
            if proc.returncode != 0 or not wav.exists() or "not found" in proc.stderr.lower():
                raise HeldOutError(f"Festival failed for voice {voice!r}: {(proc.stderr or proc.stdout).strip()}")
            return speech.read_wav(wav)

    return speech.cached(f"{_RECIPE}|festival|{voice}|{stretch}|{RATE}|{text}", render, prefix="festival-")


@dataclass(frozen=True)
class Speaker:
    """A held-out voice: its family (festival | espeak-people), its name, and how it speaks at one pace."""

    family: str
    name: str
    pace: float

    def say(self, text: str) -> speech.Audio:
        if self.family == "festival":
            return festival(text, self.name, self.pace)
        return speech.synthesize(text, f"en-us+{self.name}", round(self.pace))


def speakers(quick: bool) -> list[Speaker]:
    people = ESPEAK_PEOPLE[:3] if quick else ESPEAK_PEOPLE
    out = [Speaker("festival", v, s) for v in FESTIVAL_VOICES for s in FESTIVAL_STRETCHES[: 1 if quick else None]]
    out += [Speaker("espeak-people", p, w) for p in people for w in ESPEAK_SPEEDS[: 1 if quick else None]]
    return out


def kitchen_noise() -> speech.Audio:
    """The real kitchen recording of the negatives' data (2 min), 16 kHz int16."""
    path = negatives_dir() / "noise" / "kitchen.flac"
    if not path.exists():
        raise HeldOutError(f"{path} is missing: the real kitchen noise comes with real-speech-negatives")
    return speech.read_wav(path)


def command_sets(grammar: Grammar, quick: bool, snrs: Sequence[float | None] = SNRS,
                 who: Sequence[Speaker] | None = None) -> list[ClipSet]:
    """Every phrase by every held-out speaker (or `who`), clean; in real kitchen noise at each SNR, a rotating
    third."""
    phrases = grammar.phrases()[:12] if quick else grammar.phrases()
    noise = kitchen_noise()
    sets = []
    who = speakers(quick) if who is None else who
    for si, snr in enumerate(snrs):
        cs = ClipSet(f"commands@{corpus.condition_name(snr)}")
        for pi, phrase in enumerate(phrases):
            for vi, speaker in enumerate(who):
                if snr is not None and (pi + vi + si) % NOISY_EVERY:
                    continue
                raw = speaker.say(phrase)
                padded = speech.pad(raw, corpus.PAD_BEFORE, corpus.PAD_AFTER)
                if snr is not None:
                    offset = ((pi * 131 + vi * 17 + si * 7) * RATE) % max(1, len(noise) - len(padded))
                    padded = speech.add_noise(padded, np.roll(noise, -offset), snr, speech_rms=speech.active_rms(raw))
                end = corpus.PAD_BEFORE + corpus.speech_end(raw)  # until 2026-12-06 the file's end: 0.27 s later
                item = Item(f"{phrase!r} {speaker.name}@{speaker.pace:g}", phrase, "command",
                            corpus.condition_name(snr), None if snr is None else "kitchen", end, phrase=phrase,
                            mode=command_mode(grammar, phrase), voice=f"{speaker.family}:{speaker.name}")
                cs.add(item, padded)
        sets.append(cs)
    return sets


def command_mode(grammar: Grammar, phrase: str) -> str:
    """The coach's state a command is said in: mid-session if it is heard then ("more" right after help), else
    idle."""
    return grammar.heard_mid_session(grammar.table[phrase].name)


def real_negative_sets(quick: bool) -> list[ClipSet]:
    """The real everyday talk, in two sets: held out, and the half a later change may tune on."""
    clips = sorted((negatives_dir() / "clips").glob("*.flac"))
    if not clips:
        raise HeldOutError(f"no clips in {negatives_dir() / 'clips'}: set $VOICECOACH_REAL_NEGATIVES")
    if quick:
        clips = clips[:40]
    sets = {True: ClipSet("real-talk@held-out"), False: ClipSet("real-talk@tuning-half")}
    for path in clips:
        audio = speech.read_wav(path)
        sets[held_out(path.name)].add(Item(path.name, None, "real", "real", None, len(audio) / RATE, mode="idle"),
                                      audio)
    return [sets[True], sets[False]]


def apart(talk: Sequence[ClipSet]) -> list[ClipSet]:
    """The real talk again, each clip after APART_S of its own noise floor (white noise at its quietest tenth):
    every utterance said on its own, as a command is. Back to back, a clip's first words follow the last one's."""
    out = []
    for cs in talk:
        spaced = ClipSet(f"{cs.name}-apart")
        for n, (item, audio) in enumerate(zip(cs.items, cs.clips, strict=True)):
            spaced.add(replace(item, speech_end=item.speech_end + APART_S), np.concatenate([quiet_before(audio, n),
                                                                                            audio]))
        out.append(spaced)
    return out


def talk_seconds(cs: ClipSet) -> float:
    """The seconds of talk in a set of the real talk: without the noise floor put between clips said apart."""
    return cs.seconds - (APART_S * len(cs.items) if cs.name.endswith("-apart") else 0.0)


@dataclass(frozen=True)
class Judged:
    """An approach measured on another one's commits: those `keep(track, at, text)` lets stand, where `track` is the
    set's audio and `at` the commit's time in it (a second opinion that sees the audio up to the commit)."""

    key: str
    title: str
    base: str
    """The key of the approach whose commits are judged."""
    keep: Callable[[np.ndarray, float, str], bool]


def measure(grammar: Grammar, quick: bool, workers: int, log: Any, *,
            approaches: Sequence[Approach] = (SHIPPED, GRAMMAR_ONLY),
            talk_only: Sequence[Approach] = (OPEN_VOCABULARY,),
            commands: Sequence[ClipSet] | None = None, judged: Sequence[Judged] = (),
            talk_apart: bool = False, talk: Sequence[ClipSet] | None = None) -> dict[str, Any]:
    """Decode every set through the hearing path of each approach (`talk_only`: on the real talk alone); the figures.
    `commands`: the command sets to measure recall on (default: every held-out voice at every SNR); `judged`:
    approaches that keep some of another's commits; `talk_apart`: the real talk said apart too (apart()); `talk`:
    the sets of real talk (default: both halves)."""
    commands = command_sets(grammar, quick) if commands is None else commands
    talk = real_negative_sets(quick) if talk is None else list(talk)
    talk += apart(talk) if talk_apart else []
    sets = [*commands, *talk]
    with tempfile.TemporaryDirectory(prefix="heldout-", dir=runs.mkdir(corpus.bench_cache())) as tmp:
        tracks, _ = runs.save_tracks(sets, Path(tmp))
        jobs = [*decode.plan_jobs(approaches, sets, tracks, grammar),
                *decode.plan_jobs(talk_only, talk, tracks, grammar)]
        log(f"decoding: {len(jobs)} jobs on {workers} workers, "
            f"{sum(cs.seconds for cs in sets) / 60:.0f} min of audio")
        decoded = decode.decode_all(decode.costliest_first(jobs), sets, workers)
        for j in judged:
            decoded[j.key] = _judge(j, decoded[j.base], sets, tracks)
    out: dict[str, Any] = {}
    named = [(a.key, a.title) for a in (*approaches, *talk_only)] + [(j.key, j.title) for j in judged]
    for name, title in named:
        dec = decoded.get(name)
        if dec is None:
            continue
        figures: dict[str, Any] = {"title": title, "rtf": round(dec.cpu_s / dec.audio_s, 4)}
        for cs in commands:
            if cs.name not in dec.per_item:
                continue
            per_family: dict[str, list[int]] = {}
            per_voice: dict[str, list[int]] = {}
            latencies: list[float] = []
            for item, (a, _), found in zip(cs.items, cs.bounds(), dec.per_item[cs.name], strict=True):
                ok = len(found) == 1 and grammar.match(found[0][1]) == grammar.match(item.expect or "")
                if ok:
                    latencies.append(1000 * (found[0][0] - (a / RATE + item.speech_end)))
                voice = item.voice or ""
                for key, table in ((voice.split(":")[0], per_family), (voice, per_voice)):
                    table.setdefault(key, [0, 0])
                    table[key][0] += ok
                    table[key][1] += 1
            figures[cs.name] = {"by_family": per_family, "by_voice": per_voice,
                                "latency_ms": latency_percentiles(latencies)}
        for cs in talk:
            found_all = dec.per_item[cs.name]
            hours = talk_seconds(cs) / 3600
            fired = [found for found in found_all if found]
            figures[cs.name] = {
                "clips": len(cs.items), "clips_with_a_command": len(fired), "minutes": round(talk_seconds(cs) / 60, 1),
                "commands_per_hour": round(sum(len(f) for f in found_all) / hours, 1) if hours else None,
                "examples": [f"{item.label} -> {[t for _, t in found]}"
                             for item, found in zip(cs.items, found_all, strict=True) if found][:12],
            }
        out[name] = figures
    return out


def delays_cell(delays_s: Sequence[float], counted: bool = True) -> str:
    """Delays (seconds) to commit as a table cell: "p50 / p95 ms", with how many (`counted`); "n/a" for none."""
    got = latency_percentiles([1000 * d for d in delays_s])
    if got is None:
        return "n/a"
    return f"{got['p50']} / {got['p95']} ms" + (f" ({got['n']})" if counted else "")


def latency_percentiles(latencies_ms: Sequence[float]) -> dict[str, float | str] | None:
    """p50 and p95 of end of speech -> commit, in ms of audio time, over the commands heard right ("from": timed
    from the end of the speech, not of the synthesized file as before 2026-12-06)."""
    if not latencies_ms:
        return None
    p50, p95 = np.percentile(latencies_ms, [50, 95])
    return {"p50": round(float(p50)), "p95": round(float(p95)), "n": len(latencies_ms), "from": "speech"}


def _judge(judged: Judged, base: decode.Decoded, sets: Sequence[ClipSet], tracks: dict[str, Path]) -> decode.Decoded:
    """The base approach's commits that the judge keeps; its cost added to the base's."""
    out = decode.Decoded(cpu_s=base.cpu_s, audio_s=base.audio_s)
    t0 = time.process_time()
    for cs in sets:
        track = np.load(tracks[cs.name], mmap_mode="r")
        out.per_item[cs.name] = [[(at, text) for at, text in found if judged.keep(track, at, text)]
                                 for found in base.per_item[cs.name]]
    out.cpu_s += time.process_time() - t0
    return out


def pc(ok: int, n: int) -> str:
    """A share as a held-out report gives it: "75.0 % (3/4)"."""
    return f"{100 * ok / n:.1f} % ({ok}/{n})" if n else "n/a"



def head(title: str, meta: dict[str, Any], doc: str) -> list[str]:
    """A held-out report's first lines: its title, the run it comes from, and its module's docstring after the
    first two lines (the summary and the blank line)."""
    run = f"`{meta['command']}` on {meta['date']} at {meta['commit']} ({meta['machine']}), {meta['runtime_s']:.0f} s."
    return [f"# {title}", "", run, "", doc.split("\n", 2)[2].strip(), ""]


def report(figures: dict[str, Any], meta: dict[str, Any]) -> str:
    """HELDOUT.md: the figures on data nothing was tuned on, first the shipped recognizer."""
    out = head("Hearing on what it never saw", meta, __doc__ or "")
    families = ("festival", "espeak-people")
    out += ["## Recall on held-out voices (synthesized; no real recordings of the commands exist here)", "",
            "Right if exactly the command said was committed, in the coach's mode the command matters in. "
            "Noise: the real kitchen recording, at the clip's speech level minus the SNR.", "",
            "| approach | voices | clean | 20 dB | 10 dB | 5 dB |", "|---|---|---:|---:|---:|---:|"]
    for fig in figures.values():
        if "commands@clean" not in fig:
            continue  # decoded on the real talk only: its recall costs three times the rest of the run
        for family in (*families, "all"):
            cells = []
            for snr in SNRS:
                name = f"commands@{corpus.condition_name(snr)}"
                table = fig.get(name, {}).get("by_family", {})
                ok = sum(v[0] for k, v in table.items() if family in ("all", k))
                n = sum(v[1] for k, v in table.items() if family in ("all", k))
                cells.append(pc(ok, n))
            out.append(f"| {fig['title']} | {family} | " + " | ".join(cells) + " |")
    out += ["", "## False commands on real everyday talk (real people ordering coffee)", "",
            "| approach | set | clips with a command | commands per hour |", "|---|---|---:|---:|"]
    for fig in figures.values():
        for name in ("real-talk@held-out", "real-talk@tuning-half"):
            t = fig.get(name)
            if t:
                out.append(f"| {fig['title']} | {name.split('@')[1]} ({t['minutes']} min) | "
                           f"{pc(t['clips_with_a_command'], t['clips'])} | {t['commands_per_hour']} |")
    shipped = figures.get(SHIPPED.key, {})
    out += ["", "## Per voice, the shipped recognizer, clean", "", "| voice | clean |", "|---|---:|"]
    for voice, (ok, n) in sorted(shipped.get("commands@clean", {}).get("by_voice", {}).items()):
        out.append(f"| {voice} | {pc(ok, n)} |")
    examples = shipped.get("real-talk@held-out", {}).get("examples", [])
    if examples:
        out += ["", "Examples of false commands on held-out real talk (the shipped recognizer):", ""]
        out += [f"- `{e}`" for e in examples]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    return run(__doc__ or "", "heldout", lambda grammar, args, log: measure(grammar, args.quick, args.workers, log),
               report, argv)


def run(doc: str, stem: str, measure_with: Any, report_with: Any, argv: Sequence[str] | None,
        parser: argparse.ArgumentParser | None = None) -> int:
    """The command line of a benchmark of this kind: measure (grammar, args, log -> figures), then write
    benchmarks/STEM.md (report_with(figures, meta)) and STEM.json. `parser`: one with the benchmark's own options."""
    parser = parser or argparse.ArgumentParser(prog=f"python -m benchmarks.{stem}", description=doc.split("\n")[0])
    prog = parser.prog  # the module's, where STEM is not (profile_choices writes profile_SET)
    parser.add_argument("--quick", action="store_true", help="a few voices and phrases, 40 real clips")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=runs.REPO,
                        help=f"{stem.upper()}.md goes to OUT/benchmarks/ (default: the repository)")
    args = parser.parse_args(argv)
    log = runs.logger(stem)
    problem = runs.cannot_report(args.out)
    if problem:
        print(f"{prog}: {problem}", file=sys.stderr)
        return 2
    started = time.monotonic()
    _, grammar = load(None)
    try:
        figures = measure_with(grammar, args, log)
    except HeldOutError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 2
    meta = {"command": runs.command_line(prog, argv), "date": time.strftime("%Y-%m-%d"),
            "commit": _commit(), "machine": _machine(), "runtime_s": time.monotonic() - started}
    where = runs.mkdir(args.out / "benchmarks")
    (where / f"{stem}.json").write_text(json.dumps({"meta": meta, "figures": figures}, indent=1) + "\n")
    (where / f"{stem.upper()}.md").write_text(report_with(figures, meta))
    log(f"wrote {where / f'{stem.upper()}.md'}")
    return 0


def _commit() -> str:
    proc = subprocess.run(["git", "-C", str(runs.REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=False)
    return proc.stdout.strip() or "unknown"


def _machine() -> str:
    import os
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


if __name__ == "__main__":
    sys.exit(main())
