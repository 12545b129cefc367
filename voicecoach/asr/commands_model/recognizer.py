"""The command model as a Recognizer: alone (it commits what it hears), or as a second opinion on another one."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.asr.commands_model.model import WINDOW_FRAMES, CommandModel, label_of, windows
from voicecoach.asr.commands_model.stream import HOP, AudioRing, dither
from voicecoach.asr.embedding import SpeechEmbedding, shared_embedding
from voicecoach.asr.embedding.features import MIN_SAMPLES
from voicecoach.asr.embedding.streaming import StreamingEmbedding
from voicecoach.core.grammar import normalize

RATE = 16000
HOLD_OFF_S = 1.5
"""After a commit the model alone stays quiet this long: one command is heard once."""
SURE_KEPT_S = 4.0
"""How long the model alone remembers the windows it was sure of (latest_sure)."""
LOOK_BACK = 10
"""Windows a second opinion scores, ending up to 0.72 s before the commit: the command ended in there."""
CONTEXT = MIN_SAMPLES + (WINDOW_FRAMES + LOOK_BACK - 2) * HOP
"""Samples of audio, ending at the commit, that a second opinion embeds."""
CLIP_FRAMES = WINDOW_FRAMES + LOOK_BACK - 1
"""The model alone scores each window as embedding the clip this long (CONTEXT samples) that it ends gives it, as a
second opinion does."""


def phrase_classes(phrases: Sequence[str], meaning: Mapping[str, Hashable]) -> dict[str, str]:
    """Each phrase's class name (Command.canonical of what it means)."""
    return {normalize(p): label_of(meaning.get(p, meaning.get(normalize(p)))) for p in phrases}


def agreement(model: CommandModel, embedding: SpeechEmbedding, audio: npt.NDArray[np.int16], name: str) -> float:
    """The model's highest probability of class `name` over the windows ending in the last 0.72 s of `audio`
    (the audio up to a commit: CONTEXT samples, fewer at the stream's start, where it is 1: no opinion)."""
    embedded = embedding.embed(dither(audio))
    if len(embedded) < WINDOW_FRAMES:
        return 1.0
    wins = windows(embedded)[-LOOK_BACK:]
    return float(model.probabilities(wins)[:, model.classes.index(name)].max())


class CommandModelRecognizer:
    """The model alone: it embeds the stream as it comes (StreamingEmbedding), scores the window ending with each
    new embedding frame and commits a command it is sure of (`threshold`, default the model's own) in `consecutive`
    windows in a row; never one of the commands in `never` (Command.canonical)."""

    def __init__(self, phrases: Sequence[str], meaning: Mapping[str, Hashable], model: CommandModel,
                 sample_rate: int = RATE, embedding: SpeechEmbedding | None = None, threshold: float | None = None,
                 consecutive: int = 1, never: frozenset[str] = frozenset()) -> None:
        if sample_rate != RATE:
            raise ValueError("the command model takes 16 kHz audio only")
        self.sample_rate = sample_rate
        self._model = model
        self._threshold = model.alone if threshold is None else threshold
        self._consecutive = consecutive
        self._stream = StreamingEmbedding(embedding or shared_embedding(), clip=CLIP_FRAMES, window=WINDOW_FRAMES)
        self._class_of = phrase_classes(phrases, meaning)
        self._all = frozenset(p for p, name in self._class_of.items() if name not in never)
        self._listening = self._restricted = self._all
        self._received = 0
        self._quiet_until = 0.0
        self._run: tuple[str | None, int] = (None, 0)  # the phrase the last windows were sure of, and how many
        self._sure: deque[tuple[float, str]] = deque()  # (time, phrase) of the recent windows sure of a phrase

    def accept(self, pcm: bytes) -> list[Detection]:
        x = np.frombuffer(pcm, dtype="<i2").astype(np.int16)
        new = self._stream.add(dither(x, self._received))  # seeded by the chunk's first sample, as AudioRing does
        self._received += len(x)
        whole = new.index >= WINDOW_FRAMES - 1  # no padded window: the stream's first 2 s are not scored
        if not whole.any():
            return []
        p = self._model.probabilities(new.windows[whole])
        out = []
        for row, end in zip(p, new.end[whole], strict=True):
            t = int(end) / RATE
            phrase = self._best(row)
            self._run = (phrase, self._run[1] + 1 if phrase and phrase == self._run[0] else 1)
            if phrase:
                self._sure.append((t, phrase))
            if phrase and self._run[1] >= self._consecutive and t >= self._quiet_until:
                out.append(Detection(round(t, 3), phrase))
                self._quiet_until = t + HOLD_OFF_S
        while self._sure and self._sure[0][0] < self._received / RATE - SURE_KEPT_S:
            self._sure.popleft()
        return out

    def latest_sure(self, since: float) -> str | None:
        """The phrase of the latest window since `since` (seconds) that was sure of one: the most of a command the
        model has heard. Said after a pause, a command's first syllable alone can make it sure of another one."""
        return next((phrase for t, phrase in reversed(self._sure) if t >= since), None)

    def _best(self, p: npt.NDArray[np.float32]) -> str | None:
        """The phrase of the likeliest command at or over the threshold that may commit now, if any."""
        allowed = self._listening & self._restricted
        for i in np.argsort(-p):
            name = self._model.classes[int(i)]
            if p[i] < self._threshold:
                return None
            found = next((ph for ph in sorted(allowed) if self._class_of[ph] == name), None)
            if found:
                return found
        return None

    def flush(self) -> list[Detection]:
        return []

    def restrict(self, phrases: frozenset[str] | None) -> None:
        self._restricted = self._all if phrases is None else self._all & {normalize(p) for p in phrases}

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        self._listening = self._all if phrases is None else self._all & {normalize(p) for p in phrases}


