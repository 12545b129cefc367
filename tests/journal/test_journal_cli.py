"""The journal's commands as a person runs them: script and run record, history shows, progress draws, forget
deletes, and a bad journal gets one line."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
from argparse import Namespace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from voicecoach.cli.journal import cmd_forget
from voicecoach.cli.main import main
from voicecoach.journal.history import CSV_FIELDS
from voicecoach.journal.labels import StepLabel
from voicecoach.journal.progress import pain_points, sessions_per_week
from voicecoach.journal.store import Journal

DIALOGS = Path(__file__).parents[1] / "dialogs"
SEVERAL = ("bridge-full.dialog", "it-hurts-during-hold.dialog", "skip.dialog", "stop.dialog")


def voicecoach(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout, check=False)


def one_line_error(result: subprocess.CompletedProcess[str], path: Path) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"voicecoach: {path}: ")
    return line


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A journal of the sessions of several dialogs, recorded by `voicecoach script --journal`."""
    path = tmp_path_factory.mktemp("scripted") / "journal.sqlite3"
    result = voicecoach("script", "--journal", str(path), *(str(DIALOGS / name) for name in SEVERAL))
    assert result.returncode == 0, result.stdout
    return path


def test_script_records_every_dialogs_sessions_in_the_journal_it_is_given(scripted: Path) -> None:
    with Journal.open(scripted) as journal:
        records = journal.sessions()
    assert [r.target for r in records][:2] == ["bridge", "pelvic tilts"]
    assert records[0].end_reason == "finished" and records[1].end_reason == "pain"
    assert any(r.said.get("skip") for r in records) and any(r.end_reason == "stopped" for r in records)


def test_history_prints_a_table_and_csv(scripted: Path) -> None:
    with Journal.open(scripted) as journal:
        count = len(journal.sessions())
    table = voicecoach("history", "--journal", str(scripted))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["#", "started", "min"] and len(lines) == count + 2
    assert "finished" in lines[1] and "bridge 3" in lines[1]
    assert lines[-1] == f"{count} sessions in {scripted}"

    exported = voicecoach("history", "--journal", str(scripted), "--export", "csv")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert tuple(rows[0]) == CSV_FIELDS and len(rows) == count
    assert rows[0]["target"] == "bridge" and rows[0]["repetitions"] == "bridge: 3"
    assert rows[1]["end_reason"] == "pain" and rows[1]["said"] == "it hurts: 1"
    assert datetime.fromisoformat(rows[0]["started_at"]).tzinfo is not None


def test_script_without_a_journal_keeps_a_throwaway_one(tmp_path: Path) -> None:
    state = Path(os.environ["XDG_STATE_HOME"])
    before = sorted(state.rglob("*"))
    result = voicecoach("script", str(DIALOGS / "stop.dialog"))
    assert result.returncode == 0, result.stdout
    assert sorted(state.rglob("*")) == before  # nothing in the person's own journal


def test_each_dialog_file_has_a_throwaway_journal_of_its_own() -> None:
    """A reminder is due only when no session was done since its time: with one journal for every file, the
    second run of this dialog found the first run's session, at a later date, and heard no reminder."""
    reminders = str(DIALOGS / "reminders-twice-a-day.dialog")
    result = voicecoach("script", reminders, reminders)
    assert result.returncode == 0, result.stdout
    assert "2 passed, 0 failed" in result.stdout


def test_run_text_records_into_the_default_journal() -> None:
    path = Path(os.environ["XDG_STATE_HOME"]) / "voicecoach" / "journal.sqlite3"
    result = voicecoach("run", "--text", stdin="start bridge\n")
    assert result.returncode == 0, result.stderr
    with Journal.open(path) as journal:
        (record,) = journal.sessions()
    assert record.target == "bridge" and record.ended_at is None  # cut short by the end of input


def test_history_of_no_journal_says_so() -> None:
    result = voicecoach("history")
    assert result.returncode == 0 and result.stdout.startswith("No sessions recorded yet in")


@pytest.mark.parametrize("args", [("history",), ("history", "--export", "csv"), ("run", "--text"),
                                  ("script", str(DIALOGS / "stop.dialog")), ("progress", "--out", "x.png")])
def test_a_foreign_file_is_refused_by_every_command_and_left_alone(tmp_path: Path, args: tuple[str, ...]) -> None:
    path = tmp_path / "journal.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE mine (x)")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    line = one_line_error(voicecoach(*args, "--journal", str(path), stdin="start bridge\n"), path)
    assert "not a voicecoach journal" in line and "--journal FILE" in line
    assert path.read_bytes() == before and sorted(tmp_path.iterdir()) == [path]


def test_a_newer_journal_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    Journal.open(path).close()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    line = one_line_error(voicecoach("history", "--journal", str(path)), path)
    assert "newer voicecoach" in line and "upgrade voicecoach" in line


