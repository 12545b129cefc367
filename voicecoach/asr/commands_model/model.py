"""The command model's weights and its forward pass in numpy: a window of embedding frames in, class scores out."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voicecoach.asr.embedding import EMBEDDING_DIM
from voicecoach.errors import VoicecoachError

MODEL_PATH = Path(__file__).resolve().parent / "command_model.npz"
WINDOW_FRAMES = 16
"""Embedding frames the model sees at once: 1.28 s of frames, about 2 s of audio, as openWakeWord's heads."""
NONE = "none"
"""The class of everything that is not a command."""
RETRAIN = "python -m voicecoach.asr.commands_model.train"
"""The command that trains the model again (README: what it needs and how long it takes)."""

Floats = npt.NDArray[np.float32]


class CommandModelError(VoicecoachError):
    """The command model's file is missing or malformed; the message names it and what to run."""


@dataclass(frozen=True)
class CommandModel:
    """A one-hidden-layer network over a flattened window of standardized embedding frames."""

    classes: tuple[str, ...]
    """Class names: Command.canonical of each command ("stop", "start bridge", "score 4"), and NONE."""
    phrases: frozenset[str]
    """The phrases the model was trained on: any other phrase is not the model's to judge."""
    mean: Floats
    scale: Floats
    w1: Floats
    b1: Floats
    w2: Floats
    b2: Floats
    veto: float
    """A PocketSphinx commit stands unless the model gives its command less than this probability."""
    alone: float
    """The model alone commits a command at this probability."""
    never_alone: frozenset[str] = frozenset()
    """Classes the model alone committed in the real talk it was trained beside, said apart (combined.fired_alone):
    it never commits them alone. Written by the training command; the shipped model's list is combined.NEVER_ALONE."""

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> CommandModel:
        """The model in `path` (an .npz written by the training command)."""
        try:
            with np.load(path, allow_pickle=False) as f:
                meta = json.loads(str(f["meta"]))
                w = {k: np.asarray(f[k], np.float32) for k in ("mean", "scale", "w1", "b1", "w2", "b2")}
                return cls(tuple(meta["classes"]), frozenset(meta["phrases"]), w["mean"], w["scale"], w["w1"],
                           w["b1"], w["w2"], w["b2"], float(meta["veto"]), float(meta["alone"]),
                           frozenset(meta.get("never_alone", ())))
        except (OSError, KeyError, ValueError, TypeError) as error:
            raise CommandModelError(f"{path}: cannot load the command model ({error}); train it again with "
                                    f"{RETRAIN}") from None

    def save(self, path: Path, extra: dict[str, object] | None = None) -> None:
        """Write the model as float16 weights and a JSON header (classes, phrases, thresholds, `extra`)."""
        meta = {"classes": list(self.classes), "phrases": sorted(self.phrases), "veto": self.veto,
                "alone": self.alone, "never_alone": sorted(self.never_alone), **(extra or {})}
        half = {k: np.asarray(getattr(self, k), np.float16) for k in ("w1", "b1", "w2", "b2")}
        np.savez_compressed(path, meta=np.array(json.dumps(meta)), mean=self.mean, scale=self.scale, w1=half["w1"],
                            b1=half["b1"], w2=half["w2"], b2=half["b2"])

    def probabilities(self, windows: Floats) -> Floats:
        """Class probabilities, (n, classes), of n windows of (WINDOW_FRAMES, EMBEDDING_DIM) embedding frames."""
        x = (windows.reshape(len(windows), WINDOW_FRAMES * EMBEDDING_DIM) - self.mean) / self.scale
        hidden = np.maximum(x @ self.w1 + self.b1, 0.0)
        logits = hidden @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        out: Floats = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        return out

    def unknown(self, phrases: Iterable[str]) -> list[str]:
        """The phrases among `phrases` the model was not trained on (a new exercise's "start NAME")."""
        return sorted(set(phrases) - self.phrases)


def windows(frames: Floats, step: int = 1) -> Floats:
    """Every run of WINDOW_FRAMES consecutive frames of a (n, 96) array, the first padded with its first frame."""
    if len(frames) < WINDOW_FRAMES:
        frames = np.concatenate([np.repeat(frames[:1], WINDOW_FRAMES - len(frames), axis=0), frames])
    idx = np.arange(0, len(frames) - WINDOW_FRAMES + 1, step)[:, None] + np.arange(WINDOW_FRAMES)
    out: Floats = frames[idx]
    return out


def label_of(meaning: object) -> str:
    """A command's class name: Command.canonical ("start bridge", "score 4"), NONE for anything else."""
    return str(getattr(meaning, "canonical", NONE))
