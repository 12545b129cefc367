"""What the voice profile adds to a process's memory over the general recognizer, and what the speech embedding
adds with each of onnxruntime's session settings.

`python -m benchmarks.enrolment_memory [--runs N]` writes benchmarks/enrolment_memory.json; ENROLMENT.md shows it.

The profile: the recognizer opened as the product opens it (voicecoach.runtime.recognizers.open_recognizer,
PocketSphinx), with the second opinion on (as shipped) and off, each with and without a profile of 38 takes
(espeak-ng en-us, a training voice), in fresh processes fed the same 3 minutes of that voice (its commands clean
and in white noise at 10 dB, its everyday sentences). The profile's part is the median with it less the median
without it, at each stage: opened, after the first 20 s of audio, after all of it, and the peak.

The embedding's settings:
Each figure is measured in a fresh process (VmRSS from /proc/self/status, in MB), as the difference to the
process before onnxruntime was imported: after the import, after loading the two sessions, after embedding one
2.4 s segment (a command with its context), and after embedding 60 segments of 1.2 to 4 s (what the enrolled
recognizer embeds), with the peak (VmHWM) at the end. The median of the runs is shown. Each variant's output on
the same audio is compared with the default settings' output: a setting that changes it is not a saving.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import runs

UNTIL_NOW = "until now"
VARIANTS: dict[str, dict[str, Any]] = {
    UNTIL_NOW: {"windows_per_run": None, "cpu_arena": True, "memory_pattern": True},
    "all at once, arena and patterns off": {"windows_per_run": None, "cpu_arena": False, "memory_pattern": False},
    "shipped": {},
    "shipped, arena off": {"cpu_arena": False},
    "shipped, arena and patterns off": {"cpu_arena": False, "memory_pattern": False},
    "shipped, graph optimization basic": {"optimization": "basic"},
    "shipped, graph optimization off": {"optimization": "disabled"},
    "shipped, two threads": {"threads": 2},
    "shipped, loaded twice (not shared)": {"twice": True},
}
NOTES = [
    "- Until now the embedding model was given all of a segment's windows at once: onnxruntime's arena grew to "
    "the longest segment's working memory and kept it, and with the arena off glibc kept much of what was freed "
    "(the figure swung between 45 and 110 MB from one segment to the next). One window per run gives every run "
    "the same shapes: the memory stays flat after the first segment, the CPU per second of audio is the same "
    "(0.0125 to 0.0128 s on this machine, 100 segments, both ways) and the output is the same bit for bit "
    "(tests/adapters/test_enrolled.py asserts it on real speech).",
    "- With the arena off and all windows at once, one measurement of 5 processes gave outputs that differed "
    "between processes; another did not. The shipped settings gave the same output in every process measured.",
    "- onnxruntime's session options disable_prepacking and use_env_allocators saved nothing (measured apart); "
    "a lower graph optimization level saves 2 to 3 MB but changes the output, so it is not used.",
    "- Over the issue's 20 MB where the profile loads the embedding itself (the second opinion off): importing "
    "onnxruntime alone adds about 18 MB, and loading the two small models "
    "(2.4 MB on disk) 15 MB more. Below that needs the two models run without onnxruntime (the mel spectrogram "
    "and a small convolutional network, in numpy), not tried here.",
    "- The profile's frames are apart from these figures: 0.6 MB for 38 takes with their noisy copies.",
]
STAGES = ("import", "sessions", "first", "steady", "peak")
PROFILE_VARIANTS: dict[str, dict[str, Any]] = {
    "as shipped": {"second_opinion": True, "profile": False},
    "as shipped, with the profile": {"second_opinion": True, "profile": True},
    "second opinion off": {"second_opinion": False, "profile": False},
    "second opinion off, with the profile": {"second_opinion": False, "profile": True},
}
PROFILE_STAGES = ("opened", "first", "steady", "peak")
VOICE = "en-us"
FIRST_S = 20.0


def _rss() -> dict[str, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def _audio(seconds: float, seed: int) -> np.ndarray:
    """Speech-like audio: a voiced buzz whose pitch and loudness wander, over faint noise."""
    rng = np.random.default_rng(seed)
    n = round(seconds * 16000)
    t = np.arange(n) / 16000
    pitch = 120 + 40 * np.sin(2 * np.pi * 1.5 * t + seed)
    buzz = np.sign(np.sin(2 * np.pi * np.cumsum(pitch) / 16000)) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)) ** 2
    return np.clip(buzz * 6000 + rng.normal(0, 200, n), -32768, 32767).astype(np.int16)


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """One fresh process: the memory at each stage, and a digest of the output."""
    from voicecoach.asr.embedding.features import SessionSettings, SpeechEmbedding

    twice = spec.pop("twice", False)
    segments = [_audio(1.2 + 2.8 * (i % 7) / 6, i) for i in range(60)]
    base = _rss()["VmRSS"]
    out: dict[str, Any] = {}
    import onnxruntime  # noqa: F401

    out["import"] = _rss()["VmRSS"] - base
    settings = SessionSettings(**spec)
    embedding = SpeechEmbedding(settings=settings)
    if twice:
        other = SpeechEmbedding(settings=settings)
    out["sessions"] = _rss()["VmRSS"] - base
    first = embedding.embed(_audio(2.4, 99))
    out["first"] = _rss()["VmRSS"] - base
    digest = hashlib.sha256(first.tobytes())
    for segment in segments:
        digest.update(embedding.embed(segment).tobytes())
        if twice:
            other.embed(segment)
    now = _rss()
    out["steady"] = now["VmRSS"] - base
    out["peak"] = now["VmHWM"] - base
    out["digest"] = digest.hexdigest()[:16]
    out["settings"] = asdict(settings)
    return out


def _profile_track() -> np.ndarray:
    """3 minutes of the profile's own voice: its commands at another pace, clean and at 10 dB, and its sentences."""
    from benchmarks.corpus import GENERAL_SENTENCES
    from voicecoach.runtime.enrolment import enrolment_phrases
    from voicecoach.testing import speech

    phrases = enrolment_phrases(_grammar())
    clips = [speech.synthesize(p, VOICE, 140) for p in phrases]
    clips += [speech.add_white_noise(speech.synthesize(p, VOICE, 185), 10.0, seed=i) for i, p in enumerate(phrases)]
    clips += [speech.synthesize(s, VOICE, 160) for s in GENERAL_SENTENCES]
    return np.concatenate([speech.pad(c, 0.6, 1.6) for c in clips])


