"""The journal file: opened only when it is a voicecoach journal, migrated in one transaction, one commit per write."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from voicecoach.core.reminders import SaidReminder
from voicecoach.errors import VoicecoachError
from voicecoach.journal.labels import StepLabel
from voicecoach.journal.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from voicecoach.paths import xdg_base

JOURNAL_NAME = "journal.sqlite3"
SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100  # an SQLite file starts with a 100-byte header
_APPLICATION_ID_AT = 68  # where the header keeps `PRAGMA application_id`, big-endian
BUSY_S = 5.0  # how long a write waits for another process's (`history` reading while the service writes)
ELSEWHERE = "move it away (voicecoach never overwrites it), or pass --journal FILE to use another"

PAIN_COMMAND = "it hurts"  # the command every pain phrase means (grammar/commands.toml)
EndReason = Literal["finished", "stopped", "pain"]
END_REASONS: tuple[EndReason, ...] = ("finished", "stopped", "pain")


def default_journal_path(env: Mapping[str, str] = os.environ) -> Path:
    """$XDG_STATE_HOME/voicecoach/journal.sqlite3, else ~/.local/state/voicecoach/journal.sqlite3."""
    return xdg_base(env, "XDG_STATE_HOME", ".local/state") / "voicecoach" / JOURNAL_NAME


class JournalError(VoicecoachError):
    """A journal that cannot be used: names the file and what to do."""

    def __init__(self, path: Path, message: str):
        self.path = path
        super().__init__(f"{path}: {message}")


def companions(path: Path) -> tuple[Path, ...]:
    """The files SQLite keeps beside the journal in WAL mode, and the one a creation cut short leaves."""
    return tuple(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", ".new", ".new-wal", ".new-shm"))


def is_journal_file(path: Path) -> bool:
    """True when the file's header says it is a voicecoach journal, whatever state the rest of it is in."""
    try:
        with path.open("rb") as file:
            header = file.read(HEADER_BYTES)
    except OSError:
        return False
    mark = header[_APPLICATION_ID_AT:_APPLICATION_ID_AT + 4]
    return header.startswith(SQLITE_MAGIC) and int.from_bytes(mark, "big") == APPLICATION_ID


@dataclass(frozen=True)
class SessionRecord:
    """One session as the journal keeps it, with its steps and commands summed up."""

    id: int
    started_at: datetime
    target: str
    ended_at: datetime | None
    end_reason: EndReason | None
    pain_before: int | None
    pain_after: int | None
    repetitions: Mapping[str, int]  # exercise -> repetitions completed, in the order they were done
    holds: int
    hold_seconds: int
    said: Mapping[str, int]  # command -> how often, in the order first said
    hurt_during: frozenset[str] = frozenset()  # the exercises during which "it hurts" (any pain phrase) was said


@dataclass(frozen=True)
class StoredLoad:
    """An exercise's load as the journal keeps it (exercise_load): its repetitions and hold, the ones before its last
    change, and the session after which it changed."""

    repetitions: int
    hold_seconds: int | None
    previous_repetitions: int | None
    previous_hold_seconds: int | None
    changed_after_session: int | None


class _Damaged(Exception):
    """A value of the wrong type or form, read from the file."""


