"""The journal file: where it lives, how it is created and migrated, and what it refuses to touch."""

from __future__ import annotations

import sqlite3
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from voicecoach.journal.labels import StepLabel
from voicecoach.journal.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from voicecoach.journal.store import Journal, JournalError, default_journal_path, is_journal_file, migrate

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=timezone(timedelta(hours=1)))


def test_the_default_path_follows_xdg_state_home(tmp_path: Path) -> None:
    assert default_journal_path({"XDG_STATE_HOME": str(tmp_path), "HOME": "/home/x"}) == \
        tmp_path / "voicecoach" / "journal.sqlite3"
    assert default_journal_path({"HOME": "/home/x"}) == Path("/home/x/.local/state/voicecoach/journal.sqlite3")
    # The XDG spec: a relative value is invalid and ignored.
    assert default_journal_path({"XDG_STATE_HOME": "rel", "HOME": "/home/x"}).parts[:4] == \
        ("/", "home", "x", ".local")


def test_a_new_journal_is_private_versioned_and_durable(tmp_path: Path) -> None:
    path = tmp_path / "state" / "voicecoach" / "journal.sqlite3"
    with Journal.open(path) as journal:
        connection = journal._connection
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert journal.integrity() == "ok"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert is_journal_file(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["journal.sqlite3"]  # no -wal left once closed


def test_what_is_written_is_read_back(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with Journal.open(path) as journal:
        first = journal.start_session(T0, "routine")
        journal.step_done(first, T0 + timedelta(seconds=20), 0, StepLabel(None), None)
        for repetition in (1, 2):
            journal.step_done(first, T0, 3, StepLabel("bridge", repetition, None, False), 5)
            journal.step_done(first, T0, 4, StepLabel("bridge", repetition, None, True), None)
        journal.said(first, T0, "pause", 4, "bridge")
        journal.said(first, T0, "it hurts", 4, "bridge")
        journal.end_session(first, T0 + timedelta(minutes=3), "stopped")
        journal.set_end_reason(first, "pain")
        journal.set_pain(first, "before", 4)
        second = journal.start_session(T0 + timedelta(days=1), "cat stretch")
    with Journal.open(path) as journal:
        records = journal.sessions()
    assert [r.id for r in records] == [first, second]
    one, two = records
    assert one.started_at == T0 and one.ended_at == T0 + timedelta(minutes=3) and one.end_reason == "pain"
    assert dict(one.repetitions) == {"bridge": 2} and (one.holds, one.hold_seconds) == (2, 10)
    assert dict(one.said) == {"pause": 1, "it hurts": 1}
    assert (one.pain_before, one.pain_after) == (4, None)
    assert two.ended_at is None and two.end_reason is None and dict(two.repetitions) == {}


def test_a_version_1_journal_is_migrated_in_place_keeping_its_sessions(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    migrate(connection, 0, to=1)
    connection.execute("INSERT INTO session (started_at, target, ended_at, end_reason) VALUES (?, ?, ?, ?)",
                       (T0.isoformat(), "bridge", (T0 + timedelta(minutes=2)).isoformat(), "finished"))
    connection.close()
    with pytest.raises(sqlite3.OperationalError):  # version 1 has no pain columns
        sqlite3.connect(path).execute("SELECT pain_before FROM session")

    with Journal.open(path) as journal:
        assert journal._connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        (record,) = journal.sessions()
        assert record.target == "bridge" and record.end_reason == "finished" and record.pain_before is None
        journal.set_pain(record.id, "after", 2)
        assert journal.sessions()[0].pain_after == 2
        tables = {name for (name,) in journal._connection.execute("SELECT name FROM sqlite_master")}
        assert "exercise_load" in tables


def test_a_migration_that_fails_leaves_the_file_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "journal.sqlite3"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    migrate(connection, 0, to=1)
    connection.close()
    broken = (*MIGRATIONS[:1], (*MIGRATIONS[1][:1], "THIS IS NOT SQL"))
    monkeypatch.setattr("voicecoach.journal.store.MIGRATIONS", broken)
    with pytest.raises(JournalError, match=f"cannot be brought from journal version 1 to {SCHEMA_VERSION}"):
        Journal.open(path)
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone() == (1,)
    columns = [row[1] for row in connection.execute("PRAGMA table_info(session)")]
    assert "pain_before" not in columns  # the first step of the failed migration was rolled back with it


def test_every_migration_is_applied_once_and_counted() -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 2
    assert MIGRATIONS[0][0] == f"PRAGMA application_id = {APPLICATION_ID}"


def snapshot(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.parent.iterdir())}


@pytest.mark.parametrize("content, message", [
    (b"", "not an SQLite database, or cut short"),
    (b"name,date\nbridge,today\n" * 10, "not an SQLite database, or cut short"),
    (b"SQLite format 3\x00" + b"\x00" * 20, "not an SQLite database, or cut short"),
])
def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(content)
    with pytest.raises(JournalError, match=message) as error:
        Journal.open(path)
    assert str(path) in str(error.value) and "--journal" in str(error.value)
    assert snapshot(path) == {"journal.sqlite3": content}


def test_another_programs_sqlite_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.execute("INSERT INTO notes VALUES ('mine')")
    connection.commit()
    connection.close()
    before = snapshot(path)
    with pytest.raises(JournalError, match="an SQLite database, but not a voicecoach journal"):
        Journal.open(path)
    assert snapshot(path) == before
    assert not is_journal_file(path)


def test_a_journal_from_a_newer_voicecoach_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    Journal.open(path).close()
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    before = snapshot(path)
    with pytest.raises(JournalError, match=f"newer voicecoach \\(journal version {SCHEMA_VERSION + 1}"):
        Journal.open(path)
    assert snapshot(path) == before


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="is not a file"):
        Journal.open(tmp_path)


def test_a_journal_that_cannot_be_created_says_where(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(JournalError, match="cannot be created"):
        Journal.open(blocker / "voicecoach" / "journal.sqlite3")


def test_a_creation_cut_short_leaves_nothing_in_the_way(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    (tmp_path / "journal.sqlite3.new").write_bytes(b"half a journal")  # what a power cut mid-creation leaves
    with Journal.open(path) as journal:
        assert journal.sessions() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.sqlite3"]


def test_times_without_an_offset_are_refused(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.sqlite3") as journal, pytest.raises(ValueError, match="UTC offset"):
        journal.start_session(datetime(2026, 3, 2, 8, 30), "bridge")


def test_a_throwaway_journal_skips_the_sync_but_keeps_the_write_ahead_log(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.sqlite3", durable=False) as journal:
        assert journal._connection.execute("PRAGMA synchronous").fetchone() == (0,)  # OFF
        assert journal._connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
