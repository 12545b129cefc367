"""Vosk command recognizer: phrase list plus decoys, whole-utterance match, early commit on stable partials."""

# Theory of operation
# -------------------
# Vosk (0.3.45) compiles the phrase list into a word bigram; with it go decoy words from the model's own
# vocabulary and the model's unknown-word symbol, if it has one (rejection.py), so that speech which is not a
# command has somewhere else to go. Because the graph is a bigram, a result can mix phrases and decoys, so a
# result commits only if its whole text is exactly one phrase: the same whole-segment rule as the PocketSphinx
# adapter.
#   - Early: a partial result that is a terminal phrase (no longer phrase extends it), unchanged since the
#     block before, once the audio has been quiet for `quiet_seconds` (30 dB below the utterance's loudest
#     10 ms): the speaker has stopped, so the phrase is the whole segment so far. Vosk goes on decoding that
#     utterance until its own end, and that result is dropped. (Reset() instead would decode the word's tail
#     again as a second command.) Without the quiet, a partial that stands still for a moment in the middle
#     of a sentence would commit.
#   - Otherwise: when Vosk ends the utterance on trailing silence (~0.5 s for the small models).
# Confidence is not used: in grammar mode wrong words come back with conf 1.0 (vosk-api #1339).

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.asr.base import Detection
from voicecoach.asr.commit import match_segment, terminal_phrases
from voicecoach.asr.vocabulary import check_vocabulary, normalize_phrases, subset_of
from voicecoach.asr.vosk.model import check_model, load_model, model_words
from voicecoach.asr.vosk.rejection import DEFAULT, Rejection, decoy_words, grammar_list
from voicecoach.errors import VoicecoachError


class VoskFailed(VoicecoachError):
    """Vosk itself failed while decoding; the message says so in one line."""

    exit_code = 1