class Journal:
    """An open journal. Each write is one transaction (or part of together()'s), committed and synced at its end."""

    def __init__(self, path: Path, connection: sqlite3.Connection):
        self.path = path
        self._connection = connection
        self._in_transaction = False

    @classmethod
    def open(cls, path: Path, *, durable: bool = True) -> Journal:
        """Open the journal at `path`, creating it if there is no file there; JournalError if it is not usable.

        durable=False skips the sync at each commit, for a throwaway journal (`voicecoach script`): a crash still
        leaves it sound, but a power cut may take its last commits.
        """
        path = path.expanduser()
        if not os.path.lexists(path):
            _create(path)
        _check_header(path)
        try:
            connection = sqlite3.connect(path, timeout=BUSY_S, isolation_level=None)
        except sqlite3.Error as error:
            raise JournalError(path, f"cannot be opened ({error}); {ELSEWHERE}") from None
        # Bytes that are not UTF-8 (a damaged page) read as U+FFFD, in SQLite's reports as in the rows.
        connection.text_factory = lambda raw: raw.decode("utf-8", "replace")
        try:
            _prepare(path, connection, durable)
        except (sqlite3.DatabaseError, UnicodeDecodeError) as error:  # the second: SQLite's report of bad bytes
            connection.close()
            raise _damaged(path, error) from None
        except BaseException:
            connection.close()
            raise
        return cls(path, connection)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writes: what a session recorder calls -------------------------------------------------------

    def start_session(self, started_at: datetime, target: str) -> int:
        """A session began; returns its id."""
        return self._write("session", "INSERT INTO session (started_at, target) VALUES (?, ?)",
                           (_iso(started_at), target))

    def step_done(self, session_id: int, at: datetime, plan_index: int, label: StepLabel,
                  hold_seconds: int | None) -> int:
        """A step of the plan was done to its end (its hold counted, if it has one)."""
        return self._write(
            "step", "INSERT INTO step (session_id, at, plan_index, exercise, repetition, side, completes_repetition,"
            " hold_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (session_id, _iso(at), plan_index, label.exercise, label.repetition, label.side,
             int(label.completes_repetition), hold_seconds))

    def said(self, session_id: int, at: datetime, command: str, plan_index: int, exercise: str | None) -> int:
        """The person said `command` (one the coach acted on) during step `plan_index`."""
        return self._write("said", "INSERT INTO said (session_id, at, command, plan_index, exercise)"
                           " VALUES (?, ?, ?, ?, ?)", (session_id, _iso(at), command, plan_index, exercise))

    def end_session(self, session_id: int, ended_at: datetime, reason: EndReason) -> None:
        """The session ended at `ended_at`."""
        self._write("session", "UPDATE session SET ended_at = ?, end_reason = ? WHERE id = ?",
                    (_iso(ended_at), reason, session_id), session_id)

    def set_end_reason(self, session_id: int, reason: EndReason) -> None:
        """Correct why the session ended, as the coach finally reported it."""
        self._write("session", "UPDATE session SET end_reason = ? WHERE id = ?", (reason, session_id), session_id)

    def set_pain(self, session_id: int, moment: Literal["before", "after"], score: int) -> None:
        """The person's pain, from 0 to 10, before or after the session."""
        column = {"before": "pain_before", "after": "pain_after"}[moment]
        self._write("session", f"UPDATE session SET {column} = ? WHERE id = ?", (score, session_id), session_id)

    def set_load(self, exercise: str, load: StoredLoad, at: datetime) -> None:
        """The exercise's load changed (after session `load.changed_after_session`)."""
        self._write("exercise_load", "INSERT INTO exercise_load (exercise, repetitions, hold_seconds, "
                    "previous_repetitions, previous_hold_seconds, changed_at, changed_after_session) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (exercise) DO UPDATE SET "
                    "repetitions = excluded.repetitions, hold_seconds = excluded.hold_seconds, "
                    "previous_repetitions = excluded.previous_repetitions, "
                    "previous_hold_seconds = excluded.previous_hold_seconds, changed_at = excluded.changed_at, "
                    "changed_after_session = excluded.changed_after_session RETURNING rowid",
                    (exercise, load.repetitions, load.hold_seconds, load.previous_repetitions,
                     load.previous_hold_seconds, _iso(at), load.changed_after_session))

    def set_reminder(self, said: SaidReminder) -> None:
        """The reminder said last (and whether "not now" put it off)."""
        self._write("reminder", "INSERT INTO reminder (id, slot_at, slot_wall, snoozed_until) VALUES (1, ?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET slot_at = excluded.slot_at, slot_wall = excluded.slot_wall, "
                    "snoozed_until = excluded.snoozed_until",
                    (_iso(said.slot), said.wall.isoformat(timespec="minutes"),
                     None if said.snoozed_until is None else _iso(said.snoozed_until)), 1)

    def reminder(self) -> SaidReminder | None:
        """The reminder said last, or None; JournalError if a value is not what it must be."""
        try:
            row = self._connection.execute(
                "SELECT slot_at, slot_wall, snoozed_until FROM reminder WHERE id = 1").fetchone()
            if row is None:
                return None
            wall = datetime.fromisoformat(_text(row[1]))
            if wall.tzinfo is not None:
                raise _Damaged(f"slot_wall {row[1]!r} has a time zone")
            return SaidReminder(_time(row[0]), wall, None if row[2] is None else _time(row[2]))
        except (sqlite3.DatabaseError, UnicodeDecodeError, ValueError, _Damaged) as error:
            raise _damaged(self.path, error) from None

    def loads(self) -> dict[str, StoredLoad]:
        """Each exercise's load, for those whose load ever changed; JournalError if a value is not what it must be."""
        try:
            return {_text(exercise): StoredLoad(_int(reps), _maybe_int(hold), _maybe_int(prev_reps),
                                                _maybe_int(prev_hold), _maybe_int(after))
                    for exercise, reps, hold, prev_reps, prev_hold, after in self._connection.execute(
                        "SELECT exercise, repetitions, hold_seconds, previous_repetitions, previous_hold_seconds, "
                        "changed_after_session FROM exercise_load")}
        except (sqlite3.DatabaseError, UnicodeDecodeError, _Damaged) as error:
            raise _damaged(self.path, error) from None

    def _write(self, table: str, sql: str, params: tuple[object, ...], row_id: int | None = None) -> int:
        """Run one statement in a transaction of its own; returns the id of the row of `table` it wrote."""
        with self._transaction():
            cursor = self._connection.execute(sql, params)
            returned = cursor.fetchone() if cursor.description else None  # RETURNING rowid: an upsert's row
        if row_id is None and returned is not None:
            row_id = int(returned[0])
        return row_id if row_id is not None else int(cursor.lastrowid or 0)

    @contextmanager
    def together(self) -> Iterator[None]:
        """The writes inside are one transaction: a power cut keeps all of them or none."""
        with self._transaction():
            yield

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self._in_transaction:  # a write inside together(): its transaction is together()'s
            yield
            return
        self._connection.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._connection.execute("ROLLBACK")
            raise
        else:
            self._connection.execute("COMMIT")
        finally:
            self._in_transaction = False

    # --- reads ---------------------------------------------------------------------------------------------

    def sessions(self) -> list[SessionRecord]:
        """Every session, oldest first; JournalError if a value in the file is not what the schema allows."""
        try:
            return self._sessions()
        except (sqlite3.DatabaseError, UnicodeDecodeError, _Damaged) as error:
            raise _damaged(self.path, error) from None

    def _sessions(self) -> list[SessionRecord]:
        query = self._connection.execute
        repetitions: dict[int, dict[str, set[int]]] = {}
        touched: dict[int, dict[str, None]] = {}
        holds: dict[int, list[int]] = {}
        for session_id, exercise, repetition, completes, hold in query(
                "SELECT session_id, exercise, repetition, completes_repetition, hold_seconds FROM step ORDER BY id"):
            sid = _int(session_id)
            if exercise is not None:
                touched.setdefault(sid, {})[_text(exercise)] = None
                completed = repetitions.setdefault(sid, {}).setdefault(exercise, set())
                if completes and repetition is not None:
                    completed.add(_int(repetition))
            if hold is not None:
                holds.setdefault(sid, []).append(_int(hold))
        said: dict[int, dict[str, int]] = {}
        hurt: dict[int, set[str]] = {}
        for session_id, command, exercise in query("SELECT session_id, command, exercise FROM said ORDER BY id"):
            counts = said.setdefault(_int(session_id), {})
            counts[_text(command)] = counts.get(_text(command), 0) + 1
            if command == PAIN_COMMAND and exercise is not None:
                hurt.setdefault(_int(session_id), set()).add(_text(exercise))
        records = []
        for sid, started, target, ended, reason, before, after in query(
                "SELECT id, started_at, target, ended_at, end_reason, pain_before, pain_after FROM session"
                " ORDER BY id"):
            sid = _int(sid)
            if reason is not None and reason not in END_REASONS:
                raise _Damaged(f"session {sid} ended for an unknown reason {reason!r}")
            done = repetitions.get(sid, {})
            records.append(SessionRecord(
                id=sid, started_at=_time(started), target=_text(target),
                ended_at=None if ended is None else _time(ended), end_reason=reason,
                pain_before=_pain(before), pain_after=_pain(after),
                repetitions={name: len(done.get(name, ())) for name in touched.get(sid, {})},
                holds=len(holds.get(sid, [])), hold_seconds=sum(holds.get(sid, [])), said=said.get(sid, {}),
                hurt_during=frozenset(hurt.get(sid, ()))))
        return records

    def last_session_end(self) -> datetime | None:
        """When the last session in which a repetition was done ended (began, if it never ended: a power cut);
        None if there is none. A session stopped before its first repetition is no exercise done."""
        try:
            row = self._connection.execute(
                "SELECT started_at, ended_at FROM session WHERE EXISTS (SELECT 1 FROM step WHERE "
                "step.session_id = session.id AND step.completes_repetition) ORDER BY id DESC LIMIT 1").fetchone()
            return None if row is None else _time(row[1] if row[1] is not None else row[0])
        except (sqlite3.DatabaseError, UnicodeDecodeError, _Damaged) as error:
            raise _damaged(self.path, error) from None

    def integrity(self) -> str:
        """SQLite's own check of the whole file: "ok" when it is sound."""
        return "\n".join(str(row[0]) for row in self._connection.execute("PRAGMA integrity_check"))


