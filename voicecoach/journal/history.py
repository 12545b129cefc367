"""The journal's sessions as a table for people and as CSV for their own use."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from typing import TextIO

from voicecoach.journal.store import SessionRecord

CSV_FIELDS = ("id", "started_at", "ended_at", "minutes", "target", "end_reason", "pain_before", "pain_after",
              "holds", "hold_seconds", "repetitions", "said")
NOT_ENDED = "cut short"  # no end written: the power went, the process was killed, or it still runs


def minutes(record: SessionRecord) -> float | None:
    """How long the session lasted, in minutes; None when it has no end."""
    if record.ended_at is None:
        return None
    return (record.ended_at - record.started_at).total_seconds() / 60


def counts(items: Mapping[str, int], separator: str = " ", between: str = ", ") -> str:
    """{"cat stretch": 3, "bridge": 1} as "cat stretch 3, bridge 1", or "cat stretch: 3; bridge: 1"."""
    return between.join(f"{name}{separator}{count}" for name, count in items.items())


def pain(record: SessionRecord) -> str:
    """Pain before and after, "4 -> 2"; "-" for a score not given."""
    if record.pain_before is None and record.pain_after is None:
        return "-"
    return " -> ".join("-" if score is None else str(score) for score in (record.pain_before, record.pain_after))


def format_table(records: Sequence[SessionRecord]) -> str:
    """The sessions, oldest first, one line each under a header."""
    header = ("#", "started", "min", "session", "ended", "pain", "holds", "repetitions", "said")
    rows = [header]
    for record in records:
        length = minutes(record)
        rows.append((
            str(record.id),
            record.started_at.strftime("%Y-%m-%d %H:%M"),
            "-" if length is None else f"{length:.1f}",
            record.target,
            record.end_reason or NOT_ENDED,
            pain(record),
            f"{record.holds} ({record.hold_seconds} s)" if record.holds else "-",
            counts(record.repetitions) or "-",
            counts(record.said) or "-",
        ))
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    right = {0, 2}  # numbers
    lines = ["  ".join(cell.rjust(width) if column in right else cell.ljust(width)
                       for column, (cell, width) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    return "\n".join(lines)


def write_csv(records: Sequence[SessionRecord], out: TextIO) -> None:
    """One row per session, times in ISO 8601 with their UTC offset."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for record in records:
        length = minutes(record)
        writer.writerow((
            record.id, record.started_at.isoformat(), record.ended_at.isoformat() if record.ended_at else "",
            "" if length is None else f"{length:.2f}", record.target, record.end_reason or "",
            "" if record.pain_before is None else record.pain_before,
            "" if record.pain_after is None else record.pain_after,
            record.holds, record.hold_seconds, counts(record.repetitions, ": ", "; "),
            counts(record.said, ": ", "; "),
        ))
