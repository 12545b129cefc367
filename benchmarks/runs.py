"""What each benchmark command does around its decoding: check the output first, log, save the clip tracks."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from benchmarks.corpus import ClipSet

REPO = Path(__file__).resolve().parents[1]
"""The repository: where the reports go unless --out says otherwise."""


def logger(tag: str) -> Callable[[str], None]:
    """Progress lines on stderr, "[tag HH:MM:SS] message"."""

    def log(msg: str) -> None:
        print(f"[{tag} {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    return log


def mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def cannot_write(out: Path) -> str | None:
    """Why the report cannot go under `out` (checked before a run: a run that cannot write it would be lost), or
    None."""
    try:
        probe_file = mkdir(out / "benchmarks") / ".writable"
        probe_file.write_text("", encoding="utf-8")
        probe_file.unlink()
    except OSError as error:
        return f"--out {out}: cannot write the report there ({error.strerror or error})"
    return None


def cannot_report(out: Path) -> str | None:
    """cannot_write(), or why the plot cannot be drawn: matplotlib is missing."""
    problem = cannot_write(out)
    if problem is not None:
        return problem
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return ("matplotlib is missing (it draws the plot); install the extra once with "
                "`.venv/bin/pip install -e '.[bench]'`, then run again")
    return None


def command_line(prog: str, argv: Sequence[str] | None) -> str:
    """The command as the report shows it."""
    return prog + "".join(f" {shlex.quote(a)}" for a in (sys.argv[1:] if argv is None else argv))


def save_tracks(sets: Sequence[ClipSet], directory: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    """Each set's clips back to back as one .npy the decoding workers map, and the loudspeaker's track if any."""
    tracks, played = {}, {}
    for cs in sets:
        stem = cs.name.replace("@", "-")
        tracks[cs.name] = directory / f"{stem}.npy"
        np.save(tracks[cs.name], cs.track())
        loudspeaker = cs.played_track()
        if loudspeaker is not None:
            played[cs.name] = directory / f"{stem}.played.npy"
            np.save(played[cs.name], loudspeaker)
    return tracks, played


def commit() -> str:
    """The checkout's commit, as a report names what it measured."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" with uncommitted changes" if dirty else "")
