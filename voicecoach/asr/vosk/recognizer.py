"""Vosk command recognizer: a phrase-list grammar with [unk], whole-utterance match, early commit on stable partials."""

# Theory of operation
# -------------------
# Vosk (0.3.45) compiles the phrase list plus "[unk]" into a word graph; speech that is not a command
# can come out as [unk] instead of being forced onto one. Because the graph is a word bigram, a result
# can mix two phrases, so a result commits only if its whole text is exactly one phrase (no [unk], no
# extra words): the same whole-segment rule as the PocketSphinx adapter.
#   - Early: a partial result that is a terminal phrase (no longer phrase extends it) and stays the same
#     for `stable_blocks` blocks commits, then Reset() ends the utterance (the only safe moment).
#   - Otherwise: when Vosk ends the utterance on trailing silence (~0.5 s for the small model).
# Confidence is not used: in grammar mode wrong words come back with conf 1.0 (vosk-api #1339).

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

from voicecoach.asr.base import Detection
from voicecoach.asr.commit import match_segment, terminal_phrases
from voicecoach.asr.vocabulary import check_vocabulary, normalize_phrases, subset_of


def model_words(model_path: Path) -> frozenset[str]:
    """The words a Vosk model knows, from its graph/words.txt ("word id" per line)."""
    words_txt = Path(model_path) / "graph" / "words.txt"
    if not words_txt.is_file():
        from voicecoach.asr.base import ModelNotFoundError

        raise ModelNotFoundError(
            f"{model_path} has no graph/words.txt: it is not a grammar-capable Vosk model; "
            "use a small model such as vosk-model-small-en-us-0.15 (`voicecoach model download`)"
        )
    with words_txt.open(encoding="utf-8") as f:
        return frozenset(line.split(maxsplit=1)[0] for line in f if line.strip())


class VoskRecognizer:
    """Streaming command recognizer on a Vosk small model (the better recognizer when a model is present)."""

    def __init__(self, model_path: Path, phrases: Sequence[str], sample_rate: int, *,
                 model: Any = None, stable_blocks: int = 2, block_seconds: float = 0.1,
                 meaning: Mapping[str, Hashable] | None = None) -> None:
        import vosk  # imported here so the PocketSphinx path never pays for it

        self.sample_rate = sample_rate
        self._phrases = normalize_phrases(phrases)
        self._all = frozenset(self._phrases)
        self._allowed = self._restricted_to = self._listening = self._all
        self._terminal = terminal_phrases(self._phrases, meaning)
        known = model_words(Path(model_path))
        check_vocabulary(self._phrases, known.__contains__, f"Vosk model {Path(model_path).name}")
        vosk.SetLogLevel(-1)
        # One Model may be shared by several recognizers (one per thread); it is the 300 MB part.
        self._model = model if model is not None else vosk.Model(model_path=str(model_path))
        self._rec = vosk.KaldiRecognizer(self._model, sample_rate, json.dumps([*self._phrases, "[unk]"]))
        self._rec.SetWords(False)
        self._block = max(2, int(sample_rate * block_seconds) * 2)
        self._stable_blocks = stable_blocks
        self._buf = b""
        self._samples = 0
        self._last_partial = ""
        self._same = 0

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
        out += self._decide(json.loads(self._rec.FinalResult()).get("text", ""))
        self._reset()
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
        if self._rec.AcceptWaveform(block):
            out = self._decide(json.loads(self._rec.Result()).get("text", ""))
            self._last_partial, self._same = "", 0
            return out
        partial = json.loads(self._rec.PartialResult()).get("partial", "")
        self._same = self._same + 1 if partial and partial == self._last_partial else 0
        self._last_partial = partial
        phrase = match_segment(partial.split() and [partial], self._allowed)
        if phrase is not None and phrase in self._terminal and self._same >= self._stable_blocks:
            self._reset()
            return [self._detection(phrase)]
        return []

    def _decide(self, text: str) -> list[Detection]:
        phrase = match_segment([text] if text else [], self._allowed)
        return [self._detection(phrase)] if phrase is not None else []

    def _detection(self, phrase: str) -> Detection:
        return Detection(t=round(self._samples / self.sample_rate, 3), text=phrase)

    def _reset(self) -> None:
        self._rec.Reset()
        self._last_partial, self._same = "", 0