def _grammar() -> Any:
    from voicecoach.cli.main import load

    return load(None)[1]


def child_profile(spec: dict[str, Any]) -> dict[str, Any]:
    """One fresh process: the recognizer opened as the product opens it, fed the track; the memory at each stage."""
    from voicecoach.runtime.recognizers import open_recognizer

    grammar = _grammar()
    pcm = _profile_track().astype("<i2").tobytes()
    base = _rss()["VmRSS"]
    out: dict[str, Any] = {}
    recognizer = open_recognizer("pocketsphinx", grammar, None, {}, profile=Path(spec["directory"]),
                                 second_opinion=spec["second_opinion"])
    out["opened"] = _rss()["VmRSS"] - base
    step, first = 1600 * 2, round(FIRST_S * 16000 * 2)
    commits = []
    for at in range(0, len(pcm), step):
        commits += recognizer.accept(pcm[at:at + step])
        if at + step == first:
            out["first"] = _rss()["VmRSS"] - base
    commits += recognizer.flush()
    now = _rss()
    out["steady"] = now["VmRSS"] - base
    out["peak"] = now["VmHWM"] - base
    out["wrapped"] = type(recognizer).__name__
    out["commits"] = len(commits)
    return out


def measure_profile(n: int, log: Any) -> dict[str, Any]:
    """The profile's variants, each in n fresh processes, and what the profile adds over each general recognizer."""
    from voicecoach.asr.embedding import shared_embedding
    from voicecoach.asr.enrolled import profile
    from voicecoach.asr.enrolled.enrol import enrol_take
    from voicecoach.runtime.enrolment import enrolment_phrases
    from voicecoach.testing import speech

    result: dict[str, Any] = {"runs": n, "variants": {}, "added": {}}
    with tempfile.TemporaryDirectory() as tmp:
        stored, empty = Path(tmp) / "profile", Path(tmp) / "none"
        takes = [enrol_take(shared_embedding(), phrase, f"{phrase.replace(' ', '_')}-{i}",
                            speech.synthesize(phrase, VOICE, wpm))
                 for phrase in enrolment_phrases(_grammar()) for i, wpm in ((1, 160), (2, 175))]
        result["takes"] = len(takes)
        result["frames_mb"] = round(sum(f.nbytes for t in takes for f in (t.frames, *t.noisy, *t.variants)) / 2**20, 2)
        result["file_mb"] = round(profile.save(stored, takes).stat().st_size / 2**20, 2)
        for name, spec in PROFILE_VARIANTS.items():
            where = stored if spec["profile"] else empty
            child_spec = {"profile": {"second_opinion": spec["second_opinion"], "directory": str(where)}}
            samples = [_run_child(child_spec) for _ in range(n)]
            figures = {stage: round(statistics.median(s[stage] for s in samples), 1) for stage in PROFILE_STAGES}
            figures["range_steady"] = [round(min(s["steady"] for s in samples), 1),
                                       round(max(s["steady"] for s in samples), 1)]
            figures["wrapped"] = samples[0]["wrapped"]
            figures["commits"] = sorted({s["commits"] for s in samples})
            result["variants"][name] = figures
            log(f"{name}: {figures}")
    for general in ("as shipped", "second opinion off"):
        alone, both = result["variants"][general], result["variants"][f"{general}, with the profile"]
        result["added"][general] = {stage: round(both[stage] - alone[stage], 1) for stage in PROFILE_STAGES}
    return result