class VoskRecognizer:
    """Streaming command recognizer on a Vosk small model (one whose graph takes a phrase list: Gr.fst + HCLr.fst)."""

    def __init__(self, model_path: Path, phrases: Sequence[str], sample_rate: int, *,
                 model: Any = None, stable_blocks: int = 1, block_seconds: float = 0.1,
                 quiet_seconds: float = 0.15,
                 meaning: Mapping[str, Hashable] | None = None, rejection: Rejection = DEFAULT) -> None:
        import vosk

        self.sample_rate = sample_rate
        self._phrases = normalize_phrases(phrases)
        self._all = frozenset(self._phrases)
        self._allowed = self._restricted_to = self._listening = self._all
        self._terminal = terminal_phrases(self._phrases, meaning)
        check_model(Path(model_path))  # first: a missing or cut file is the thing to fix, whatever the phrases
        words = model_words(Path(model_path))
        known = frozenset(words)
        check_vocabulary(self._phrases, known.__contains__, f"Vosk model {model_path}")
        self.decoys = decoy_words(words, self._phrases, rejection)
        # One Model may be shared by several recognizers (one per thread); load_model shares it within a process.
        self._model = model if model is not None else load_model(Path(model_path))
        # ensure_ascii=False: Vosk's JSON reader takes \\uXXXX escapes literally, dropping every non-ASCII word.
        grammar = grammar_list(self._phrases, known, self.decoys, rejection.command_weight)
        try:
            self._rec = vosk.KaldiRecognizer(self._model, sample_rate, json.dumps(grammar, ensure_ascii=False))
        except Exception as error:  # vosk raises a bare Exception("Failed to create a recognizer")
            raise VoskFailed(f"Vosk could not make a recognizer on the model in {model_path} ({error}); "
                             "use `--asr pocketsphinx`") from None
        self._rec.SetWords(False)
        self._block = max(2, int(sample_rate * block_seconds) * 2)
        self._stable_blocks = stable_blocks
        self._frame = max(1, sample_rate // 100)
        self._quiet_needed = max(1, round(quiet_seconds * 100))
        self._buf = b""
        self._samples = 0
        self._last_partial = ""
        self._same = 0
        self._peak = 0.0  # loudest 10 ms frame of the utterance (mean square)
        self._quiet_run = 0  # 10 ms frames at least 30 dB below it, at the end of the audio so far
        self._committed = False  # an early commit was made in the utterance Vosk is still decoding

    def accept(self, pcm: bytes) -> list[Detection]:
        """Feed 16-bit mono PCM of any length; return the commands committed within it."""
        self._buf += pcm
        out: list[Detection] = []
        while len(self._buf) >= self._block:
            block, self._buf = self._buf[: self._block], self._buf[self._block :]
            out += self._feed(block)
        return out

    def flush(self) -> list[Detection]:
        """End of stream: decide the utterance in progress, if any."""
        out: list[Detection] = []
        if self._buf:
            out += self._feed(self._buf)
            self._buf = b""
        text = self._text(self._vosk("FinalResult"), "text")
        if not self._committed:
            out += self._decide(text)
        self._vosk("Reset")
        self._end_utterance()
        return out

    def restrict(self, phrases: frozenset[str] | None) -> None:
        """While the coach speaks only `phrases` may commit (the grammar itself stays: changing it mid-utterance
        can abort Vosk 0.3.45)."""
        self._restricted_to = self._all if phrases is None else subset_of(self._all, phrases, "restrict")
        self._allowed = self._restricted_to & self._listening

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        """Only `phrases` (the coach's state's) may commit; None: all. A filter, like restrict() and for the same
        reason, so unlike PocketSphinx's narrowed search a phrase left out may still win and be dropped."""
        self._listening = self._all if phrases is None else subset_of(self._all, phrases, "listen_for")
        self._allowed = self._restricted_to & self._listening

    def _feed(self, block: bytes) -> list[Detection]:
        self._samples += len(block) // 2
        self._listen_to_level(block)
        if self._vosk("AcceptWaveform", block):
            text = self._text(self._vosk("Result"), "text")
            out = [] if self._committed else self._decide(text)
            self._end_utterance()
            return out
        if self._committed:
            return []
        partial = self._text(self._vosk("PartialResult"), "partial")
        self._same = self._same + 1 if partial and partial == self._last_partial else 0
        self._last_partial = partial
        phrase = match_segment(partial.split() and [partial], self._allowed)
        if (phrase is not None and phrase in self._terminal and self._same >= self._stable_blocks
                and self._quiet_run >= self._quiet_needed):
            self._committed = True
            return [self._detection(phrase)]
        return []

    def _listen_to_level(self, block: bytes) -> None:
        x = np.frombuffer(block[: len(block) // 2 * 2], dtype="<i2").astype(np.float64)
        n = len(x) // self._frame
        if n == 0:
            return
        power = (x[: n * self._frame].reshape(n, self._frame) ** 2).mean(axis=1)
        for p in power:
            self._peak = max(self._peak, float(p))
            quiet = p * 1000.0 <= self._peak or p < 1.0  # 30 dB below the loudest, or digital silence
            self._quiet_run = self._quiet_run + 1 if quiet else 0

    def _vosk(self, method: str, *args: Any) -> Any:
        """Call the Vosk recognizer; its failures (a bare Exception from the binding) become one clear line."""
        try:
            return getattr(self._rec, method)(*args)
        except Exception as error:
            raise VoskFailed(f"Vosk failed while decoding ({method}: {error}); restart voicecoach, or use "
                             "`--asr pocketsphinx`") from None

    @staticmethod
    def _text(result: str, key: str) -> str:
        return str(json.loads(result).get(key, ""))

    def _decide(self, text: str) -> list[Detection]:
        phrase = match_segment([text] if text else [], self._allowed)
        return [self._detection(phrase)] if phrase is not None else []

    def _detection(self, phrase: str) -> Detection:
        return Detection(t=round(self._samples / self.sample_rate, 3), text=phrase)

    def _end_utterance(self) -> None:
        self._last_partial, self._same, self._peak, self._committed = "", 0, 0.0, False
