"""The PocketSphinx recognizer: its bundled US English model, decoys and segmentation."""

from voicecoach.asr.pocketsphinx.recognizer import PocketSphinxRecognizer
from voicecoach.asr.pocketsphinx.settings import SENSITIVITY_WEIGHTS, SphinxSettings

__all__ = ["SENSITIVITY_WEIGHTS", "PocketSphinxRecognizer", "SphinxSettings"]
