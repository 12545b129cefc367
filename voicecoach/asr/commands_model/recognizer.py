"""The command model as a Recognizer: alone (it commits what it hears), or as a second opinion on another one."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.asr.commands_model.island import Islands
from voicecoach.asr.commands_model.model import WINDOW_FRAMES, CommandModel, label_of, windows
from voicecoach.asr.commands_model.stream import HOP, AudioRing, dither
from voicecoach.asr.embedding import SpeechEmbedding, shared_embedding
from voicecoach.asr.embedding.features import MEL_HOP, MEL_SPAN, MIN_SAMPLES, STRIDE
from voicecoach.asr.embedding.features import WINDOW as MEL_WINDOW
from voicecoach.asr.embedding.streaming import StreamingEmbedding, frame_end
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
KEPT_FRAMES = LOOK_BACK + 8
"""The frames whose windows the model alone keeps for a second opinion: LOOK_BACK, and those a chunk of up to 0.64 s
completes after the commit's moment."""


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
    windows in a row; never one of the commands in `never` (Command.canonical).

    With `quiet` (the stream's energy, fed the same audio before this recognizer), a window in which no 10 ms frame
    is loud is not scored: the model commits nothing there (measured in benchmarks/PIPELINE_COST.md). While held
    (hold), no window is scored. A window not scored counts as one sure of nothing, and is embedded only if a later
    one or a second opinion (agreement) needs its frames."""

    def __init__(self, phrases: Sequence[str], meaning: Mapping[str, Hashable], model: CommandModel,
                 sample_rate: int = RATE, embedding: SpeechEmbedding | None = None, threshold: float | None = None,
                 consecutive: int = 1, never: frozenset[str] = frozenset(), quiet: Islands | None = None) -> None:
        if sample_rate != RATE:
            raise ValueError("the command model takes 16 kHz audio only")
        self.sample_rate = sample_rate
        self._model = model
        self._threshold = model.alone if threshold is None else threshold
        self._consecutive = consecutive
        self._stream = StreamingEmbedding(embedding or shared_embedding(), clip=CLIP_FRAMES, window=WINDOW_FRAMES,
                                          kept=KEPT_FRAMES)
        self._scores: dict[int, npt.NDArray[np.float32]] = {}  # each recent frame's window's probabilities
        self._quiet = quiet
        self._held = False
        self.scored = 0
        """Windows scored so far (those a gate or a second opinion asked for)."""
        self._class_of = phrase_classes(phrases, meaning)
        self._all = frozenset(p for p, name in self._class_of.items() if name not in never)
        self._listening = self._restricted = self._all
        self._received = 0
        self._quiet_until = 0.0
        self._run: tuple[str | None, int] = (None, 0)  # the phrase the last windows were sure of, and how many
        self._sure: deque[tuple[float, str]] = deque()  # (time, phrase) of the recent windows sure of a phrase

    def accept(self, pcm: bytes) -> list[Detection]:
        x = np.frombuffer(pcm, dtype="<i2").astype(np.int16)
        x = dither(x, self._received)  # seeded by the chunk's first sample, as AudioRing does
        self._received += len(x)
        loud = None if self._quiet is None or self._held else self._quiet.loud()
        frames = []
        for index in self._stream.frames_in(x):
            whole = index >= WINDOW_FRAMES - 1  # no padded window: the stream's first 2 s are not scored
            scored = whole and not self._held and (loud is None or self._heard(index, loud))
            frames.append((index, self._stream.window_of(index) if scored else None))
        wanted = [window for _, window in frames if window is not None]
        self.scored += len(wanted)
        p = iter(self._model.probabilities(np.stack(wanted)) if wanted else np.zeros((0, 0), np.float32))
        out: list[Detection] = []
        for index, window in frames:
            t = int(frame_end(index)) / RATE
            phrase = None
            if window is not None:
                self._scores[index] = row = next(p)
                phrase = self._best(row)
            self._run = (phrase, self._run[1] + 1 if phrase and phrase == self._run[0] else 1)
            if phrase:
                self._sure.append((t, phrase))
            if phrase and self._run[1] >= self._consecutive and t >= self._quiet_until:
                out.append(Detection(round(t, 3), phrase))
                self._quiet_until = t + HOLD_OFF_S
        for index in [i for i in self._scores if i < self._stream.frames - self._stream.kept]:
            del self._scores[index]
        while self._sure and self._sure[0][0] < self._received / RATE - SURE_KEPT_S:
            self._sure.popleft()
        return out

    def hold(self, held: bool) -> None:
        """Score no window while `held` (the stream is still embedded as later windows need it)."""
        self._held = held

    def agreement(self, t: float, name: str) -> float | None:
        """The model's highest probability of class `name` over the LOOK_BACK windows ending last at or before `t`
        (seconds), as streamed (the module's agreement() embeds the audio up to `t` instead); 1 (no opinion) in the
        stream's first 2 s; None if the stream has not reached `t` or no longer holds those windows."""
        end = round(t * RATE)
        if end > self._received:
            return None
        last = (end - MEL_SPAN) // MEL_HOP - (MEL_WINDOW - 1)
        last = -1 if last < 0 else last // STRIDE  # the last frame ending at or before `end`
        if last < WINDOW_FRAMES - 1:
            return 1.0
        first = max(WINDOW_FRAMES - 1, last - LOOK_BACK + 1)
        if first < self._stream.frames - self._stream.kept:
            return None
        missing = [i for i in range(first, last + 1) if i not in self._scores]
        if missing:
            rows = self._model.probabilities(np.stack([self._stream.window_of(i) for i in missing]))
            self.scored += len(missing)
            self._scores.update(zip(missing, rows, strict=True))
        column = self._model.classes.index(name)
        return float(max(self._scores[i][column] for i in range(first, last + 1)))

    def _heard(self, index: int, loud: npt.NDArray[np.bool_]) -> bool:
        """Whether a 10 ms frame of the audio window `index` sees is loud (`loud`: Islands.loud())."""
        assert self._quiet is not None
        first = (index - WINDOW_FRAMES + 1) * STRIDE - (self._quiet.frames - len(loud))
        last = -(-int(frame_end(index)) // MEL_HOP) - (self._quiet.frames - len(loud))
        return bool(loud[max(0, first) : max(0, last)].any())

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


STREAMED_MARGIN = 1e4
"""The streamed windows decide a veto when they give the command this many times more or less than the veto
probability; nearer it, the audio is embedded again as the veto was tuned: the two ways differ by up to 180 times
(benchmarks/PIPELINE_COST.md)."""
CONFIRM_P = 0.99
"""The probability of its command the model must give a tentative commit (SphinxSettings.tentative)."""
VETOED_KEPT = 50
"""How many vetoed commits a SecondOpinion remembers."""
UNSURE_BELOW: float | None = 0.5
"""A commit the model lets stand but gives its command less than this probability is committed unsure
(Detection.sure): the coach asks it back before it changes the session (None: every commit is sure). Chosen on
espeak-ng's training voices and the tuning half of the short replies (benchmarks/OPINION_UNSURE.md): at 0.5, 11 of
818 commands heard right would be asked back first (none clean), and 18 of 156 replies mid-exercise have a command
done at once rather than 24; the model alone's commits are sure (unsure too, 138 of the 818 would be asked back)."""


class SecondOpinion:
    """Another recognizer's commits stand unless the model, on the audio that ended with the command, gives that
    command less than its veto probability. Phrases the model was not trained on stand on the first opinion, and
    so does every commit while the recognizer is restricted (the coach speaking): the model never heard commands
    over the coach's voice, and vetoed 8 of the 13 a person's stop, wait or it hurts over it that PocketSphinx
    heard (benchmarks/COMMAND_MODEL.md). The restriction itself keeps the coach's own words out."""

    def __init__(self, first: Recognizer, phrases: Sequence[str], meaning: Mapping[str, Hashable],
                 model: CommandModel, embedding: SpeechEmbedding | None = None,
                 stream: CommandModelRecognizer | None = None, confirm: float = CONFIRM_P,
                 veto: float | None = None, unsure_below: float | None = UNSURE_BELOW) -> None:
        """With `stream` (fed the same audio, each chunk before this one), a commit is judged on the windows it
        streamed (CommandModelRecognizer.agreement) unless they put it near the veto (STREAMED_MARGIN), not by
        embedding CONTEXT again. A tentative commit (Detection.tentative) stands only if the model gives its command
        at least `confirm`, with a full CONTEXT of audio heard. `veto`: the veto probability, if not the model's.
        `unsure_below`: a commit standing with less than this (`likes`) is committed unsure."""
        self.sample_rate = first.sample_rate
        self.first = first
        """The recognizer whose commits this one judges."""
        self._model = model
        self._confirm = confirm
        self._veto = model.veto if veto is None else veto
        self.unsure_below = unsure_below
        self._class_of = phrase_classes(phrases, meaning)
        self._known = {p for p in self._class_of if p in model.phrases and self._class_of[p] in model.classes}
        self._embedding = embedding or shared_embedding()
        self._stream = stream
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
        veto = self._veto
        p = self._streamed(detection)
        if p is None or veto / STREAMED_MARGIN <= p <= veto * STREAMED_MARGIN:
            p = self._embedded(detection)
        return p >= veto

    def likes(self, detection: Detection) -> float | None:
        """`probability` of the commit's command; None for a phrase the model was not trained on, or while
        restricted (the coach speaking), where it has no opinion worth asking."""
        if detection.text not in self._known or self._restricted:
            return None
        return self.probability(detection)

    def probability(self, detection: Detection, streamed: bool = True) -> float:
        """The model's probability of the commit's command (one it was trained on), at most LOOK_BACK windows before
        it: from the windows the stream scored, if `streamed` and it has them, else by embedding the audio."""
        found = self._streamed(detection) if streamed else None
        return self._embedded(detection) if found is None else found

    def _streamed(self, detection: Detection) -> float | None:
        if self._stream is None:
            return None
        return self._stream.agreement(detection.t, self._class_of[detection.text])

    def _embedded(self, detection: Detection) -> float:
        end = min(self._ring.end, round(detection.t * RATE))
        return agreement(self._model, self._embedding, self._ring.span(end - CONTEXT, end),
                         self._class_of[detection.text])

    def confirms(self, detection: Detection) -> bool:
        """Whether the model is sure enough of a tentative commit: never of a phrase it was not trained on, while
        restricted, or before it has heard CONTEXT (where it has no opinion)."""
        if detection.text not in self._known or self._restricted or detection.t * RATE < CONTEXT:
            return False
        return self.probability(detection) >= self._confirm

    def _sure(self, detection: Detection) -> bool:
        """Whether the model gives a commit it let stand at least `unsure_below` (always, with no opinion)."""
        if self.unsure_below is None:
            return True
        p = self.likes(detection)
        return p is None or p >= self.unsure_below

    def _judge(self, found: list[Detection]) -> list[Detection]:
        kept: list[Detection] = []
        for detection in found:
            if detection.tentative:
                if self.confirms(detection):
                    kept.append(Detection(detection.t, detection.text))
                continue
            if not self.agrees(detection):
                self.vetoed.append(detection)
            elif not self._sure(detection):
                kept.append(replace(detection, sure=False))
            else:
                kept.append(detection)
        del self.vetoed[:-VETOED_KEPT]
        return kept
