"""The PocketSphinx recognizer: its bundled US English model, decoys and segmentation."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voicecoach.asr.pocketsphinx.recognizer import PocketSphinxRecognizer
    from voicecoach.asr.pocketsphinx.settings import SENSITIVITY_WEIGHTS, SphinxSettings

__all__ = ["SENSITIVITY_WEIGHTS", "PocketSphinxRecognizer", "SphinxSettings"]

# Each loaded on first use: importing one module of the package (the lexicon cache in the benchmark's start-up
# probe, say) must not load the recognizer, PocketSphinx and the noise suppressor with it.
_MODULE = {"PocketSphinxRecognizer": "recognizer", "SphinxSettings": "settings", "SENSITIVITY_WEIGHTS": "settings"}


def __getattr__(name: str) -> object:
    if name not in _MODULE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULE[name]}"), name)
