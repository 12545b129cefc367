"""Reminders in the runtime: the journal's last session counts, across restarts, and dialogs set them up."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar
from voicecoach.core.reminders import ReminderSettings
from voicecoach.errors import DialogError
from voicecoach.journal.store import Journal, JournalError
from voicecoach.testing.dialog import DialogRunner, parse_dialog

SESSION_AT_0830 = """
set reminders = ["08:00", "18:00"]
clock 2027-03-01T07:59:00+01:00
wait 2m
< It is time
wait 30m
> start bridge
wait until That is the end of the session.
"""

AT_0900 = """
set reminders = ["08:00", "18:00"]
clock 2027-03-01T09:00:00+01:00
wait 1m
!< It is time
wait 9h
< It is time
"""


def test_a_session_in_the_journal_answers_the_reminder_after_a_restart(tmp_path: Path, content: Content,
                                                                       grammar: Grammar) -> None:
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        first = DialogRunner(content, grammar, journal=journal).run(parse_dialog(SESSION_AT_0830))
        assert first.passed, first.report()
        ended = journal.last_session_end()
        assert ended is not None and ended.isoformat().startswith("2027-03-01T08:3")
    # The service restarts: a new coach, the same journal.
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        again = DialogRunner(content, grammar, journal=journal).run(parse_dialog(AT_0900))
        assert again.passed, again.report()


def test_without_the_journal_the_reminder_is_said(content: Content, grammar: Grammar) -> None:
    result = DialogRunner(content, grammar).run(parse_dialog(AT_0900))
    assert not result.passed and result.failed_step is not None and result.failed_step.source == "!< It is time"


def test_an_empty_journal_has_no_last_session(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        assert journal.last_session_end() is None


@pytest.mark.parametrize(("line", "message"), [
    ("set reminders = [\"8:00\"]", "reminders: must be a time of day"),
    ("set snooze_minutes = 1", "snooze_minutes: must be between 5 and 240"),
    ("set quiet_hours = \"22:00\"", "quiet_hours: must be two times of day"),
    ("set rate = 140", "'rate' is not a reminder setting"),
    ("set reminders", "write KEY = VALUE"),
    ("clock tomorrow", "is not a date and time"),
])
def test_bad_reminder_lines_name_the_line(line: str, message: str) -> None:
    with pytest.raises(DialogError) as caught:
        parse_dialog(f"> help\n{line}\n", "x.dialog")
    assert str(caught.value).startswith("x.dialog:2: ") and message in str(caught.value)


def test_settings_that_clash_fail_the_dialog_at_their_line(content: Content, grammar: Grammar) -> None:
    steps = parse_dialog('set quiet_hours = "22:00-07:00"\nset reminders = ["06:00"]\n')
    result = DialogRunner(content, grammar).run(steps)
    assert not result.passed and "06:00 falls in the quiet hours 22:00-07:00" in result.reason


def test_no_reminders_unless_a_dialog_sets_them(content: Content, grammar: Grammar) -> None:
    runner = DialogRunner(content, grammar, wall_start=datetime.fromisoformat("2027-03-01T12:00:00+00:00"))
    result = runner.run(parse_dialog("wait 24h\n!< It is time\n"))
    assert result.passed, result.report()
    assert ReminderSettings().times == ()  # the default: none


REMINDED_AT_0800 = """
set reminders = ["08:00"]
clock 2027-03-01T07:59:00+01:00
wait 2m
< It is time
"""

SNOOZED_AT_0800 = REMINDED_AT_0800 + "wait 10s\n> not now\n< All right.\n"

AT_0805 = """
set reminders = ["08:00"]
clock 2027-03-01T08:05:00+01:00
wait 2h
!< It is time
"""

AT_0815 = """
set reminders = ["08:00"]
clock 2027-03-01T08:15:00+01:00
wait 15m
!< It is time
wait 2m
< It is time
"""


@pytest.mark.parametrize(("before", "after"), [(REMINDED_AT_0800, AT_0805), (SNOOZED_AT_0800, AT_0815)],
                         ids=["said", "snoozed"])
def test_a_restart_neither_repeats_a_reminder_nor_forgets_its_snooze(tmp_path: Path, content: Content,
                                                                     grammar: Grammar, before: str,
                                                                     after: str) -> None:
    """Said at 08:00, then the service restarts: not said again; put off by "not now" (30 minutes): said once
    more at 08:30, by the new coach."""
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        first = DialogRunner(content, grammar, journal=journal).run(parse_dialog(before))
        assert first.passed, first.report()
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        again = DialogRunner(content, grammar, journal=journal).run(parse_dialog(after))
        assert again.passed, again.report()


def test_a_damaged_reminder_row_is_one_clear_error(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        journal._connection.execute(
            "INSERT INTO reminder (id, slot_at, slot_wall) VALUES (1, 'soon', '2027-03-01T08:00')")
        with pytest.raises(JournalError, match=r"journal\.sqlite3"):
            journal.reminder()