# --- opening ---------------------------------------------------------------------------------------------------


def _check_header(path: Path) -> None:
    """Refuse, before SQLite reads or writes a byte of it, anything that is not an SQLite file."""
    if not path.is_file():
        raise JournalError(path, f"is not a file; {ELSEWHERE}")
    try:
        with path.open("rb") as file:
            header = file.read(HEADER_BYTES)
    except OSError as error:
        raise JournalError(path, f"cannot be read ({error.strerror}); {ELSEWHERE}") from None
    if len(header) < HEADER_BYTES or not header.startswith(SQLITE_MAGIC):
        raise JournalError(path, f"is not a voicecoach journal (not an SQLite database, or cut short); {ELSEWHERE}")


def _prepare(path: Path, connection: sqlite3.Connection, durable: bool) -> None:
    """Check that the file is ours, sound and not from a newer voicecoach; only then write to it (migrations)."""
    (application_id,) = connection.execute("PRAGMA application_id").fetchone()
    if application_id != APPLICATION_ID:
        raise JournalError(path, f"is an SQLite database, but not a voicecoach journal; {ELSEWHERE}")
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise JournalError(path, f"was written by a newer voicecoach (journal version {version}; this one reads up "
                                 f"to {SCHEMA_VERSION}): upgrade voicecoach, or pass --journal FILE to use another")
    problems = [str(row[0]) for row in connection.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise _damaged(path, problems[0])
    _write_ahead(path, connection, durable)
    if version < SCHEMA_VERSION:
        try:
            migrate(connection, version)
        except sqlite3.DatabaseError as error:
            raise JournalError(path, f"cannot be brought from journal version {version} to {SCHEMA_VERSION} "
                                     f"({error}); it is as it was: {ELSEWHERE}") from None


def _write_ahead(path: Path, connection: sqlite3.Connection, durable: bool) -> None:
    # WAL: a commit appends to the -wal file and never rewrites pages in place, so a power cut at any moment leaves
    # the last commit or the one before it, never a half-written page. synchronous=FULL syncs the WAL at every
    # commit: with NORMAL, commits since the last checkpoint may vanish at a power cut, and the journal promises to
    # lose at most the step in progress. It costs one fsync per step, and steps are seconds apart.
    (mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
    if mode != "wal":
        raise JournalError(path, f"cannot keep a write-ahead log there (journal mode {mode}); "
                                 "pass --journal FILE on a local disk")
    connection.execute(f"PRAGMA synchronous = {'FULL' if durable else 'OFF'}")
    connection.execute("PRAGMA foreign_keys = ON")


def migrate(connection: sqlite3.Connection, version: int, to: int = SCHEMA_VERSION) -> None:
    """Take a version `version` journal to version `to`, in one transaction: all the steps or none."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        for steps in MIGRATIONS[version:to]:
            for sql in steps:
                connection.execute(sql)
        connection.execute(f"PRAGMA user_version = {int(to)}")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _create(path: Path) -> None:
    """Make a new journal beside `path` and link it into place whole: a cut-short creation leaves no file there."""
    new = path.with_name(path.name + ".new")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        for leftover in (new, new.with_name(new.name + "-wal"), new.with_name(new.name + "-shm")):
            leftover.unlink(missing_ok=True)  # ours: what a creation cut short left
        descriptor = os.open(new, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # private: it is health data
        os.close(descriptor)
        connection = sqlite3.connect(new, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            migrate(connection, 0)
        finally:
            connection.close()  # checkpoints: the -wal is folded in and removed
        _fsync(new)
        _place(new, path)
        _fsync(path.parent)
    except (OSError, sqlite3.Error) as error:
        detail = error.strerror if isinstance(error, OSError) else str(error)
        raise JournalError(path, f"cannot be created ({detail}); pass --journal FILE to put it elsewhere") from None


def _place(new: Path, path: Path) -> None:
    try:
        os.link(new, path)  # unlike a rename, never replaces a file that appeared there meanwhile
    except FileExistsError:
        pass  # another voicecoach created it first: use theirs
    except OSError:
        if os.path.lexists(path):
            raise
        os.rename(new, path)  # a file system without hard links
        return
    new.unlink()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _damaged(path: Path, error: object) -> JournalError:
    detail = " ".join(str(error).replace("*", "").split())  # SQLite's reports span lines; the message is one
    if len(detail) > 100:
        detail = detail[:99] + "…"
    return JournalError(path, f"is damaged ({detail}); `sqlite3 {path} .recover` may save what it holds; {ELSEWHERE}")


# --- values read back ----------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"the journal keeps times with their UTC offset, not {moment!r}")
    return moment.isoformat(timespec="seconds")


def _int(value: object) -> int:
    if not isinstance(value, int):
        raise _Damaged(f"{value!r} where a number belongs")
    return value


def _maybe_int(value: object) -> int | None:
    return None if value is None else _int(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Damaged(f"{value!r} where text belongs")
    return value


def _pain(value: object) -> int | None:
    if value is None:
        return None
    score = _int(value)
    if not 0 <= score <= 10:
        raise _Damaged(f"a pain score of {score}")
    return score


def _time(value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(_text(value))
    except ValueError:
        raise _Damaged(f"{value!r} where a time belongs") from None
    if moment.tzinfo is None:
        raise _Damaged(f"{value!r} has no UTC offset")
    return moment