VETOED_KEPT = 50
"""How many vetoed commits a SecondOpinion remembers."""


class SecondOpinion:
    """Another recognizer's commits stand unless the model, on the audio that ended with the command, gives that
    command less than its veto probability. Phrases the model was not trained on stand on the first opinion, and
    so does every commit while the recognizer is restricted (the coach speaking): the model never heard commands
    over the coach's voice, and vetoed 8 of the 13 a person's stop, wait or it hurts over it that PocketSphinx
    heard (benchmarks/COMMAND_MODEL.md). The restriction itself keeps the coach's own words out."""

    def __init__(self, first: Recognizer, phrases: Sequence[str], meaning: Mapping[str, Hashable],
                 model: CommandModel, embedding: SpeechEmbedding | None = None) -> None:
        self.sample_rate = first.sample_rate
        self.first = first
        """The recognizer whose commits this one judges."""
        self._model = model
        self._class_of = phrase_classes(phrases, meaning)
        self._known = {p for p in self._class_of if p in model.phrases and self._class_of[p] in model.classes}
        self._embedding = embedding or shared_embedding()
        self._ring = AudioRing(CONTEXT / RATE + 0.5, dither=False)
        self._restricted = False
        self.vetoed: list[Detection] = []
        """The last VETOED_KEPT commits the model vetoed: a service runs for weeks, so older ones are dropped."""

    def accept(self, pcm: bytes) -> list[Detection]:
        self._ring.add(pcm)
        return self._judge(self.first.accept(pcm))

    def flush(self) -> list[Detection]:
        return self._judge(self.first.flush())

    def restrict(self, phrases: frozenset[str] | None) -> None:
        self._restricted = phrases is not None
        self.first.restrict(phrases)

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        self.first.listen_for(phrases)

    def agrees(self, detection: Detection) -> bool:
        """Whether the model lets the commit stand (always, for a phrase it was not trained on)."""
        if detection.text not in self._known or self._restricted:
            return True
        end = min(self._ring.end, round(detection.t * RATE))
        audio = self._ring.span(end - CONTEXT, end)
        return agreement(self._model, self._embedding, audio, self._class_of[detection.text]) >= self._model.veto

    def _judge(self, found: list[Detection]) -> list[Detection]:
        kept: list[Detection] = []
        for detection in found:
            (kept if self.agrees(detection) else self.vetoed).append(detection)
        del self.vetoed[:-VETOED_KEPT]
        return kept
