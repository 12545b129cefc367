"""How fast a whole routine runs through `voicecoach script` on the virtual clock.

Run: .venv/bin/python benchmarks/routine_speed.py [--runs N]
Reports the wall time of one full routine (median and p95 over N runs) and its
ratio to the virtual time the routine covers. Not a test: machines are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from voicecoach.core.content import load_content
from voicecoach.core.grammar import load_grammar
from voicecoach.paths import default_content_dir, default_grammar_dir
from voicecoach.testing.dialog import DialogRunner, parse_dialog

# "wait until" gives up after 10 virtual minutes, so wait for each exercise in turn.
ROUTINE = """
> start routine
wait until Next exercise.
wait until Cat stretch.
wait until Next exercise.
wait until Lower back rotational stretch.
wait until Next exercise.
wait until Knee to chest stretch.
wait until Next exercise.
wait until Bridge.
wait until That is the end of the session
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    content = load_content(default_content_dir())
    runner = DialogRunner(content, load_grammar(default_grammar_dir(), content))
    steps = parse_dialog(ROUTINE)
    walls, virtual = [], 0.0
    for _ in range(args.runs):
        t0 = time.perf_counter()
        result = runner.run(steps)
        walls.append(time.perf_counter() - t0)
        assert result.passed, result.report()
        virtual = result.transcript[-1].start
    walls.sort()
    p95 = walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))]
    median = statistics.median(walls)
    print(f"whole routine: {virtual / 60:.1f} virtual minutes, {len(result.transcript)} utterances")
    print(f"wall time over {args.runs} runs: median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    print(f"virtual time / wall time (median): {virtual / median:,.0f}x faster than real time")
    with tempfile.TemporaryDirectory() as tmp:
        dialog = Path(tmp) / "routine.dialog"
        dialog.write_text(ROUTINE)
        command = [sys.executable, "-m", "voicecoach", "script", str(dialog)]
        cli = []
        for _ in range(max(3, args.runs // 3)):
            t0 = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            cli.append(time.perf_counter() - t0)
    print(f"`voicecoach script` on the whole routine, process start included, over {len(cli)} runs: "
          f"median {statistics.median(cli) * 1000:.0f} ms, max {max(cli) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
