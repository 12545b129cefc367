"""Whether a Vosk model fits in the memory this machine has free: /proc/meminfo's MemAvailable against an estimate."""

from __future__ import annotations

from pathlib import Path

from voicecoach.asr.base import ModelNotFoundError

MEMINFO = Path("/proc/meminfo")
# How much resident memory a model takes, from its files: on the Korean small model (264 MB in am/, graph/ and
# ivector/) loading added 509 MB to the process (benchmarks/VOSK-KOREAN.md): Kaldi expands the lookahead tables
# and the i-vector extractor as it reads them. One model measured; the factor is rounded up.
MODEL_FACTOR = 2.0
# The rest of the coach beside the model: Python, numpy, the audio and speech libraries, decoding buffers.
OVERHEAD_MB = 100
_MODEL_PARTS = ("am", "graph", "ivector")


class ModelTooLarge(ModelNotFoundError):
    """The model would not fit in the memory available; `auto` then uses PocketSphinx."""


def model_files_mb(model_dir: Path) -> float:
    """Size in MB of what Vosk loads: the files under am/, graph/ and ivector/."""
    total = sum(f.stat().st_size for part in _MODEL_PARTS for f in (Path(model_dir) / part).rglob("*") if f.is_file())
    return total / 1e6


def needed_mb(model_dir: Path) -> float:
    """Estimated resident memory of the coach listening with this model."""
    return model_files_mb(model_dir) * MODEL_FACTOR + OVERHEAD_MB


def available_mb(meminfo: Path = MEMINFO) -> float | None:
    """MemAvailable in MB (what can be had without swapping), or None where the kernel does not say."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_fits(model_dir: Path, meminfo: Path | None = None) -> None:
    """Raise ModelTooLarge, saying how much is needed and free, if the model would not fit; where the free memory
    cannot be read, assume it fits."""
    free = available_mb(MEMINFO if meminfo is None else meminfo)
    need = needed_mb(model_dir)
    if free is not None and need > free:
        raise ModelTooLarge(f"the Vosk model in {model_dir} needs about {need:.0f} MB of memory and "
                            f"{free:.0f} MB are available (MemAvailable in /proc/meminfo); pass --asr vosk "
                            "to use it anyway")
