"""Scripted dialogs: the .dialog format, and a runner that plays one against the coach on a virtual clock."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from voicecoach.core.coach import Coach
from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar
from voicecoach.core.reminders import ReminderSettings
from voicecoach.errors import DialogError
from voicecoach.journal.recorder import SessionRecorder, local_now
from voicecoach.journal.store import Journal
from voicecoach.runtime.reminding import Reminding
from voicecoach.runtime.virtual import Line, VirtualSession, format_line

WAIT_UNTIL_LIMIT_S = 600.0  # "fails after 10 virtual minutes"
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class Pattern:
    """TEXT (a case-insensitive substring) or /REGEX/ (searched, case-insensitive)."""

    source: str
    regex: re.Pattern[str]

    @classmethod
    def parse(cls, text: str, file: object, line: int) -> Pattern:
        if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
            try:
                return cls(text, re.compile(text[1:-1], re.IGNORECASE))
            except (re.error, OverflowError, RecursionError) as error:
                raise DialogError(file, line, f"bad regular expression {text}: {error}") from None
        return cls(text, re.compile(re.escape(text), re.IGNORECASE))

    def matches(self, text: str) -> bool:
        return self.regex.search(text) is not None


@dataclass(frozen=True)
class Step:
    """One line of a dialog file."""

    line: int
    source: str
    kind: str  # say | expect | expect_not | wait | wait_until | clock | set
    words: str = ""
    pattern: Pattern | None = None
    seconds: float = 0.0
    moment: datetime | None = None  # clock: the local date and time it sets
    setting: tuple[str, object] | None = None  # set: a reminder key of the config file, and its value
    sure: bool = True  # say: False for "?>", words heard unsure (Heard.sure)


def parse_duration(text: str) -> float | None:
    """"5s", "250ms", "2m", "1.5s", "10h" in seconds, or None if it is not a duration."""
    match = _DURATION_RE.match(text.strip())
    return float(match.group(1)) * _UNITS[match.group(2)] if match else None


def parse_dialog(text: str, file: object = "<dialog>") -> list[Step]:
    """Parse the .dialog format: one step per line, `#` starts a comment."""
    steps = []
    for number, raw in enumerate(text.splitlines(), start=1):
        source = raw.split("#", 1)[0].strip()
        if not source:
            continue
        if source.startswith("!<"):
            steps.append(Step(number, source, "expect_not", pattern=_pattern(source[2:], file, number)))
        elif source.startswith("<"):
            steps.append(Step(number, source, "expect", pattern=_pattern(source[1:], file, number)))
        elif source.startswith((">", "?>")):
            unsure = source.startswith("?>")
            words = source[1 + unsure:].strip()
            if not words:
                raise DialogError(file, number, f"'{source[:1 + unsure]}' needs the words the user says")
            steps.append(Step(number, source, "say", words=words, sure=not unsure))
        elif source.startswith("clock "):
            steps.append(Step(number, source, "clock", moment=_moment(source[6:], file, number)))
        elif source.startswith("set "):
            steps.append(Step(number, source, "set", setting=_setting(source[4:], file, number)))
        elif source.startswith("wait until"):
            steps.append(Step(number, source, "wait_until", pattern=_pattern(source[10:], file, number)))
        elif source.startswith("wait"):
            seconds = parse_duration(source[4:])
            if seconds is None:
                raise DialogError(file, number, f"'{source[4:].strip()}' is not a duration (e.g. 5s, 250ms, 2m)")
            steps.append(Step(number, source, "wait", seconds=seconds))
        else:
            raise DialogError(file, number, f"cannot read {source!r}: a line starts with >, ?>, <, !<, wait, "
                                            "wait until, clock or set")
    return steps


def _moment(text: str, file: object, line: int) -> datetime:
    """`clock 2027-03-01 07:55`: a local date and time (with a UTC offset, or in the time zone of the runner)."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise DialogError(file, line, f"'{text.strip()}' is not a date and time (e.g. 2027-03-01 07:55)") from None


def _setting(text: str, file: object, line: int) -> tuple[str, object]:
    """`set reminders = ["08:00", "18:00"]`: one reminder key of the config file, checked as the config checks it."""
    try:
        [(key, value)] = tomllib.loads(text).items()
    except (tomllib.TOMLDecodeError, ValueError):
        raise DialogError(file, line, f"cannot read {text.strip()!r}: write KEY = VALUE as in config.toml") from None
    try:
        ReminderSettings().with_value(key, value)
    except ValueError as error:
        raise DialogError(file, line, f"{key}: {error}") from None
    return key, value


def _pattern(text: str, file: object, line: int) -> Pattern:
    text = text.strip()
    if not text:
        raise DialogError(file, line, "the line needs TEXT or /REGEX/ to look for")
    return Pattern.parse(text, file, line)


