"""Runs random sessions into a journal until it is killed, printing each row as soon as its commit returned.

python crash_driver.py JOURNAL SEED: the kill test (test_crash.py) compares what was printed with what the file
holds after a SIGKILL.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from voicecoach.core.coach import Coach
from voicecoach.core.content import load_content
from voicecoach.core.grammar import Grammar, load_grammar
from voicecoach.journal.recorder import SessionRecorder
from voicecoach.journal.store import Journal
from voicecoach.paths import default_content_dir, default_grammar_dir
from voicecoach.runtime.virtual import VirtualSession

SAID = ("next", "skip", "wait", "resume", "how long", "back", "stop", "it hurts", "repeat", "two", "eight")


class ReportingJournal(Journal):
    """A journal that prints every row it wrote, once the transaction that wrote it is committed."""

    def __init__(self, path: Path, connection: sqlite3.Connection):
        super().__init__(path, connection)
        self._written: list[str] = []

    def _write(self, table: str, sql: str, params: tuple[object, ...], row_id: int | None = None) -> int:
        written = super()._write(table, sql, params, row_id)
        row = self._connection.execute(f"SELECT * FROM {table} WHERE rowid = ?", (written,)).fetchone()
        self._written.append(json.dumps([table, written, list(row)]))
        if not self._in_transaction:
            self._report()
        return written

    @contextmanager
    def together(self) -> Iterator[None]:
        with super().together():
            yield
        self._report()

    def _report(self) -> None:
        for line in self._written:
            print(line, flush=True)
        self._written.clear()


def one_session(journal: Journal, coach: Coach, grammar: Grammar, target: str, rng: random.Random,
                start: datetime) -> float:
    """A session of `target` with random commands along the way; returns the virtual seconds it took."""
    session = VirtualSession(coach, grammar)
    session.recorder = SessionRecorder(journal, wall=lambda: start + timedelta(seconds=session.now))
    session.start()
    session.hear(f"start {target}")
    while session.coach.mode != "idle" and session.now < 1800:
        session.advance(session.now + rng.uniform(1, 40))
        if rng.random() < 0.3:
            session.hear(rng.choice(SAID))
    session.advance(session.now + 30)  # the closing words, and the coach's SessionEnded
    return session.now


def main(path: Path, seed: int) -> None:
    rng = random.Random(seed)
    content = load_content(default_content_dir())
    grammar = load_grammar(default_grammar_dir(), content)
    targets = [*content.exercises, "routine"]
    journal = ReportingJournal.open(path)
    wall = datetime(2026, 1, 1, 8, tzinfo=UTC) + timedelta(days=seed)
    while True:
        took = one_session(journal, Coach(content, grammar), grammar, rng.choice(targets), rng, wall)
        wall += timedelta(seconds=took + 3600)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
