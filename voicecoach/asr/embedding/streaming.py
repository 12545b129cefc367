"""The speech embedding of a live stream, computed as audio comes: each frame as embedding the clip it ends.

Theory of operation. The mel model (features.py) computes each mel frame from its own 512 samples, then floors
every value at the clip's loudest less 80 dB (MEL_FLOOR), so a mel frame depends on the clip it was computed in.
A value floored at F is exact for any floor at or above F. The stream is therefore computed in blocks of BLOCK mel
frames, each as a clip of its own (its floor is the lowest possible), keeping each block's loudest value; an
embedding frame's window is then floored at the loudest of the blocks of the clip it ends, which makes it exactly
what embedding that clip would give. Clips start on a block, as every window starts and ends on one (76 and 8 are
multiples of 4). A model over several frames (the command model's 16) saw them in training from one clip, all
floored at its loudest: each new frame comes with the frames before it under its own clip's floor, the earlier
ones embedded again where that floor changes them (in quiet, near a loud sound). openWakeWord's
`_streaming_melspectrogram` computes overlapping pieces of about 11 frames and keeps their own floors instead,
which differs from the whole clip's. Only the audio of the next block, the last window of mel frames, the block
maxima of one clip and the last frames are kept: memory does not grow with the stream.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicecoach.asr.embedding.features import (
    EMBEDDING_DIM,
    MEL_FLOOR,
    MEL_HOP,
    MEL_SPAN,
    STRIDE,
    WINDOW,
    SpeechEmbedding,
    shared_embedding,
)

BLOCK = 4
"""Mel frames computed at once, as a clip of their own: a window (76) and its stride (8) are whole blocks."""
BLOCK_SAMPLES = (BLOCK - 1) * MEL_HOP + MEL_SPAN


def frame_end(index: int | npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The stream sample just after the last one embedding frame `index` sees."""
    return np.asarray((np.asarray(index) * STRIDE + WINDOW - 1) * MEL_HOP + MEL_SPAN, np.int64)


def clip_start(index: int, clip: int | None) -> int:
    """The stream sample at which the clip of `clip` embedding frames (None: the whole stream) ending with frame
    `index` starts: the frame is the last of embedding stream[clip_start : frame_end]."""
    return 0 if clip is None else max(0, index - clip + 1) * STRIDE * MEL_HOP


@dataclass(frozen=True)
class EmbeddedFrames:
    """Consecutive embedding frames of a stream, frame `first` and those after it, each with the frames before it."""

    first: int
    """The stream's index of the first frame (frame k sees mel frames 8k to 8k + 75)."""
    windows: npt.NDArray[np.float32]
    """(n, window, 96): for each new frame, it and the window - 1 frames before it, all as embedding the clip it
    ends gives them (at the stream's start, the first frame repeated in front, as model.windows pads)."""

    @property
    def vectors(self) -> npt.NDArray[np.float32]:
        """The new frames, (n, 96)."""
        out: npt.NDArray[np.float32] = self.windows[:, -1]
        return out

    @property
    def index(self) -> npt.NDArray[np.int64]:
        """Each frame's index in the stream."""
        return np.arange(self.first, self.first + len(self.windows), dtype=np.int64)

    @property
    def end(self) -> npt.NDArray[np.int64]:
        """Each frame's end: the stream sample just after the last one it sees."""
        return frame_end(self.index)


@dataclass
class _Frame:
    """An embedding frame's mel window, each block floored at its own loudest (less MEL_FLOOR), and its
    embeddings under the floors asked for so far."""

    mel: npt.NDArray[np.float32]
    floor: float
    """The floor of the clip this frame ends."""
    embedded: dict[float, npt.NDArray[np.float32]]

    def under(self, floor: float) -> float:
        """The floor that gives the same embedding as `floor`: its own if no value lies between the two."""
        return self.floor if float(self.mel.min()) >= max(floor, self.floor) else floor


