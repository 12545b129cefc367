"""Speech recognition adapters: stream PCM in, committed command phrases out."""

from voicecoach.asr.base import Detection, ModelNotFoundError, Recognizer, VocabularyError

__all__ = ["Detection", "ModelNotFoundError", "Recognizer", "VocabularyError"]
