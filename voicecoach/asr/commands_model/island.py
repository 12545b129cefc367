"""Whether words were said on their own, as a person on the floor says a command: quiet before and after, and short."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

RATE = 16000
FRAME = RATE // 100
"""Samples per energy frame (10 ms)."""
GAP_S = 0.3
"""Quiet this long before and after the words, and no pause this long within them."""
MARGIN_DB = 8.0
"""A frame is loud this far above the noise floor."""
LONGEST_S = 3.0
"""No command takes longer to say."""
FLOOR_S = 5.0
"""The noise floor is a low percentile of the energy over this much of the recent stream."""
FLOOR_PERCENTILE = 10.0
KEEP_S = 8.0
"""The energy the stream keeps: the floor's span and the longest command, with their quiet."""


class Islands:
    """The stream's energy in 10 ms frames, and a judge of whether the speech heard at a moment was an island."""

    def __init__(self) -> None:
        self._db = np.zeros(0, np.float32)
        self._rest = np.zeros(0, np.int16)  # samples not yet a whole frame
        self.frames = 0
        """Frames received since the stream started."""

    def add(self, pcm: bytes) -> None:
        x = np.concatenate([self._rest, np.frombuffer(pcm, dtype="<i2")])
        n = len(x) // FRAME
        self._rest = x[n * FRAME :]
        if n:
            frames = x[: n * FRAME].astype(np.float32).reshape(n, FRAME)
            db = 10 * np.log10((frames**2).mean(axis=1) + 1.0)
            self._db = np.concatenate([self._db, db.astype(np.float32)])[-round(KEEP_S * 100) :]
            self.frames += n

    def judge(self, t: float, ended: bool = False, since: float = 0.0) -> bool | None:
        """Whether the speech that ends at or before `t` (seconds from the stream's start) was said on its own: True
        or False, or None while the quiet after it is still to come (`ended`: the stream ended, which counts as
        quiet). Speech that began before `since` is not judged one (False)."""
        first = self.frames - len(self._db)  # the frame number of self._db[0]
        at = min(len(self._db), round(t * 100) - first)
        if at <= 0:
            return False
        loud = self.loud()
        before = np.flatnonzero(loud[:at])
        if not len(before):
            return False
        gap = round(GAP_S * 100)
        breaks = np.flatnonzero(np.diff(before) > gap)
        start = int(before[breaks[-1] + 1]) if len(breaks) else int(before[0])
        if start < gap or start + first < since * 100:
            return False  # no quiet before it within what the stream keeps, or it began too early
        end = int(before[-1])
        for i in np.flatnonzero(loud[at:]) + at:
            if i - end > gap:
                break
            end = int(i)
        if end - start > LONGEST_S * 100:
            return False
        if len(loud) - 1 - end > gap:
            return True
        return True if ended else None

    def loud(self) -> npt.NDArray[np.bool_]:
        """Which of the frames kept (the last KEEP_S seconds, up to `frames`) are loud, by the recent floor."""
        recent = self._db[-round(FLOOR_S * 100) :]
        floor = float(np.percentile(recent, FLOOR_PERCENTILE)) if len(recent) else 0.0
        out: npt.NDArray[np.bool_] = self._db > floor + MARGIN_DB
        return out
