"""The journal's tables, as migrations applied in order: the file's `PRAGMA user_version` is how many ran."""

from __future__ import annotations

# Marks a file as a voicecoach journal (`PRAGMA application_id`, bytes 68-71 of the SQLite header), so that
# another program's SQLite database is recognized, and never written to, before anything else is read.
APPLICATION_ID = 0x56434A4C  # "VCJL"

# One entry per schema version; entry N-1 takes a version N-1 file to version N. Never edit a released entry:
# append one. Each runs in the same transaction as the user_version it sets.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: sessions, the steps done in them, and what the person said during them.
    (
        f"PRAGMA application_id = {APPLICATION_ID}",
        """CREATE TABLE session (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,  -- ISO 8601 local time with its UTC offset
            target TEXT NOT NULL,  -- what was started: an exercise or a routine, as it was said
            ended_at TEXT,  -- NULL: cut short (a power cut, the process killed) or still running
            end_reason TEXT CHECK (end_reason IN ('finished', 'stopped', 'pain'))
        )""",
        """CREATE TABLE step (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
            at TEXT NOT NULL,  -- when the step was done
            plan_index INTEGER NOT NULL,
            exercise TEXT,  -- NULL for the session's opening advice
            repetition INTEGER,  -- NULL for an exercise's introduction and set-up
            side TEXT,
            completes_repetition INTEGER NOT NULL DEFAULT 0,  -- 1: the last step of a repetition (on its last side)
            hold_seconds INTEGER  -- the hold counted in this step; NULL: it has none
        )""",
        """CREATE TABLE said (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            command TEXT NOT NULL,  -- canonical: "skip", "it hurts", "stop", "pause", ...
            plan_index INTEGER NOT NULL,  -- the step it was said in
            exercise TEXT
        )""",
        "CREATE INDEX step_by_session ON step(session_id)",
        "CREATE INDEX said_by_session ON said(session_id)",
    ),
    # 2: what the pain check-in and the progression will write: pain from 0 to 10 before and after a session,
    # and each exercise's current load.
    (
        "ALTER TABLE session ADD COLUMN pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10)",
        "ALTER TABLE session ADD COLUMN pain_after INTEGER CHECK (pain_after BETWEEN 0 AND 10)",
        """CREATE TABLE exercise_load (
            exercise TEXT PRIMARY KEY,
            repetitions INTEGER NOT NULL CHECK (repetitions > 0),
            hold_seconds INTEGER CHECK (hold_seconds > 0),
            changed_at TEXT NOT NULL,
            changed_after_session INTEGER REFERENCES session(id) ON DELETE SET NULL
        )""",
    ),
    # 3: the load each exercise had before its last change, so that the coach can say what changed.
    (
        "ALTER TABLE exercise_load ADD COLUMN previous_repetitions INTEGER CHECK (previous_repetitions > 0)",
        "ALTER TABLE exercise_load ADD COLUMN previous_hold_seconds INTEGER CHECK (previous_hold_seconds > 0)",
    ),
    # 4: the reminder said last, so that a restart (a power cut, the service restarted) does not say it again.
    (
        """CREATE TABLE reminder (
            id INTEGER PRIMARY KEY CHECK (id = 1),  -- one row: the last reminder said
            slot_at TEXT NOT NULL,  -- the reminder time it was said for, as an instant (ISO 8601 UTC)
            slot_wall TEXT NOT NULL,  -- and as the local date and time of day it names
            snoozed_until TEXT  -- "not now" was said: when it is said once more; NULL: it was not
        )""",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)
