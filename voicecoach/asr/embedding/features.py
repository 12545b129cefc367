"""The embedding's pipeline, as openWakeWord 0.5.1's AudioFeatures._get_embeddings runs it, on onnxruntime."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from voicecoach.errors import VoicecoachError

RATE = 16000
MEL_HOP = 160
"""Samples between two mel frames (10 ms)."""
MEL_SPAN = 512
"""Samples one mel frame sees."""
MEL_FLOOR = 8.0
"""The mel model floors every value of a clip at its loudest value less 80 dB: 8 once scaled as `mel` scales."""
WINDOW = 76
"""Mel frames (10 ms each) the embedding model sees at once."""
STRIDE = 8
"""Mel frames between two embeddings: one per 80 ms."""
EMBEDDING_DIM = 96
FRAME_S = STRIDE / 100
"""Seconds between two embeddings."""
WINDOW_S = 0.785
"""Seconds of audio the first embedding needs (76 mel frames)."""
MIN_SAMPLES = round(WINDOW_S * RATE)
_HERE = Path(__file__).resolve().parent
_LEVELS: dict[str, Callable[[Any], Any]] = {
    "disabled": lambda ort: ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    "basic": lambda ort: ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "extended": lambda ort: ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "all": lambda ort: ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}


class EmbeddingModelError(VoicecoachError):
    """The embedding's model files are missing or onnxruntime cannot load them."""


Optimization = Literal["disabled", "basic", "extended", "all"]


@dataclass(frozen=True)
class SessionSettings:
    """How onnxruntime runs the two models. The defaults are chosen for memory on a Pi; none of them changes the
    embedding's output (benchmarks/ENROLMENT.md, Memory)."""

    threads: int = 1
    """Threads per model, within and between operators: the decoder thread shares a Pi's four cores with the echo
    canceller and the speaker."""
    cpu_arena: bool = True
    """onnxruntime's arena keeps the buffers it grew for reuse: with one window per run they stay small, and
    turning it off saved nothing."""
    memory_pattern: bool = True
    """Plans one block per input shape and keeps it."""
    optimization: Optimization = "all"
    """Graph optimization level (a lower one changes the output)."""
    windows_per_run: int | None = 1
    """Windows the embedding model is given at once (None: all of a clip's). Its working memory grows with
    them, and one at a time costs no more CPU: every run then has the same shapes, and the memory is reused."""

    def __post_init__(self) -> None:
        if self.threads < 1:
            raise ValueError(f"threads must be 1 or more, not {self.threads}")
        if self.windows_per_run is not None and self.windows_per_run < 1:
            raise ValueError(f"windows_per_run must be 1 or more, or None, not {self.windows_per_run}")


class SpeechEmbedding:
    """16 kHz int16 audio to a (frames, 96) float32 array, one row per 80 ms of audio after the first 0.76 s."""

    def __init__(self, models: Path = _HERE, settings: SessionSettings | None = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise EmbeddingModelError("onnxruntime is not installed: pip install onnxruntime") from None
        self.settings = settings = settings or SessionSettings()
        options = ort.SessionOptions()
        options.inter_op_num_threads = settings.threads
        options.intra_op_num_threads = settings.threads
        options.enable_cpu_mem_arena = settings.cpu_arena
        options.enable_mem_pattern = settings.memory_pattern
        options.graph_optimization_level = _LEVELS[settings.optimization](ort)
        options.log_severity_level = 3
        self._sessions: dict[str, Any] = {}
        for name in ("melspectrogram", "embedding_model"):
            path = models / f"{name}.onnx"
            try:
                self._sessions[name] = ort.InferenceSession(str(path), sess_options=options,
                                                            providers=["CPUExecutionProvider"])
            except Exception as error:  # onnxruntime raises its own exception types for a missing or bad file
                raise EmbeddingModelError(f"{path}: cannot load the speech embedding ({error}); reinstall "
                                          "voicecoach") from None

    def mel(self, pcm: npt.NDArray[np.int16]) -> npt.NDArray[np.float32]:
        """The mel spectrogram, (frames, 32), scaled as openWakeWord does (x / 10 + 2) to match Google's model.
        Frame i sees samples 160 i to 160 i + 511 alone, except for the floor (MEL_FLOOR) the whole clip sets."""
        out = self._sessions["melspectrogram"].run(None, {"input": pcm.astype(np.float32)[None, :]})
        spec: npt.NDArray[np.float32] = np.squeeze(out[0]).astype(np.float32) / 10 + 2
        return spec.reshape(-1, 32)

    def embed(self, pcm: npt.NDArray[np.int16]) -> npt.NDArray[np.float32]:
        """Embeddings of the whole clip: windows of 76 mel frames every 8; empty (0, 96) if shorter than 0.785 s."""
        if len(pcm) < MIN_SAMPLES:
            return np.zeros((0, EMBEDDING_DIM), np.float32)
        spec = self.mel(pcm)
        starts = range(0, spec.shape[0] - WINDOW + 1, STRIDE)
        if not starts:
            return np.zeros((0, EMBEDDING_DIM), np.float32)
        return self.embed_windows(np.stack([spec[i:i + WINDOW] for i in starts]))

    def embed_windows(self, windows: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """One embedding, (n, 96), per window of WINDOW mel frames, (n, WINDOW, 32), as `mel` scales them."""
        batch = windows[..., None].astype(np.float32)
        step = self.settings.windows_per_run or len(batch)
        model = self._sessions["embedding_model"]
        out = [model.run(None, {"input_1": batch[at:at + step]})[0] for at in range(0, len(batch), step)]
        return np.concatenate(out).astype(np.float32).reshape(len(batch), EMBEDDING_DIM)


@functools.cache
def shared_embedding() -> SpeechEmbedding:
    """One SpeechEmbedding for the whole process, with the default settings: its two sessions are loaded once,
    however many parts of voicecoach embed audio (onnxruntime's run() may be called from several threads)."""
    return SpeechEmbedding()
