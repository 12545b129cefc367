"""Progression across sessions and restarts: the journal keeps each score and load, and the coach does the load."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar
from voicecoach.journal.store import Journal, StoredLoad
from voicecoach.testing.dialog import DialogRunner, parse_dialog

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    with Journal.open(tmp_path / "journal.sqlite3", durable=False) as journal:
        yield journal


def session(runner: DialogRunner, before: str, after: str, during: str = "") -> list[str]:
    """One cat stretch session, by a coach started afresh (as after a restart); what the coach said."""
    script = f"> start cat\nwait until how is your back?\nwait 4s\n> {before}\n"
    if during:
        script += f"wait until Repetition two of\n> {during}\nwait 30s\n"
    else:
        script += f"wait until how is your back now?\nwait 5s\n> {after}\nwait 10s\n"
    result = runner.run(parse_dialog(script))
    assert result.passed, result.report()
    return [line.text for line in result.transcript if line.who == "coach"]


def planned(said: list[str]) -> int:
    [times] = [re.search(r"We will do it (\w+) times", text) for text in said if "We will do it" in text]
    assert times is not None
    return ["zero", "one", "two", "three", "four", "five", "six"].index(times.group(1))


def test_up_one_step_every_three_easy_sessions_never_above_the_most(content: Content, grammar: Grammar,
                                                                     journal: Journal) -> None:
    runner = DialogRunner(content, grammar, journal=journal, wall_start=START)
    done = [planned(session(runner, "one", "two")) for _ in range(10)]
    assert done == [3, 3, 3, 4, 4, 4, 5, 5, 5, 5]
    assert journal.loads()["cat stretch"] == StoredLoad(5, None, 4, None, 6)  # changed after the sixth session
    records = journal.sessions()
    assert [(r.pain_before, r.pain_after) for r in records] == [(1, 2)] * 10
    assert all(r.repetitions == {"cat stretch": n} for r, n in zip(records, done, strict=True))


def test_it_hurts_steps_back_and_the_coach_says_so(content: Content, grammar: Grammar, journal: Journal) -> None:
    runner = DialogRunner(content, grammar, journal=journal, wall_start=START)
    for _ in range(3):
        session(runner, "two", "two")
    said = session(runner, "two", "", during="ouch")
    assert "Today: cat stretch, four times, one more than last time." in said
    assert journal.sessions()[-1].hurt_during == {"cat stretch"}
    said = session(runner, "two", "two")
    assert "Today: cat stretch, three times, one fewer than last time, to go easy on your back." in said
    assert planned(said) == 3
    assert not [text for text in session(runner, "two", "two") if text.startswith("Today")]  # said once


def test_a_pain_rise_steps_back(content: Content, grammar: Grammar, journal: Journal) -> None:
    runner = DialogRunner(content, grammar, journal=journal, wall_start=START)
    for _ in range(3):
        session(runner, "one", "one")
    assert planned(session(runner, "one", "three")) == 4  # a rise of two
    assert journal.loads()["cat stretch"].repetitions == 3


def test_high_pain_before_is_recorded_and_changes_no_load(content: Content, grammar: Grammar,
                                                          journal: Journal) -> None:
    runner = DialogRunner(content, grammar, journal=journal, wall_start=START)
    result = runner.run(parse_dialog("> start cat\nwait until how is your back?\nwait 4s\n> nine\nwait 30s\n"))
    assert result.passed, result.report()
    (record,) = journal.sessions()
    assert (record.pain_before, record.end_reason, dict(record.repetitions)) == (9, "pain", {})
    assert journal.loads() == {}


class CutWhileSteppingLoads(Journal):
    """The journal as a power cut would leave it had it come while the third session's loads were written."""

    def set_load(self, exercise: str, load: StoredLoad, at: datetime) -> None:
        raise OSError("power cut")


def test_a_session_is_closed_with_its_load_step_or_not_at_all(content: Content, grammar: Grammar,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with CutWhileSteppingLoads.open(path, durable=False) as journal:
        runner = DialogRunner(content, grammar, journal=journal, wall_start=START)
        for _ in range(3):
            session(runner, "one", "two")  # the third steps the load up: that write fails
    with Journal.open(path, durable=False) as journal:
        records = journal.sessions()
        assert [r.ended_at is not None for r in records] == [True, True, False]
        assert journal.loads() == {}
        # A coach started afresh sees the third session as cut off (never closed), not as closed without its step.
        runner = DialogRunner(content, grammar, journal=journal, wall_start=START)
        assert planned(session(runner, "one", "two")) == 3
