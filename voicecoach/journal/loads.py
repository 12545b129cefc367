"""Each exercise's load as the journal keeps it: read for the coach, and stepped by the content's rule when a
session closes."""

from __future__ import annotations

from datetime import datetime

from voicecoach.core.content import Content
from voicecoach.core.progression import ExerciseLoad, Load, Outcome, next_load, start_load, within
from voicecoach.journal.store import Journal, SessionRecord, StoredLoad


def current_loads(journal: Journal, content: Content) -> dict[str, ExerciseLoad]:
    """Each exercise's load, with the one before it while the exercise has not been done since it changed."""
    sessions = journal.sessions()
    out = {}
    for name, stored in journal.loads().items():
        if name not in content.exercises:
            continue  # an exercise the content no longer has
        after = stored.changed_after_session or 0
        done_since = any(name in record.repetitions for record in sessions if record.id > after)
        previous = None if done_since or stored.previous_repetitions is None else \
            Load(stored.previous_repetitions, stored.previous_hold_seconds)
        out[name] = ExerciseLoad(Load(stored.repetitions, stored.hold_seconds), previous)
    return out


def step_loads(journal: Journal, content: Content, session_id: int, at: datetime) -> None:
    """Session `session_id` has closed: step the load of each exercise it did by progression.toml's rule."""
    sessions = [record for record in journal.sessions() if record.id <= session_id]
    closed = next((record for record in sessions if record.id == session_id), None)
    if closed is None:
        return
    stored = journal.loads()
    rule, rise = content.progression, content.checkin.pain_rise
    for name in closed.repetitions:
        exercise = content.exercises.get(name)
        if exercise is None:
            continue
        before = stored.get(name)
        current = within(exercise, Load(before.repetitions, before.hold_seconds), rule.hold_step) if before \
            else start_load(exercise)
        since = (before.changed_after_session or 0) if before else 0
        outcomes = [_outcome(record, name, current) for record in sessions
                    if record.id > since and name in record.repetitions]
        after = next_load(exercise, rule, rise, current, outcomes)
        if after != current:
            journal.set_load(name, StoredLoad(after.repetitions, after.hold, current.repetitions, current.hold,
                                              session_id), at)


def _outcome(record: SessionRecord, name: str, load: Load) -> Outcome:
    return Outcome(whole=record.repetitions.get(name, 0) >= load.repetitions, hurt=name in record.hurt_during,
                   pain_before=record.pain_before, pain_after=record.pain_after)