# --- forget ------------------------------------------------------------------------------------------------------


@pytest.fixture
def journal_file(tmp_path: Path) -> Path:
    path = tmp_path / "journal.sqlite3"
    with Journal.open(path) as journal:
        journal.start_session(datetime(2026, 3, 2, 8, tzinfo=UTC), "bridge")
    (tmp_path / "journal.sqlite3-wal").write_bytes(b"")  # as a running coach leaves beside it
    return path


def test_forget_refuses_without_a_terminal_or_yes(journal_file: Path) -> None:
    result = voicecoach("forget", "--journal", str(journal_file))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert str(journal_file) in line and "--yes" in line
    assert journal_file.exists()


def test_forget_yes_deletes_the_journal_and_what_sqlite_keeps_beside_it(journal_file: Path) -> None:
    result = voicecoach("forget", "--yes", "--journal", str(journal_file))
    assert result.returncode == 0, result.stderr
    assert list(journal_file.parent.iterdir()) == []
    assert voicecoach("forget", "--yes", "--journal", str(journal_file)).stdout.startswith("Nothing to forget")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("typed, kept", [("yes\n", False), ("no\n", True), ("", True)])
def test_forget_asks_at_a_terminal(journal_file: Path, capsys: pytest.CaptureFixture[str], typed: str,
                                   kept: bool) -> None:
    code = cmd_forget(Namespace(journal=journal_file, yes=False), stdin=Terminal(typed))
    assert journal_file.exists() == kept and code == (1 if kept else 0)
    assert "Type yes" in capsys.readouterr().out


def test_forget_leaves_a_file_that_is_not_a_journal(tmp_path: Path) -> None:
    precious = tmp_path / "thesis.sqlite3"
    precious.write_bytes(b"my thesis")
    line = one_line_error(voicecoach("forget", "--yes", "--journal", str(precious)), precious)
    assert "not a voicecoach journal" in line and precious.read_bytes() == b"my thesis"


# --- progress ----------------------------------------------------------------------------------------------------

MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=timezone(timedelta(hours=1)))


def fill(path: Path, days: list[int], pain: dict[int, tuple[int, int]]) -> None:
    with Journal.open(path) as journal:
        for day in days:
            start = MONDAY + timedelta(days=day)
            session = journal.start_session(start, "routine")
            journal.step_done(session, start, 0, StepLabel(None), None)
            journal.end_session(session, start + timedelta(minutes=14), "finished")
            if day in pain:
                journal.set_pain(session, "before", pain[day][0])
                journal.set_pain(session, "after", pain[day][1])


def test_weeks_and_pain_points(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    fill(path, [0, 0, 3, 16], {0: (5, 3), 16: (2, 2)})
    with Journal.open(path) as journal:
        records = journal.sessions()
    weeks = sessions_per_week(records)
    assert [(monday.isoformat(), count) for monday, count in weeks] == [
        ("2026-03-02", 3), ("2026-03-09", 0), ("2026-03-16", 1)]
    before, after = pain_points(records)
    assert [score for _, score in before] == [5, 5, 2] and [score for _, score in after] == [3, 3, 2]


def test_progress_draws_a_png(tmp_path: Path) -> None:
    import matplotlib.image

    path = tmp_path / "journal.sqlite3"
    fill(path, [0, 1, 2, 5, 9, 12, 20, 21], {0: (6, 4), 2: (5, 4), 9: (4, 2), 21: (3, 1)})
    out = tmp_path / "progress.png"
    result = voicecoach("progress", "--journal", str(path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Wrote {out}: 8 sessions")
    image = matplotlib.image.imread(out)
    assert image.shape[:2] == (600, 900)
    assert len({tuple(pixel) for pixel in image.reshape(-1, image.shape[2])[::97]}) > 5  # not a blank page


def test_progress_without_matplotlib_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "journal.sqlite3"
    fill(path, [0], {})
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what `import matplotlib` meets when it is not there
    assert main(["progress", "--journal", str(path), "--out", str(tmp_path / "p.png")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "matplotlib" in line and "pip install 'voicecoach[progress]'" in line
    assert not (tmp_path / "p.png").exists()


def test_progress_of_an_empty_journal_draws_nothing(tmp_path: Path) -> None:
    result = voicecoach("progress", "--journal", str(tmp_path / "none.sqlite3"), "--out", str(tmp_path / "p.png"))
    assert result.returncode == 0 and "nothing to draw" in result.stdout
    assert not (tmp_path / "p.png").exists()


def test_progress_to_a_place_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    fill(path, [0], {})
    out = tmp_path / "missing" / "p.png"
    result = voicecoach("progress", "--journal", str(path), "--out", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"voicecoach: {out}: cannot be written")
