"""The approaches compared: voicecoach as shipped, and two plain PocketSphinx baselines as Recognizers."""

from __future__ import annotations

import os
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pocketsphinx

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.core.grammar import normalize
from voicecoach.testing.korean import korean_model

RATE = 16000
# The same faint noise floor the shipped recognizer adds before decoding: on digital silence
# PocketSphinx's live cepstral mean normalization collapses, which would be unfair to the baselines.
DITHER_RMS = 100.0
# Like the shipped recognizer's max_segment: in babble the Endpointer may never hear silence, so a segment is
# cut after this long (nobody says a command that long) rather than growing without bound.
MAX_SEGMENT_S = 12.0
VOSK_NOT_MEASURED = "not measured here: no English Vosk model can be obtained on this machine"


class SegmentRecognizer:
    """Endpointer segments decoded whole and committed at end of speech; subclasses pick the decoder."""

    def __init__(self, phrases: Sequence[str], decoder: pocketsphinx.Decoder, sample_rate: int = RATE) -> None:
        if sample_rate != RATE:
            raise ValueError("the baselines take 16 kHz audio only")
        self.sample_rate = sample_rate
        self._phrases = frozenset(normalize(p) for p in phrases)
        self._allowed = self._phrases
        self._decoder = decoder
        self._ep = pocketsphinx.Endpointer(vad_mode=3)
        self._frame_bytes = self._ep.frame_bytes
        self._buf = b""
        self._frames = 0
        self._utt_frames = 0
        self._in_utt = False
        self._rng = np.random.default_rng(0)

    def accept(self, pcm: bytes) -> list[Detection]:
        """Feed 16-bit mono PCM of any length; return the commands committed within it."""
        self._buf += pcm
        out: list[Detection] = []
        fb = self._frame_bytes
        n = len(self._buf) // fb
        for i in range(n):
            self._frames += 1
            was_in_speech = self._ep.in_speech
            speech = self._ep.process(self._buf[i * fb : (i + 1) * fb])
            if speech is None:
                continue
            if not was_in_speech or not self._in_utt:
                self._decoder.start_utt()
                self._in_utt, self._utt_frames = True, 0
            self._decoder.process_raw(self._dither(speech), False, False)
            self._utt_frames += len(speech) // fb
            if not self._ep.in_speech or self._utt_frames * self._ep.frame_length > MAX_SEGMENT_S:
                out += self._end()
        self._buf = self._buf[n * fb :]
        return out

    def flush(self) -> list[Detection]:
        """End of stream: decide the segment in progress, if any."""
        out: list[Detection] = []
        if self._ep.in_speech:
            rest = self._ep.end_stream(self._buf[: self._frame_bytes])
            if rest and self._in_utt:
                self._decoder.process_raw(self._dither(rest), False, False)
        if self._in_utt:
            out = self._end()
        self._buf = b""
        self._ep = pocketsphinx.Endpointer(vad_mode=3)
        return out

    def restrict(self, phrases: frozenset[str] | None) -> None:
        """Only `phrases` may commit (None: all); the baselines have no barge-in logic beyond this filter."""
        self._allowed = self._phrases if phrases is None else frozenset(normalize(p) for p in phrases)

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        """Ignored: the baselines are what a developer would try first, one grammar whatever the coach's state."""

    def _dither(self, pcm: bytes) -> bytes:
        x = np.frombuffer(pcm, dtype="<i2").astype(np.float64) + self._rng.normal(0.0, DITHER_RMS, len(pcm) // 2)
        return np.clip(x, -32768, 32767).astype("<i2").tobytes()

    def _end(self) -> list[Detection]:
        self._decoder.end_utt()
        self._in_utt = False
        hyp = self._decoder.hyp()
        text = normalize(hyp.hypstr) if hyp is not None else ""
        t = round(self._frames * self._ep.frame_length, 3)
        return [Detection(t, text)] if text in self._allowed else []


class GrammarOnlyRecognizer(SegmentRecognizer):
    """Baseline: a plain JSGF grammar of the command phrases, no decoys, no rejection."""

    def __init__(self, phrases: Sequence[str], sample_rate: int = RATE) -> None:
        decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
        alternatives = " | ".join(sorted({normalize(p) for p in phrases}))
        decoder.add_jsgf_string("commands", f"#JSGF V1.0;\ngrammar commands;\npublic <command> = {alternatives};\n")
        decoder.activate_search("commands")
        super().__init__(phrases, decoder, sample_rate)


class OpenVocabularyRecognizer(SegmentRecognizer):
    """Baseline: PocketSphinx's full bundled language model; a segment commits if its text is exactly a command."""

    def __init__(self, phrases: Sequence[str], sample_rate: int = RATE) -> None:
        super().__init__(phrases, pocketsphinx.Decoder(loglevel="FATAL"), sample_rate)


@dataclass(frozen=True)
class Approach:
    """One row of the comparison: a name, how to build its recognizer, or why it was skipped."""

    key: str
    title: str
    kind: str  # shipped-pocketsphinx | shipped-vosk | grammar-only | open-vocabulary | command-model
    model: str | None = None
    skipped: str | None = None
    command_weight: float = 1.0
    """The shipped PocketSphinx recognizer's SphinxSettings.command_weight: 1 as shipped (benchmarks/tradeoff.py)."""
    sphinx: tuple[tuple[str, Any], ...] = ()
    """SphinxSettings fields of the shipped PocketSphinx recognizer set otherwise, as (name, value) pairs."""
    second_opinion: bool = True
    """The shipped PocketSphinx recognizer asks the trained command model (SecondOpinion), as it does by default."""
    confirm: float | None = None
    """With the second opinion, the probability it must give a tentative commit (SecondOpinion's `confirm`;
    None: as shipped)."""
    veto: float | None = None
    """With the second opinion, the probability below which it vetoes a commit (None: the model's own)."""
    command_model: str | None = None
    """With the second opinion, the command model file to load (None: the one that ships)."""
    never_alone: bool = True
    """With the second opinion, the command model's never_alone holds back its own commits of those phrases (False:
    every phrase may commit alone, as under the model shipped before its training chose a never_alone)."""
    hold_back: tuple[str, ...] = ()
    """With the second opinion, commands (Command.canonical) the model alone never commits, beside its never_alone."""
    alone_frames: int | None = None
    """With the second opinion, the windows in a row the model alone must be sure of a command in (None: as
    shipped, combined.ALONE_FRAMES)."""
    model_alone: bool = True
    """With the second opinion, the command model also commits commands said on their own (Combined), as shipped
    before the stock takes."""
    stock: bool = False
    """With the second opinion, the stock takes vote beside it (voicecoach.runtime.recognizers.with_stock_takes)."""
    stock_grace: float = 0.5
    """Seconds after the speech a stock vote commits unless the general recognizer has."""
    stock_alone: bool = True
    """The model's own commits stay beside the stock takes."""
    stock_talk: float | None = None
    """Beside the stock takes, a general commit in a segment this much longer than its command's takes is dropped."""
    costs_only: str | None = None
    """Why recognition is not measured: only memory, start-up, RTF and latency are (on the Korean Vosk model)."""

    def build(self, phrases: Sequence[str], meaning: Mapping[str, Hashable] | None = None) -> Recognizer:
        """A fresh recognizer of this approach (`meaning`: Grammar.table, which the shipped ones use)."""
        if self.kind == "shipped-pocketsphinx":
            from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
            from voicecoach.asr.pocketsphinx.settings import listening_settings

            settings = listening_settings(self.command_weight, self.second_opinion and meaning is not None,
                                          **dict(self.sphinx))
            sphinx = PocketSphinxRecognizer(phrases, RATE, settings=settings, meaning=meaning)
            if not self.second_opinion or meaning is None:
                return sphinx
            from pathlib import Path

            from voicecoach.asr.commands_model import CommandModel
            from voicecoach.asr.commands_model.combined import ALONE_FRAMES, with_command_model
            from voicecoach.asr.commands_model.recognizer import CONFIRM_P

            path = self.command_model
            model = CommandModel.load() if path is None else CommandModel.load(Path(path))
            if not self.never_alone or self.hold_back:
                from dataclasses import replace

                kept = model.never_alone if self.never_alone else frozenset()
                model = replace(model, never_alone=kept | frozenset(self.hold_back))
            general = with_command_model(sphinx, phrases, meaning, model, alone=self.model_alone,
                                         confirm=CONFIRM_P if self.confirm is None else self.confirm, veto=self.veto,
                                         alone_frames=self.alone_frames or ALONE_FRAMES)
            if not self.stock:
                return general
            from voicecoach.runtime.recognizers import with_stock_takes

            return with_stock_takes(general, frozenset(phrases), meaning, self.stock_grace, self.stock_alone,
                                    self.stock_talk)
        if self.kind == "shipped-vosk":
            from pathlib import Path

            from voicecoach.asr.vosk.recognizer import VoskRecognizer

            assert self.model is not None
            return VoskRecognizer(Path(self.model), phrases, RATE, meaning=meaning)
        if self.kind == "command-model":
            from pathlib import Path

            from voicecoach.asr.commands_model import CommandModel
            from voicecoach.asr.commands_model.combined import ALONE_FRAMES, ALONE_P, NEVER_ALONE
            from voicecoach.asr.commands_model.recognizer import CommandModelRecognizer

            assert self.model is not None and meaning is not None
            return CommandModelRecognizer(phrases, meaning, CommandModel.load(Path(self.model)), threshold=ALONE_P,
                                          consecutive=ALONE_FRAMES, never=NEVER_ALONE)
        if self.kind == "grammar-only":
            return GrammarOnlyRecognizer(phrases)
        if self.kind == "open-vocabulary":
            return OpenVocabularyRecognizer(phrases)
        raise ValueError(f"unknown approach kind {self.kind!r}")


def approaches(env: dict[str, str] | None = None) -> list[Approach]:
    """Every approach of the comparison; Vosk is listed as skipped unless $VOICECOACH_VOSK_MODEL is usable."""
    env = dict(os.environ) if env is None else env
    rows = [Approach("voicecoach", "voicecoach as shipped (PocketSphinx)", "shipped-pocketsphinx")]
    model = env.get("VOICECOACH_VOSK_MODEL")
    korean = korean_model()
    if not model and korean is not None:
        rows.append(Approach("voicecoach-vosk", "voicecoach as shipped (Vosk; costs on the Korean small model)",
                             "shipped-vosk", str(korean), costs_only=VOSK_NOT_MEASURED))
    elif not model:
        rows.append(Approach("voicecoach-vosk", "voicecoach as shipped (Vosk)", "shipped-vosk",
                             skipped="$VOICECOACH_VOSK_MODEL is not set (no Vosk model on this machine)"))
    else:
        from pathlib import Path

        from voicecoach.asr.vosk.model import missing_files

        missing = missing_files(Path(model)) if Path(model).is_dir() else ["the directory itself"]
        rows.append(Approach("voicecoach-vosk", "voicecoach as shipped (Vosk)", "shipped-vosk", model,
                             skipped=f"{model} lacks {', '.join(missing)}" if missing else None))
    rows.append(Approach("grammar-only", "grammar only (plain JSGF, no rejection)", "grammar-only"))
    rows.append(Approach("open-vocabulary", "open vocabulary (full LM + exact match)", "open-vocabulary"))
    return rows
