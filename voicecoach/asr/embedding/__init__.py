"""Google's speech embedding (Apache-2.0) as openWakeWord computes it: 16 kHz audio in, 96 numbers per 80 ms out."""

from voicecoach.asr.embedding.features import (
    EMBEDDING_DIM,
    FRAME_S,
    WINDOW_S,
    SessionSettings,
    SpeechEmbedding,
    shared_embedding,
)

__all__ = ["EMBEDDING_DIM", "FRAME_S", "WINDOW_S", "SessionSettings", "SpeechEmbedding", "shared_embedding"]