def _run_child(spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.enrolment_memory", "--child", json.dumps(spec)],
                          capture_output=True, text=True, check=True)
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def measure(n: int, log: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"runs": n, "variants": {}}
    for name, spec in VARIANTS.items():
        samples = [_run_child(spec) for _ in range(n)]
        digests = {s["digest"] for s in samples}
        figures = {stage: round(statistics.median(s[stage] for s in samples), 1) for stage in STAGES}
        figures["range_steady"] = [round(min(s["steady"] for s in samples), 1),
                                   round(max(s["steady"] for s in samples), 1)]
        result["variants"][name] = {**figures, "digest": digests.pop() if len(digests) == 1 else "varies",
                                    "settings": samples[0]["settings"]}
        log(f"{name}: {result['variants'][name]}")
    reference = result["variants"][UNTIL_NOW]["digest"]
    for figures in result["variants"].values():
        figures["same_output"] = figures["digest"] == reference
    return result


def profile_table(result: dict[str, Any]) -> list[str]:
    """The lines for ENROLMENT.md on what the profile adds over the general recognizer, with the second opinion on
    (as shipped) and off."""
    p = result["profile"]
    out = [f"Resident memory of a fresh process that opened the recognizer as the product opens it (PocketSphinx) and "
           f"heard 3 minutes of speech, MB over the process before it opened it (median of {p['runs']} processes "
           f"each, {result['date']}). The profile: {p['takes']} takes of espeak-ng en-us, {p['frames_mb']} MB of "
           f"frames with their noisy copies, {p['file_mb']} MB on disk.", "",
           "| general recognizer | profile | opened | + 20 s of speech | + 3 min of speech | peak | 3 min, lowest "
           "to highest |", "|---|---|---:|---:|---:|---:|---|"]
    for name, f in p["variants"].items():
        general = name.partition(", with the profile")[0]
        out.append(f"| {general} | {'yes' if name.endswith('profile') else 'no'} | {f['opened']} | {f['first']} | "
                   f"{f['steady']} | {f['peak']} | {f['range_steady'][0]} to {f['range_steady'][1]} |")
    for general, added in p["added"].items():
        out.append(f"| **the profile's part, {general}** | | **{added['opened']}** | **{added['first']}** | "
                   f"**{added['steady']}** | **{added['peak']}** | |")
    return out


def table(result: dict[str, Any]) -> list[str]:
    """The memory section's lines for ENROLMENT.md."""
    out = [f"Added to a process's resident memory by the embedding, MB (median of {result['runs']} fresh "
           f"processes, {result['date']}; `python -m benchmarks.enrolment_memory`). Windows: how many the embedding "
           "model is given per run.", "",
           "| settings | windows | arena | patterns | optimization | threads | import | + two sessions | "
           "+ a first segment | + 60 segments | peak | output as until now |",
           "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, f in result["variants"].items():
        s = f["settings"]
        out.append(f"| {name} | {s['windows_per_run'] or 'all'} | {'on' if s['cpu_arena'] else 'off'} | "
                   f"{'on' if s['memory_pattern'] else 'off'} | {s['optimization']} | {s['threads']} | "
                   f"{f['import']} | {f['sessions']} | {f['first']} | {f['steady']} | {f['peak']} | "
                   f"{'same' if f['same_output'] else 'differs'} |")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.enrolment_memory", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per variant (default: 5)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=runs.REPO,
                        help="enrolment_memory.json goes to OUT/benchmarks/ (default: the repository)")
    args = parser.parse_args(argv)
    if args.child is not None:
        spec = json.loads(args.child)
        print(json.dumps(child_profile(spec["profile"]) if "profile" in spec else child(spec)))
        return 0
    log = runs.logger("enrolment_memory")
    started = time.monotonic()
    result = {**measure(args.runs, log), "profile": measure_profile(args.runs, log)}
    result["date"] = time.strftime("%Y-%m-%d %H:%M")
    result["runtime_s"] = round(time.monotonic() - started)
    where = runs.mkdir(args.out / "benchmarks")
    (where / "enrolment_memory.json").write_text(json.dumps(result, indent=1) + "\n")
    print("\n".join(table(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
