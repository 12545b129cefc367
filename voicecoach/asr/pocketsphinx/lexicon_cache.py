"""The decoy lexicon kept on disk between starts: building it from the dictionary is most of the start-up."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path

from voicecoach.asr.pocketsphinx import decoys

Lexicon = tuple[dict[str, list[decoys.Pron]], dict[str, list[decoys.Pron]]]

CACHE_ENV = "VOICECOACH_CACHE_DIR"
_FORMAT = 1  # raise when the file's layout changes


def cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """$VOICECOACH_CACHE_DIR, else $XDG_CACHE_HOME/voicecoach, else ~/.cache/voicecoach."""
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV])
    xdg = env.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path(env.get("HOME") or Path.home()) / ".cache"
    return base / "voicecoach"


def _key(phrases: Sequence[str], dictionary: Path, options: Mapping[str, object]) -> str:
    """What the lexicon depends on: the phrases, the options, the dictionary file and the code that builds it."""
    h = hashlib.sha256()
    stat = dictionary.stat()
    h.update(json.dumps([_FORMAT, list(phrases), dict(options), str(dictionary.resolve()), stat.st_size,
                         stat.st_mtime_ns]).encode())
    # The decoy code and its word list: a new release with other decoys must not read an old lexicon.
    h.update(Path(decoys.__file__).read_bytes())
    h.update(resources.files("voicecoach.asr.pocketsphinx").joinpath("common_words.txt").read_bytes())
    return h.hexdigest()[:32]


def _read(path: Path) -> Lexicon | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        prons = {str(w): [tuple(str(p) for p in pron) for pron in ps] for w, ps in data["prons"].items()}
        found = {str(w): [tuple(str(p) for p in pron) for pron in ps] for w, ps in data["decoys"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing, unreadable or damaged: built again
    return prons, found


def _write(path: Path, lexicon: Lexicon) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"prons": lexicon[0], "decoys": lexicon[1]}, f)
            os.replace(tmp, path)  # whole or not at all, even if two coaches start at once
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only home: the coach still starts, only more slowly next time


def cached_lexicon(phrases: Sequence[str], dictionary: Path, build: Callable[[], Lexicon],
                   options: Mapping[str, object], directory: Path | None = None) -> Lexicon:
    """`build()`'s lexicon, from the cache if an earlier start with the same inputs left one there."""
    path = (directory or cache_dir()) / f"lexicon-{_key(phrases, dictionary, options)}.json"
    found = _read(path)
    if found is not None:
        return found
    lexicon = build()
    _write(path, lexicon)
    return lexicon
