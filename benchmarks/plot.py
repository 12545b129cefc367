"""The one figure: command recall against false-trigger rate, per approach and SNR (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.layout import per_approach

CONDITIONS = [("clean", "o"), ("20dB", "s"), ("10dB", "^"), ("5dB", "v")]


def plot(results: dict[str, Any], path: Path) -> None:
    """Write the PNG: one colour per approach, one marker per SNR, the target corner shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 5.0), dpi=110)
    ax.axvspan(0, 1.0, ymin=0, ymax=1, color="0.93", zorder=0)
    ax.axhline(98, color="0.6", lw=0.8, ls="--")
    ax.axhline(95, color="0.75", lw=0.8, ls=":")
    ax.axhline(90, color="0.75", lw=0.8, ls=":")
    for i, (key, r) in enumerate(per_approach(results).items()):
        if r.get("skipped"):
            continue
        ft = r.get("false_trigger_rate")
        if ft is None:
            continue
        x = ft * 100
        recalls = [(c, m, r.get(f"recall_{c}")) for c, m in CONDITIONS]
        pts: list[tuple[str, str, float]] = [(c, m, y * 100) for c, m, y in recalls if y is not None]
        colour = f"C{i}"
        ax.plot([x] * len(pts), [y for _, _, y in pts], color=colour, lw=1, alpha=0.6)
        for _, m, y in pts:
            ax.scatter([x], [y], marker=m, color=colour, s=40, zorder=3)
        if pts:
            ax.annotate(key, (x, pts[0][2]), textcoords="offset points", xytext=(6, 4), fontsize=8, color=colour)
    for c, m in CONDITIONS:
        ax.scatter([], [], marker=m, color="0.3", label=c)
    ax.set_xlabel("false-trigger rate: non-command clips with any command (%)")
    ax.set_ylabel("command recall (%)")
    ax.set_xlim(left=-2, right=max(10.0, ax.get_xlim()[1]))
    ax.set_ylim(-2, 102)
    ax.set_title("Recall vs false triggers. Grey band: false triggers ≤ 1 %; dashed: 98 % (clean); "
                 "dotted: 95 % / 90 % (10 / 5 dB)",
                 fontsize=8)
    ax.legend(title="SNR", fontsize=7, title_fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