@dataclass
class DialogResult:
    """How a dialog ran: passed or the failing step, and the transcript."""

    file: str
    passed: bool
    transcript: list[Line]
    failed_step: Step | None = None
    reason: str = ""

    def report(self) -> str:
        """A readable failure report: the failing line, then the transcript with virtual times."""
        if self.passed:
            return f"PASS {self.file}"
        assert self.failed_step is not None
        out = [f"FAIL {self.file}:{self.failed_step.line}: {self.failed_step.source}", f"  {self.reason}",
               "  transcript:"]
        out += [f"    {format_line(line)}" for line in self.transcript]
        return "\n".join(out)


def trace_json(line: Line) -> str:
    """One transcript line as the --trace JSON line."""
    return json.dumps({"t": round(line.start, 3), "who": line.who, "text": line.text})


class _Failure(Exception):
    pass


class DialogRunner:
    """Plays dialog steps against a fresh Coach on a virtual clock; with a journal, each dialog's sessions go into it.

    The journal is shared by every dialog the runner plays, so they run with the memory of the ones before; their
    wall clock starts at `wall_start` and runs on with the virtual one, dialog after dialog.
    """

    def __init__(self, content: Content, grammar: Grammar, on_line: Callable[[Line], None] | None = None,
                 journal: Journal | None = None, wall_start: datetime | None = None):
        self.content = content
        self.grammar = grammar
        self.on_line = on_line
        self.journal = journal
        self.wall = wall_start or local_now()
        self._reminders = ReminderSettings()  # none until a dialog sets them

    def run_file(self, path: Path) -> DialogResult:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise DialogError(path, 0, f"cannot be read: {error}") from None
        return self.run(parse_dialog(text, path), str(path))

    def run(self, steps: list[Step], name: str = "<dialog>") -> DialogResult:
        session = VirtualSession(Coach(self.content, self.grammar), self.grammar, wall_origin=self.wall)
        if self.journal is not None:
            session.recorder = SessionRecorder(self.journal, wall=session.wall)
        session.start()
        cursor = 0
        self._reminders = ReminderSettings()
        try:
            for step in steps:
                cursor = self._step(session, step, cursor)
        except _Failure as failure:
            return self._finish(session, name, step, str(failure))
        finally:
            self.wall = session.wall()
        return self._finish(session, name, None, "")

    def _finish(self, session: VirtualSession, name: str, step: Step | None, reason: str) -> DialogResult:
        transcript = session.transcript()
        if self.on_line:
            for line in transcript:
                self.on_line(line)
        return DialogResult(name, step is None, transcript, step, reason)

    def _step(self, session: VirtualSession, step: Step, cursor: int) -> int:
        if step.kind == "clock":
            assert step.moment is not None
            moment = step.moment
            session.set_wall(moment if moment.tzinfo else moment.replace(tzinfo=session.wall().tzinfo))
            return cursor
        if step.kind == "set":
            assert step.setting is not None
            key, value = step.setting
            self._reminders = _with(self._reminders, key, value, step)
            session.reminding = Reminding(self._reminders, wall=session.wall, journal=self.journal)
            return cursor
        if step.kind == "say":
            cursor = session.heard_so_far()  # first past all that was said, then the words
            session.hear(step.words, step.sure)
            return cursor
        if step.kind == "wait":
            session.advance(session.now + step.seconds)
            return cursor
        assert step.pattern is not None
        pattern = step.pattern
        if step.kind == "expect_not":
            said = _find(session, pattern, cursor)
            if said is not None:
                raise _Failure(f"the coach said {session.coach_lines[said].text!r} at "
                               f"{session.coach_lines[said].start:.2f}s")
            return cursor
        if step.kind == "expect":
            said = _find(session, pattern, cursor)
            if said is None:
                raise _Failure(f"the coach has said nothing matching {pattern.source!r} since the cursor "
                               f"(now {session.now:.2f}s)")
            return said + 1
        limit = session.now + WAIT_UNTIL_LIMIT_S
        while (said := _find(session, pattern, cursor)) is None:
            upcoming = session.next_event_time()
            if upcoming is None or upcoming > limit:
                raise _Failure(f"nothing matching {pattern.source!r} was said within "
                               f"{WAIT_UNTIL_LIMIT_S / 60:g} virtual minutes")
            session.advance(upcoming)
        return said + 1


def _with(settings: ReminderSettings, key: str, value: object, step: Step) -> ReminderSettings:
    """`settings` with one more `set` line's value, or the line's failure if together they make no sense."""
    try:
        return settings.with_value(key, value)
    except ValueError as error:
        raise _Failure(f"line {step.line}: {error}") from None


def _find(session: VirtualSession, pattern: Pattern, cursor: int) -> int | None:
    """The index of the first coach utterance at or after `cursor`, already started, matching `pattern`."""
    for index in range(cursor, len(session.coach_lines)):
        line = session.coach_lines[index]
        if line.dropped:  # never said: its start is when it would have been, maybe after utterances said now
            continue
        if line.start > session.now:
            return None
        if pattern.matches(line.text):
            return index
    return None
