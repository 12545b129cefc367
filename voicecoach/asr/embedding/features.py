"""The embedding's pipeline, as openWakeWord 0.5.1's AudioFeatures._get_embeddings runs it, on onnxruntime."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from voicecoach.errors import VoicecoachError

RATE = 16000
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


class EmbeddingModelError(VoicecoachError):
    """The embedding's model files are missing or onnxruntime cannot load them."""


class SpeechEmbedding:
    """16 kHz int16 audio to a (frames, 96) float32 array, one row per 80 ms of audio after the first 0.76 s."""

    def __init__(self, models: Path = _HERE, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise EmbeddingModelError("onnxruntime is not installed: pip install onnxruntime") from None
        options = ort.SessionOptions()
        # One thread: the decoder thread shares a Pi's four cores with the echo canceller and the speaker.
        options.inter_op_num_threads = threads
        options.intra_op_num_threads = threads
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
        """The mel spectrogram, (frames, 32), scaled as openWakeWord does (x / 10 + 2) to match Google's model."""
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
        batch = np.stack([spec[i:i + WINDOW] for i in starts])[..., None].astype(np.float32)
        out = self._sessions["embedding_model"].run(None, {"input_1": batch})[0]
        return np.asarray(out, np.float32).reshape(len(starts), EMBEDDING_DIM)