class StreamingEmbedding:
    """16 kHz int16 audio in chunks of any size to the embedding frames they complete. Frame k is the last frame of
    `SpeechEmbedding.embed` over the clip of `clip` frames that ends with it (None: over the stream so far), and comes
    with the `window` - 1 frames before it as embedding that same clip gives them."""

    def __init__(self, embedding: SpeechEmbedding | None = None, clip: int | None = None, window: int = 1,
                 kept: int = 1) -> None:
        if clip is not None and clip < 1:
            raise ValueError(f"clip must be 1 frame or more, or None, not {clip}")
        if window < 1 or (clip is not None and window > clip):
            raise ValueError(f"window must be 1 to clip ({clip}) frames, not {window}")
        if kept < 1:
            raise ValueError(f"kept must be 1 frame or more, not {kept}")
        self._embedding = embedding or shared_embedding()
        self.clip = clip
        self.window = window
        self._audio = np.zeros(0, np.int16)
        """The stream from the next block's first sample on."""
        self._mel = np.zeros((0, 32), np.float32)
        """The last mel frames computed, up to a window of them, each floored within its own block."""
        keep = None if clip is None else (WINDOW + (clip - 1) * STRIDE) // BLOCK
        self._loudest: deque[float] = deque(maxlen=keep)
        """The loudest value of each block of the clip that ends with the next frame (None: the loudest so far)."""
        self._recent: deque[_Frame] = deque(maxlen=window + kept - 1)
        """The last frames, each with the window - 1 before it for the last `kept` of them."""
        self._blocks = 0
        self.frames = 0
        """Embedding frames given so far: the index of the next one."""

    @property
    def held(self) -> int:
        """Numbers held (audio samples, mel values, block maxima, recent frames): bounded, however long the stream."""
        recent = sum(f.mel.size + EMBEDDING_DIM * len(f.embedded) for f in self._recent)
        return len(self._audio) + self._mel.size + len(self._loudest) + recent

    def add(self, pcm: npt.NDArray[np.int16]) -> EmbeddedFrames:
        """The embedding frames that `pcm`, the stream's next samples, completes (often none), with their windows."""
        first = self.frames
        out = [self.window_of(index) for index in self.frames_in(pcm)]
        windows = np.stack(out) if out else np.zeros((0, self.window, EMBEDDING_DIM), np.float32)
        return EmbeddedFrames(first, windows)

    def frames_in(self, pcm: npt.NDArray[np.int16]) -> Iterator[int]:
        """Take in `pcm`, the stream's next samples, and yield the index of each embedding frame it completes, as it
        completes: nothing is embedded until window_of asks for it, so a frame no window needs costs its mel only.
        Ask for a frame's window before going on to the next (or keep `kept` frames)."""
        self._audio = np.concatenate([self._audio, np.asarray(pcm, np.int16)])
        while len(self._audio) >= BLOCK_SAMPLES:
            block = self._embedding.mel(self._audio[:BLOCK_SAMPLES])
            self._audio = self._audio[BLOCK * MEL_HOP :]
            self._mel = np.concatenate([self._mel, block])[-WINDOW:]
            loudest = float(block.max())
            if self.clip is None and self._loudest:
                loudest = max(loudest, self._loudest.pop())
            self._loudest.append(loudest)
            self._blocks += 1
            if self._blocks * BLOCK == self.frames * STRIDE + WINDOW:
                self._recent.append(_Frame(self._mel, max(self._loudest) - MEL_FLOOR, {}))
                self.frames += 1
                yield self.frames - 1

    def window_of(self, index: int) -> npt.NDArray[np.float32]:
        """Frame `index` (one of the last `kept`) and the window - 1 frames before it, (window, 96), all as
        embedding the clip it ends gives them: each embedded once per floor that changes it, when first asked for."""
        at = index - (self.frames - len(self._recent))  # its place in self._recent
        if not 0 <= at < len(self._recent) or at < min(index, self.window - 1):
            raise ValueError(f"frame {index} is not among the last {self.kept} of {self.frames}")
        frame = self._recent[at]
        rows = []
        for i in range(max(0, at - self.window + 1), at + 1):
            earlier = self._recent[i]
            floor = earlier.under(frame.floor)
            if floor not in earlier.embedded:
                earlier.embedded[floor] = self._embedding.embed_windows(np.maximum(earlier.mel, floor)[None])[0]
            rows.append(earlier.embedded[floor])
        return np.stack([rows[0]] * (self.window - len(rows)) + rows)

    @property
    def kept(self) -> int:
        """How many of the last frames window_of can still give."""
        return (self._recent.maxlen or 1) - self.window + 1
