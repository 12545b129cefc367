"""What the recorder writes when it watches real sessions of the coach, played as dialogs on a virtual clock."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from voicecoach.core.content import Content
from voicecoach.core.events import Command, SessionEnded, StopSpeaking
from voicecoach.core.grammar import Grammar
from voicecoach.core.plan import PlanStep, build_plan
from voicecoach.core.progression import ExerciseLoad
from voicecoach.journal.recorder import SessionRecorder
from voicecoach.journal.store import Journal
from voicecoach.testing.dialog import DialogRunner, parse_dialog

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal.open(tmp_path / "journal.sqlite3")


@pytest.fixture
def runner(content: Content, grammar: Grammar, journal: Journal) -> DialogRunner:
    return DialogRunner(content, grammar, journal=journal, wall_start=START)


def play(runner: DialogRunner, dialog: str) -> None:
    result = runner.run(parse_dialog(dialog), "test")
    assert result.passed, result.report()


def steps(journal: Journal) -> list[tuple[int, int, str | None, int | None, str | None, int, int | None]]:
    return list(journal._connection.execute(
        "SELECT session_id, plan_index, exercise, repetition, side, completes_repetition, hold_seconds FROM step"
        " ORDER BY id"))


def test_a_whole_exercise_is_one_finished_session_with_every_step(runner: DialogRunner, journal: Journal,
                                                                 content: Content) -> None:
    play(runner, "> start bridge\nwait until That is the end of the session\nwait 10s\n")
    (record,) = journal.sessions()
    assert record.target == "bridge" and record.end_reason == "finished"
    assert dict(record.repetitions) == {"bridge": 3} and dict(record.said) == {}
    assert (record.holds, record.hold_seconds) == (3, 15)  # the squeeze, counted
    assert record.started_at == START + timedelta(seconds=0)  # "start bridge" was said as the dialog began
    assert record.ended_at is not None and timedelta(minutes=1) < record.ended_at - record.started_at
    rows = steps(journal)
    assert [row[1] for row in rows] == list(range(len(build_plan(content, "bridge"))))
    assert [row[3] for row in rows if row[5]] == [1, 2, 3]


def test_it_hurts_ends_the_session_for_pain_and_is_kept_as_said(runner: DialogRunner, journal: Journal) -> None:
    play(runner, "> start pelvic tilts\nwait until /^Four\\.$/\n> it hurts\nwait 1m\n")
    (record,) = journal.sessions()
    assert record.end_reason == "pain" and dict(record.said) == {"it hurts": 1}
    assert record.holds == 0  # the hold under way was not done
    (said,) = journal._connection.execute("SELECT command, exercise, plan_index FROM said")
    held = max(row[1] for row in steps(journal)) + 1  # the step after the last one done: the hold's
    assert said == ("it hurts", "pelvic tilts", held)


def test_pain_heard_unsure_and_asked_back_is_not_kept_as_said_until_it_is_said_again(runner: DialogRunner,
                                                                                     journal: Journal) -> None:
    play(runner, "> start pelvic tilts\nwait until /^Four\\.$/\n?> it hurts\n< Holding here.\nwait 2s\n"
                 "> resume\nwait until /^Four\\.$/\n?> it hurts\nwait 2s\n?> it hurts\nwait 1m\n")
    (record,) = journal.sessions()
    assert record.end_reason == "pain" and dict(record.said) == {"resume": 1, "it hurts": 1}


def test_a_step_left_by_next_is_not_done(runner: DialogRunner, journal: Journal) -> None:
    play(runner, "> start pelvic tilts\nwait until /^Four\\.$/\n> next\nwait until /^Five\\.$/\n"
                 "wait until Relax.\nwait 10s\n> stop\nwait 10s\n")
    (record,) = journal.sessions()
    assert record.end_reason == "stopped" and dict(record.said) == {"next": 1, "stop": 1}
    indexes = [row[1] for row in steps(journal)]
    skipped = journal._connection.execute("SELECT plan_index FROM said WHERE command = 'next'").fetchone()[0]
    assert skipped not in indexes and skipped + 1 in indexes  # the next step's hold was counted to its end
    assert record.holds == 1 and record.hold_seconds == 5


def test_sessions_after_one_another_and_dialog_after_dialog(runner: DialogRunner, journal: Journal) -> None:
    # The bridge's check-ins go unanswered: after 8 s the session goes on, and then ends.
    play(runner, "> start cat\nwait 30s\n> stop\nwait 10s\n> start bridge\nwait 50s\n> skip\nwait 20s\n")
    play(runner, "> start routine\nwait 20s\n")  # cut short: the dialog ends mid-session
    records = journal.sessions()
    assert [(r.target, r.end_reason) for r in records] == [("cat stretch", "stopped"), ("bridge", "finished"),
                                                           ("routine", None)]
    starts = [r.started_at for r in records]
    assert starts == sorted(starts) and starts[2] > records[1].ended_at  # type: ignore[operator]
    assert dict(records[1].said) == {"skip": 1}


def test_a_command_the_coach_ignores_is_not_kept(runner: DialogRunner, journal: Journal) -> None:
    play(runner, "> start bridge\nwait 15s\n> resume\n> pause\n> pause\nwait 5s\n> stop\nwait 10s\n")
    (record,) = journal.sessions()
    assert dict(record.said) == {"pause": 1, "stop": 1}  # resume while running and pause while paused did nothing


def test_start_mid_session_switches_and_the_first_session_was_stopped(runner: DialogRunner,
                                                                     journal: Journal) -> None:
    play(runner, "> start bridge\nwait 30s\n> start cat\nwait 5s\n")
    first, second = journal.sessions()
    assert (first.target, first.end_reason) == ("bridge", "stopped")
    assert (second.target, second.end_reason) == ("cat stretch", None)


def test_start_said_over_the_closing_words_ends_one_session_and_begins_the_next(runner: DialogRunner,
                                                                              journal: Journal) -> None:
    play(runner, "> start bridge\nwait 5s\n> stop\n> start cat\nwait 5s\n")
    first, second = journal.sessions()
    assert (first.target, first.end_reason) == ("bridge", "stopped")  # its SessionEnded never came
    assert (second.target, second.end_reason) == ("cat stretch", None)


def test_a_journal_that_fails_mid_session_does_not_stop_the_coach(runner: DialogRunner, journal: Journal,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    journal._connection.close()  # as a write error would: every write now fails
    with caplog.at_level(logging.WARNING):
        play(runner, "> start bridge\nwait until That is the end of the session\n")
    warnings = [r.getMessage() for r in caplog.records if r.name == "voicecoach.journal.recorder"]
    assert len(warnings) == 1 and "not recorded further" in warnings[0]


@dataclass
class FakeCoach:
    """Only what the recorder reads, set by hand: for the one case the real coach never produces."""

    content: Content
    plan: Sequence[PlanStep] = field(default_factory=list)
    mode: str = "idle"
    index: int = 0
    loads: Mapping[str, ExerciseLoad] = field(default_factory=dict)

    def use_loads(self, loads: Mapping[str, ExerciseLoad]) -> None:
        self.loads = loads


def test_the_coachs_session_ended_stands_over_the_guess(content: Content, journal: Journal) -> None:
    coach = FakeCoach(content, build_plan(content, "bridge"))
    recorder = SessionRecorder(journal, wall=lambda: START)
    recorder.heard(Command("start", "bridge"), [StopSpeaking()])
    coach.mode = "running"
    recorder.applied([StopSpeaking()], coach)
    coach.mode = "idle"
    recorder.applied([], coach)  # gone idle by itself: guessed finished
    assert journal.sessions()[0].end_reason == "finished"
    recorder.applied([SessionEnded("pain")], coach)
    assert journal.sessions()[0].end_reason == "pain"



def test_every_write_is_committed_before_the_call_returns(runner: DialogRunner, journal: Journal) -> None:
    """Another connection (another process, or the file after a power cut) sees each step as soon as it is done."""
    seen: list[int] = []
    other = sqlite3.connect(journal.path)
    original = journal.step_done

    def step_done(*args: object, **kwargs: object) -> int:
        row = original(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(other.execute("SELECT count(*) FROM step").fetchone()[0])
        return row

    journal.step_done = step_done  # type: ignore[method-assign]
    play(runner, "> start bridge\nwait 40s\n")
    assert seen and seen == list(range(1, len(seen) + 1))
