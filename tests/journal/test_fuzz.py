"""Fuzzed journal files: any bytes, truncations and corruptions of a real journal. `voicecoach history` either
reads them or says in one line which file is wrong and what to do; never a traceback, and a file it refuses is
left byte for byte as it was."""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicecoach.cli.main import main
from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar
from voicecoach.journal.store import SQLITE_MAGIC, Journal
from voicecoach.testing.dialog import DialogRunner, parse_dialog

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SESSIONS = (
    "> start bridge\nwait until That is the end of the session\nwait 10s\n",
    "> start pelvic tilts\nwait until /^Four\\.$/\n> it hurts\nwait 1m\n",
    "> start routine\nwait 2m\n> skip\nwait 1m\n> stop\nwait 10s\n",
    "> start knee to chest\nwait 30s\n",
)


@pytest.fixture(scope="module")
def real_journal(tmp_path_factory: pytest.TempPathFactory, content: Content, grammar: Grammar) -> Path:
    """A journal as sessions leave it (closed, so all of it is in the one file); a path, whose repr is short."""
    path = tmp_path_factory.mktemp("real") / "journal.sqlite3"
    with Journal.open(path) as journal:
        runner = DialogRunner(content, grammar, journal=journal)
        for dialog in SESSIONS:
            assert runner.run(parse_dialog(dialog)).passed
        journal.set_pain(1, "before", 3)
        assert len(journal.sessions()) == len(SESSIONS)
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def history_of(workdir: Path, data: bytes) -> int:
    """Run `voicecoach history` on a journal holding `data`, and hold it to the contract."""
    shutil.rmtree(workdir)
    workdir.mkdir()
    path = workdir / "journal.sqlite3"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["history", "--journal", str(path)])  # anything but SystemExit escaping fails the test
    if code == 0:
        assert err.getvalue() == "" and ("sessions in" in out.getvalue() or "No sessions" in out.getvalue())
        return code
    assert code == 2, (code, err.getvalue())
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"voicecoach: {path}: "), err.getvalue()
    assert "--journal FILE" in lines[0] or "upgrade voicecoach" in lines[0]
    assert sorted(p.name for p in workdir.iterdir()) == ["journal.sqlite3"]
    assert path.read_bytes() == data, "a refused journal was written to"
    return code


@FUZZ
@given(data=st.binary(max_size=3000) | st.binary(max_size=3000).map(lambda tail: SQLITE_MAGIC + tail))
def test_any_bytes(workdir: Path, data: bytes) -> None:
    history_of(workdir, data)


# Places in the file as fractions of its length, so that what is drawn does not depend on the journal's size.
places = st.floats(0, 1, exclude_max=True)


@FUZZ
@given(cut=places)
def test_a_real_journal_cut_short(workdir: Path, real_journal: Path, cut: float) -> None:
    data = real_journal.read_bytes()
    history_of(workdir, data[:int(cut * len(data))])


@FUZZ
@given(changes=st.lists(st.tuples(places, st.integers(0, 255)), min_size=1, max_size=8))
def test_a_real_journal_with_bytes_changed(workdir: Path, real_journal: Path,
                                           changes: list[tuple[float, int]]) -> None:
    damaged = bytearray(real_journal.read_bytes())
    for place, value in changes:
        damaged[int(place * len(damaged))] = value
    history_of(workdir, bytes(damaged))


def test_the_real_journal_reads_and_one_cut_in_its_header_is_refused(workdir: Path, real_journal: Path) -> None:
    assert history_of(workdir, real_journal.read_bytes()) == 0
    assert history_of(workdir, real_journal.read_bytes()[:50]) == 2
