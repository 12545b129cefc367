"""The coach's table of transitions: checked against the grammar both ways, and every entry does something."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from voicecoach.cli.main import main
from voicecoach.core.coach import Coach
from voicecoach.core.content import Content
from voicecoach.core.events import Command, Heard, ReminderDue, Say
from voicecoach.core.grammar import Grammar, load_grammar
from voicecoach.core.transitions import MODES, TRANSITIONS, Mode
from voicecoach.errors import ContentError
from voicecoach.testing.checkin import start_skipping_checkin


def rename(grammar_dir: Path, old: str, new: str) -> None:
    file = grammar_dir / "commands.toml"
    file.write_text(file.read_text().replace(f'name = "{old}"', f'name = "{new}"', 1))


def test_the_table_and_the_shipped_grammar_name_the_same_commands(grammar: Grammar) -> None:
    assert {command for command, _ in TRANSITIONS} == {spec.name for spec in grammar.specs}


def test_a_grammar_command_with_no_handler_is_an_error(grammar_dir: Path, content: Content) -> None:
    # A command renamed in the grammar used to load, then do nothing when said.
    rename(grammar_dir, "skip", "skip ahead")
    with pytest.raises(ContentError) as caught:
        load_grammar(grammar_dir, content)
    message = str(caught.value)
    assert "commands.toml" in message and "'skip ahead'" in message and "\n" not in message
    assert "no handler" in message


def test_a_handler_with_no_grammar_command_is_an_error(grammar_dir: Path, content: Content) -> None:
    file = grammar_dir / "commands.toml"
    text = file.read_text()
    block = re.search(r'\[\[command\]\]\nname = "how long"\n.*?(?=\n\[\[command\]\])', text, re.DOTALL)
    assert block is not None
    file.write_text(text.replace(block.group(0), ""))
    with pytest.raises(ContentError) as caught:
        load_grammar(grammar_dir, content)
    message = str(caught.value)
    assert "commands.toml" in message and "'how long'" in message and "\n" not in message


def test_check_reports_an_unhandled_command_in_one_line(grammar_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rename(grammar_dir, "next", "onward")
    assert main(["check", "--grammar", str(grammar_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "commands.toml" in err and "'onward'" in err


def in_mode(content: Content, grammar: Grammar, mode: Mode) -> Coach:
    coach = Coach(content, grammar)
    if mode == "asking":
        coach.handle(Heard(Command("start", "pelvic tilts")), 0.0)
    elif mode != "idle":
        start_skipping_checkin(coach, "pelvic tilts", 0.0)
    if mode == "paused":
        coach.handle(Heard(Command("pause")), 1.0)
    assert coach.mode == mode
    return coach


def command_for(grammar: Grammar, name: str) -> Command:
    return next(command for command in grammar.table.values() if command.name == name)


@pytest.mark.parametrize(("name", "mode"), sorted(TRANSITIONS), ids=lambda v: str(v))
def test_every_entry_of_the_table_does_something(content: Content, grammar: Grammar, name: str, mode: Mode,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    coach = in_mode(content, grammar, mode)
    if name == "more":  # heard only right after help, when help offered more
        coach.handle(Heard(Command("help")), 1.5)
        if not grammar.help_for(mode)[1]:
            assert coach.listening == mode and coach.handle(Heard(command_for(grammar, name)), 2.0) == []
            return
    elif not grammar.listens(name, mode):  # "not now": idle, just after a reminder
        coach.handle(ReminderDue(), 1.5)
    with caplog.at_level(logging.INFO, logger="voicecoach.core.coach"):
        effects = coach.handle(Heard(command_for(grammar, name)), 2.0)
    assert effects and not caplog.records


UNEXPECTED = [(name, mode) for name in sorted({name for name, _ in TRANSITIONS}) for mode in MODES
              if (name, mode) not in TRANSITIONS]


def test_some_commands_have_nothing_to_do_in_some_modes() -> None:
    assert ("resume", "running") in UNEXPECTED and ("pause", "paused") in UNEXPECTED


@pytest.mark.parametrize(("name", "mode"), UNEXPECTED, ids=lambda v: str(v))
def test_an_unexpected_command_is_logged_not_dropped_in_silence(content: Content, grammar: Grammar, name: str,
                                                               mode: Mode, caplog: pytest.LogCaptureFixture) -> None:
    coach = in_mode(content, grammar, mode)
    if name == "more":  # heard only right after help, when help offered more
        coach.handle(Heard(Command("help")), 1.5)
        if not grammar.help_for(mode)[1]:
            assert coach.listening == mode and coach.handle(Heard(command_for(grammar, name)), 2.0) == []
            return
    with caplog.at_level(logging.INFO, logger="voicecoach.core.coach"):
        effects = coach.handle(Heard(command_for(grammar, name)), 2.0)
    assert not [e for e in effects if isinstance(e, Say)] and coach.mode == mode
    [record] = caplog.records
    assert record.getMessage().startswith(f"command '{name}") and f"mode {mode}" in record.getMessage()
