"""Find a Vosk model directory (--model, $VOICECOACH_VOSK_MODEL, the usual places), check it, load it once, or
download the small one."""

from __future__ import annotations

import shutil
import tempfile
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from voicecoach.asr.base import ModelNotFoundError
from voicecoach.asr.vosk.graph import GraphFileError, check_lookahead_graph, output_words

MODEL_NAME = "vosk-model-small-en-us-0.15"
MODEL_URL = f"https://alphacephei.com/vosk/models/{MODEL_NAME}.zip"
# Size of the zip on alphacephei.com (about 40 MB); a download that ends short of it was cut off.
MODEL_MIN_BYTES = 30_000_000
# Files a usable grammar-capable model has (HCLr.fst/Gr.fst: only those models honour a phrase list): those of
# vosk-model-small-en-us-0.15 but its README. The small models have no graph/words.txt: Vosk reads the words
# from Gr.fst (graph.py).
REQUIRED_FILES = (
    "am/final.mdl", "conf/mfcc.conf", "conf/model.conf", "graph/Gr.fst", "graph/HCLr.fst",
    "graph/disambig_tid.int", "graph/phones/word_boundary.int", "ivector/final.dubm", "ivector/final.ie",
    "ivector/final.mat", "ivector/global_cmvn.stats", "ivector/online_cmvn.conf", "ivector/splice.conf",
)
ENV_MODEL = "VOICECOACH_VOSK_MODEL"

_NEXT_STEP = (
    "run `voicecoach model download` to fetch the small English model (about 40 MB), "
    f"or pass --model PATH or set ${ENV_MODEL} to a Vosk model directory, "
    "or use the bundled recognizer with `--asr pocketsphinx`"
)

_DAMAGED = ("download it again (`voicecoach model download` for the small English one), or use the bundled "
            "recognizer with `--asr pocketsphinx`")
# Within one process: each model loaded once (load_model), its word list read once (model_words).
_loaded: dict[Path, Any] = {}
_loading = threading.Lock()
_words: dict[tuple[Path, int, int], tuple[str, ...] | None] = {}


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


def model_words(model_dir: Path) -> tuple[str, ...]:
    """The words a Vosk model can hear, in the model's own order, where Vosk takes them (vosk-api model.cc): the
    output symbol table of graph/Gr.fst, else graph/words.txt ("word id" a line). Raises ModelNotFoundError
    naming the file when neither can be read, or Gr.fst is damaged."""
    model_dir = Path(model_dir)
    gr_fst = model_dir / "graph" / "Gr.fst"
    try:
        stat = gr_fst.stat()
        key = (gr_fst.resolve(), stat.st_size, stat.st_mtime_ns)
        if key not in _words:  # a recognizer per file (`voicecoach recognize`) reads it once
            _words.clear()
            _words[key] = output_words(gr_fst)
        words = _words[key]
    except FileNotFoundError:
        words = None
    except (GraphFileError, OSError) as error:
        raise ModelNotFoundError(f"the Vosk model in {model_dir} is damaged: {error}; {_DAMAGED}") from None
    if words is not None:
        return words
    words_txt = model_dir / "graph" / "words.txt"
    try:
        with words_txt.open(encoding="utf-8") as f:
            return tuple(line.split(maxsplit=1)[0] for line in f if line.strip())
    except (OSError, UnicodeDecodeError, IndexError):
        raise ModelNotFoundError(f"{model_dir} has no word list (neither in graph/Gr.fst nor in graph/words.txt): "
                                 f"it is not a grammar-capable Vosk model; {_NEXT_STEP}") from None


def check_model(model_dir: Path, with_tables: bool = False) -> None:
    """Raise ModelNotFoundError, naming the file, if the model lacks a file or its HCLr.fst is cut short: checked
    because Vosk does not, and crashes (segfault) on a cut HCLr.fst or silently hears nothing. `with_tables` also
    walks HCLr.fst's lookahead tables (graph.check_lookahead_graph), which takes a few tenths of a second."""
    missing = missing_files(Path(model_dir))
    if missing:
        raise ModelNotFoundError(f"{model_dir} is not a usable Vosk model (missing {', '.join(missing)}); "
                                 f"{_NEXT_STEP}")
    try:
        check_lookahead_graph(Path(model_dir) / "graph" / "HCLr.fst", with_tables=with_tables)
    except (GraphFileError, OSError) as error:
        raise ModelNotFoundError(f"the Vosk model in {model_dir} is damaged: {error}; {_DAMAGED}") from None


def load_model(model_dir: Path) -> Any:
    """The vosk.Model of `model_dir`, loaded once per process and shared (it is the part that takes hundreds of
    MB; each recognizer on it is small). Checks the files Vosk would crash on first; any failure inside Vosk
    becomes a ModelNotFoundError with one line that names the model and the next step."""
    key = Path(model_dir).resolve()
    with _loading:
        if key not in _loaded:
            check_model(Path(model_dir))
            import vosk  # imported here so the PocketSphinx path never pays for it

            vosk.SetLogLevel(-1)
            # The lookahead tables are walked while Vosk loads (it releases the GIL), so the check adds
            # little to start-up; no recognizer is made on the model before the walk has passed.
            tables: list[ModelNotFoundError] = []
            walk = threading.Thread(target=_check_tables, args=(Path(model_dir), tables), daemon=True)
            walk.start()
            try:
                model = vosk.Model(model_path=str(key))
            except Exception as error:  # vosk raises a bare Exception("Failed to create a model")
                walk.join()
                raise (tables[0] if tables else ModelNotFoundError(
                    f"Vosk could not load the model in {model_dir} ({error}): one of its files is damaged or of "
                    f"another Vosk version; {_DAMAGED}")) from None
            walk.join()
            if tables:
                raise tables[0]
            _loaded[key] = model
        return _loaded[key]


def _check_tables(model_dir: Path, errors: list[ModelNotFoundError]) -> None:
    try:
        check_model(model_dir, with_tables=True)
    except ModelNotFoundError as error:
        errors.append(error)


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
