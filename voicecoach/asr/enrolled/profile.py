"""The person's voice profile on disk: their takes as embedding frames (never audio), versioned."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from voicecoach.asr.enrolled.matcher import Take
from voicecoach.errors import VoicecoachError
from voicecoach.paths import xdg_base

FILE = "voice-profile.npz"
FORMAT = "voicecoach voice profile"
VERSION = 1
"""Bumped when the features change (another embedding, another cut): old frames would not compare."""
FEATURES = "google-speech-embedding/openwakeword-0.5.1/context-0.4"


class ProfileError(VoicecoachError):
    """A profile that cannot be read; the message names the file and what to do."""

    def __init__(self, message: str, foreign: bool = False) -> None:
        super().__init__(message)
        self.foreign = foreign
        """Whether the file is not a voicecoach profile at all (else ours, but cut short or of another version)."""


def default_profile_dir(env: Mapping[str, str]) -> Path:
    """$XDG_DATA_HOME/voicecoach, else ~/.local/share/voicecoach."""
    return xdg_base(env, "XDG_DATA_HOME", ".local/share") / "voicecoach"


def profile_path(directory: Path) -> Path:
    return directory / FILE


def load(directory: Path) -> list[Take] | None:
    """The takes of the profile in `directory`; None when there is none. ProfileError when the file there is
    not a voicecoach profile of this version, or is cut short."""
    path = profile_path(directory)
    if not path.exists():
        return None
    fix = f"delete it with `voicecoach forget --voice --profile {directory}` and enrol again"
    foreign = ProfileError(f"{path}: not a voicecoach voice profile, so voicecoach leaves it alone; move it "
                           "away to enrol", foreign=True)
    try:
        # The file opened here, not by numpy: a zip cut short raises inside np.load and would leak its handle.
        with path.open("rb") as file, np.load(file, allow_pickle=False) as data:
            if not hasattr(data, "files") or "header" not in data.files:
                raise foreign
            header = json.loads(bytes(data["header"]).decode())
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise foreign
            if header.get("version") != VERSION or header.get("features") != FEATURES:
                raise ProfileError(f"{path}: a voice profile of another version ({header.get('version')}); "
                                   f"enrol again ({fix})")
            takes = []
            for i, entry in enumerate(header["takes"]):
                noisy = tuple(data[f"noisy{i}_{j}"] for j in range(int(entry["noisy"])))
                # A profile enrolled before takes had variants has none: it is heard as it was.
                variants = tuple(data[f"variant{i}_{j}"] for j in range(int(entry.get("variants", 0))))
                takes.append(Take(str(entry["phrase"]), str(entry["name"]), data[f"frames{i}"], noisy, variants,
                                  command=bool(entry.get("command", True))))
    except ProfileError:
        raise
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as error:
        if not zipfile.is_zipfile(path) and not path.read_bytes()[:4].startswith(b"PK"):
            raise foreign from None
        raise ProfileError(f"{path}: cannot be read, it may be cut short ({error}); {fix}") from None
    return takes


def save(directory: Path, takes: Sequence[Take]) -> Path:
    """Write the profile whole, then move it into place: a crash leaves the old one, never half of a new one."""
    directory.mkdir(parents=True, exist_ok=True)
    path = profile_path(directory)
    header = {"format": FORMAT, "version": VERSION, "features": FEATURES,
              "takes": [{"phrase": t.phrase, "name": t.name, "noisy": len(t.noisy), "variants": len(t.variants),
                         **({} if t.command else {"command": False})} for t in takes]}
    arrays: dict[str, np.ndarray] = {"header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}
    for i, take in enumerate(takes):
        arrays[f"frames{i}"] = take.frames
        for j, noisy in enumerate(take.noisy):
            arrays[f"noisy{i}_{j}"] = noisy
        for j, variant in enumerate(take.variants):
            arrays[f"variant{i}_{j}"] = variant
    fd, tmp = tempfile.mkstemp(prefix=".voice-profile-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez(file, **arrays)  # type: ignore[arg-type]
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def merge(old: Sequence[Take], new: Sequence[Take]) -> list[Take]:
    """`old` with `new` added; a new take of the same name replaces the old one."""
    names = {take.name for take in new}
    return [*(take for take in old if take.name not in names), *new]


def redo(old: Sequence[Take], new: Sequence[Take]) -> list[Take]:
    """`old` with the commands of `new` learned again: a command with two new takes or more keeps none of its old
    takes; one left with a single new take (an enrolment stopped half way through it) keeps its old takes too,
    the new one numbered after them. Every other command's takes are kept. New words that are no command
    (Take.command) replace the old ones."""
    counts = Counter(take.phrase for take in new if take.command)
    redone = {phrase for phrase, n in counts.items() if n >= 2}
    words = [take for take in new if not take.command]
    kept = [take for take in old if take.phrase not in redone and (take.command or not words)]
    out = [*kept, *words]
    for take in new:
        if not take.command:
            continue
        if take.phrase not in redone:
            taken = {t.name for t in out}
            number = 1
            while f"{take.name.rsplit('-', 1)[0]}-{number}" in taken:
                number += 1
            take = replace(take, name=f"{take.name.rsplit('-', 1)[0]}-{number}")
        out.append(take)
    return out
