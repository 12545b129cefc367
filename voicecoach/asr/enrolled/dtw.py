"""Dynamic time warping of two sequences of embedding frames, on cosine distance, normalized by length."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Frames = npt.NDArray[np.float32]


def unit(frames: Frames) -> Frames:
    """Each frame scaled to length 1, so a dot product is a cosine."""
    norms = np.linalg.norm(frames, axis=1, keepdims=True)
    out: Frames = (frames / np.maximum(norms, 1e-9)).astype(np.float32)
    return out


def dtw_distance(a: Frames, b: Frames) -> float:
    """The cheapest warping path's summed cosine distance over `a` (n, d) and `b` (m, d), both unit frames,
    divided by n + m; steps right, down and diagonal. inf when either is empty."""
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return float("inf")
    cost = 1.0 - a @ b.T
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    # Row by row: the diagonal and the step down for a whole row at once, then the step right along it.
    for i in range(1, n + 1):
        row = cost[i - 1] + np.minimum(acc[i - 1, :-1], acc[i - 1, 1:])
        out = acc[i]
        for j in range(1, m + 1):
            out[j] = min(row[j - 1], cost[i - 1, j - 1] + out[j - 1])
    return float(acc[n, m] / (n + m))


def dtw_distances(a: Frames, bs: Sequence[Frames], within: bool = False) -> list[float]:
    """dtw_distance(a, b) for each of `bs`, all at once: the same recurrence, one column step for every b together
    (each b's costs padded with inf past its end, where no path it counts can go). `within`: each b may match any
    stretch of `a` (its start and end in `a` free), divided by twice b's length; `a` then may hold more than b
    said (a clatter the endpointer joined to the words)."""
    out = [float("inf")] * len(bs)
    live = [k for k, b in enumerate(bs) if len(b) and len(a)]
    if not live:
        return out
    n, width = len(a), max(len(bs[k]) for k in live)
    cost = np.full((len(live), n, width), np.inf, np.float32)
    for row, k in enumerate(live):
        cost[row, :, : len(bs[k])] = 1.0 - a @ bs[k].T
    acc = np.full((len(live), n + 1, width + 1), np.inf)
    acc[:, : n + 1 if within else 1, 0] = 0.0
    for i in range(1, n + 1):
        step = cost[:, i - 1] + np.minimum(acc[:, i - 1, :-1], acc[:, i - 1, 1:])
        here = acc[:, i]
        for j in range(1, width + 1):
            here[:, j] = np.minimum(step[:, j - 1], cost[:, i - 1, j - 1] + here[:, j - 1])
    for row, k in enumerate(live):
        m = len(bs[k])
        out[k] = float(acc[row, 1:, m].min() / (2 * m) if within else acc[row, n, m] / (n + m))
    return out
