"""A trained command model: a small network over 16 frames of the speech embedding, one class per command."""

from voicecoach.asr.commands_model.model import MODEL_PATH, NONE, WINDOW_FRAMES, CommandModel, CommandModelError

__all__ = ["MODEL_PATH", "NONE", "WINDOW_FRAMES", "CommandModel", "CommandModelError"]
