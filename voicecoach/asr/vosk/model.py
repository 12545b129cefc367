"""Find a Vosk model directory (--model, $VOICECOACH_VOSK_MODEL, the usual places) or download the small one."""

from __future__ import annotations

import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from voicecoach.asr.base import ModelNotFoundError

MODEL_NAME = "vosk-model-small-en-us-0.15"
MODEL_URL = f"https://alphacephei.com/vosk/models/{MODEL_NAME}.zip"
# Size of the zip on alphacephei.com (about 40 MB); a download that ends short of it was cut off.
MODEL_MIN_BYTES = 30_000_000
# Files a usable grammar-capable model has (HCLr.fst/Gr.fst: only those models honour a phrase list).
REQUIRED_FILES = ("am/final.mdl", "conf/mfcc.conf", "graph/HCLr.fst", "graph/Gr.fst", "graph/words.txt")
ENV_MODEL = "VOICECOACH_VOSK_MODEL"

_NEXT_STEP = (
    "run `voicecoach model download` to fetch the small English model (about 40 MB), "
    f"or pass --model PATH or set ${ENV_MODEL} to a Vosk model directory, "
    "or use the bundled recognizer with `--asr pocketsphinx`"
)


def missing_files(model_dir: Path) -> list[str]:
    """Which of the files a grammar-capable Vosk model needs are absent from `model_dir`."""
    return [f for f in REQUIRED_FILES if not (model_dir / f).is_file()]


def resolve_vosk_model(cli_path: str | None, env: Mapping[str, str]) -> Path:
    """The Vosk model directory to use: --model, then $VOICECOACH_VOSK_MODEL, then a small English model
    in $VOSK_MODEL_PATH, /usr/share/vosk or ~/.cache/vosk (directories only: a leftover .zip is skipped).

    Raises ModelNotFoundError with the next step to take.
    """
    for source, value in (("--model", cli_path), (f"${ENV_MODEL}", env.get(ENV_MODEL))):
        if value:
            path = Path(value).expanduser()
            if not path.is_dir():
                raise ModelNotFoundError(f"{source} {value}: no such directory; {_NEXT_STEP}")
            missing = missing_files(path)
            if missing:
                raise ModelNotFoundError(
                    f"{source} {value} is not a usable Vosk model (missing {', '.join(missing)}); {_NEXT_STEP}"
                )
            return path
    places = [Path(p) for p in (env.get("VOSK_MODEL_PATH"), "/usr/share/vosk") if p]
    home = env.get("HOME")
    places.append((Path(home) if home else Path.home()) / ".cache" / "vosk")
    for place in places:
        if not place.is_dir():
            continue
        for candidate in sorted(place.glob("vosk-model-small-en-us*")):
            if candidate.is_dir() and not missing_files(candidate):
                return candidate
    searched = ", ".join(str(p) for p in places)
    raise ModelNotFoundError(f"no Vosk model found (looked in --model, ${ENV_MODEL}, {searched}); {_NEXT_STEP}")


def download_model(dest_dir: Path, progress: bool = True, url: str = MODEL_URL, timeout: float = 30.0) -> Path:
    """Download and unpack the small English model into `dest_dir`; return the model directory.

    The zip is checked (size, integrity, the files a model needs) before it replaces anything, so an
    interrupted or offline attempt leaves no half model behind. Raises ModelNotFoundError on failure.
    """
    dest_dir = Path(dest_dir).expanduser()
    target = dest_dir / MODEL_NAME
    if target.is_dir() and not missing_files(target):
        return target
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_dir, prefix=".download-") as tmp:
        archive = Path(tmp) / f"{MODEL_NAME}.zip"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, archive.open("wb") as out:
                total = int(response.headers.get("Content-Length") or 0)
                bar = _progress_bar(total, progress)
                while block := response.read(1 << 16):
                    out.write(block)
                    if bar is not None:
                        bar.update(len(block))
                if bar is not None:
                    bar.close()
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise ModelNotFoundError(
                f"could not download the Vosk model from {url} ({reason}); check the network connection and "
                f"run `voicecoach model download` again, or use `--asr pocketsphinx`, which needs no download"
            ) from e
        size = archive.stat().st_size
        if size < MODEL_MIN_BYTES or (total and size != total):
            raise ModelNotFoundError(
                f"the Vosk model download from {url} was cut short ({size} bytes); "
                "run `voicecoach model download` again"
            )
        try:
            with zipfile.ZipFile(archive) as z:
                bad = z.testzip()
                if bad is not None:
                    raise zipfile.BadZipFile(f"corrupt member {bad}")
                z.extractall(tmp)
        except zipfile.BadZipFile as e:
            raise ModelNotFoundError(
                f"the Vosk model download from {url} is damaged ({e}); run `voicecoach model download` again"
            ) from e
        unpacked = Path(tmp) / MODEL_NAME
        missing = missing_files(unpacked)
        if missing:
            raise ModelNotFoundError(
                f"the archive from {url} is not a usable Vosk model (missing {', '.join(missing)})"
            )
        if target.exists():
            shutil.rmtree(target)
        unpacked.replace(target)
    return target


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm  # a dependency of the CLI's download only

    return tqdm(total=total or None, unit="B", unit_scale=True, desc=MODEL_NAME)
