"""Run in a fresh process: build one approach's recognizer (start-up), decode a track (peak memory)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.approaches import Approach
from voicecoach.asr.pocketsphinx.lexicon_cache import CACHE_ENV


def child(approach_json: str, track: str) -> None:
    """The probe process: prints `ready` once listening, then one JSON line with its peak memory."""
    from voicecoach.cli.main import load

    approach = Approach(**json.loads(approach_json))
    _, grammar = load(None)
    rec = approach.build(grammar.phrases(), grammar.table)
    rec.accept(bytes(3200))
    print("ready", flush=True)
    if track:
        import numpy as np

        pcm = np.load(track).astype("<i2").tobytes()
        for i in range(0, len(pcm), 3200):
            rec.accept(pcm[i : i + 3200])
        rec.flush()
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    hwm_kb = vm_hwm_kb()
    # Linux carries ru_maxrss across fork+exec: a probe launched from a big parent reports the parent's size.
    # VmHWM is the peak of this program's own address space, so it is the figure used where it exists.
    peak = hwm_kb if hwm_kb is not None else maxrss_kb
    print(json.dumps({"peak_rss_mb": round(peak / 1024.0, 1), "ru_maxrss_mb": round(maxrss_kb / 1024.0, 1),
                      "peak_source": "VmHWM" if hwm_kb is not None else "ru_maxrss"}), flush=True)


def vm_hwm_kb() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def probe(approach: Approach, track: Path | None, cache: Path) -> dict[str, Any]:
    """Start-up (process launch to first audio accepted, wall clock) and peak RSS of one approach."""
    env = {**os.environ, CACHE_ENV: str(cache)}
    startup, result = timed_start(["benchmarks.probe", json.dumps(asdict(approach)), str(track or "")], env,
                                  approach.key)
    result["startup_s"] = round(startup, 3)
    return result


def timed_start(module_args: list[str], env: Mapping[str, str] | None, name: str) -> tuple[float, dict[str, Any]]:
    """Run `python -m MODULE ARGS...` in a fresh process that prints `ready` once listening, then one JSON line:
    the seconds from launch to `ready` (wall clock), and that JSON."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", *module_args], stdout=subprocess.PIPE, text=True,
                            env=None if env is None else dict(env), cwd=Path(__file__).resolve().parents[1])
    assert proc.stdout is not None
    line = proc.stdout.readline()
    startup = time.perf_counter() - t0
    rest = proc.stdout.read()
    if proc.wait() != 0 or line.strip() != "ready":
        raise RuntimeError(f"probe of {name} failed (exit {proc.returncode}): {line}{rest}")
    result: dict[str, Any] = json.loads(rest.strip().splitlines()[-1])
    return startup, result


def measure(approach: Approach, track: Path, startups: int = 3) -> dict[str, Any]:
    """Peak memory once (decoding `track`), with an empty cache: that start-up is the first start's. Then start-up
    as the median of `startups` more fresh processes, which find what the first left in the cache, as every
    later start of the coach does (voicecoach.asr.pocketsphinx.lexicon_cache)."""
    with tempfile.TemporaryDirectory() as cache:
        first = probe(approach, track, Path(cache))
        times = sorted(probe(approach, None, Path(cache))["startup_s"] for _ in range(startups))
    first["startup_first_s"] = first["startup_s"]
    first["startup_s"] = times[len(times) // 2]
    first["startup_runs_s"] = times
    return first


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2])
