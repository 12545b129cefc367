"""The held-out benchmarks `python -m benchmarks` runs first, each in its own process, for BENCHMARKS.md's head."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks import runs

SOURCES: dict[str, tuple[str, ...]] = {
    "command_model": ("--workers", "{workers}"),
    "enrolment": ("--people", "5"),
    "room": ("--workers", "{workers}"),
    "noise_alone": ("--workers", "{workers}"),
}
"""Each held-out benchmark whose JSON the head reads (benchmarks/headline.py), and what its command line adds:
its workers, or (enrolment, one process) the five espeak-ng people the others enrol."""


def commands(quick: bool, workers: int, out: Path) -> list[list[str]]:
    """The command line of each held-out benchmark, writing to OUT/benchmarks/ as `python -m benchmarks` does."""
    lines = []
    for stem, extra in SOURCES.items():
        own = [arg.format(workers=workers) for arg in extra]
        lines.append([sys.executable, "-m", f"benchmarks.{stem}", *(["--quick"] if quick else []), *own,
                      "--out", str(out)])
    return lines


def run_all(quick: bool, workers: int, out: Path, log: Callable[[str], None]) -> str | None:
    """Run each in turn; None, or one line saying which failed and how (the runs before it have written theirs)."""
    for line in commands(quick, workers, out):
        name = line[2]
        log(f"held out: {' '.join(['python', *line[1:]])}")
        code = subprocess.run(line, cwd=runs.REPO, stdout=subprocess.DEVNULL, check=False).returncode  # logs shown
        if code != 0:
            return f"{name} failed (exit {code}); its own message is above. Nothing after it ran"
    return None
