"""Shared fixtures, and every tests/dialogs/*.dialog file collected as a test of its own."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicecoach.core.content import Content, load_content
from voicecoach.core.grammar import Grammar, load_grammar
from voicecoach.journal.store import JOURNAL_NAME, Journal
from voicecoach.paths import default_content_dir, default_grammar_dir
from voicecoach.testing.dialog import DialogResult, DialogRunner

DIALOGS = Path(__file__).parent / "dialogs"


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("voicecoach-cache")


@pytest.fixture(autouse=True)
def no_user_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
                   session_cache: Path) -> None:
    """Keep a developer's own ~/.config/voicecoach, ~/.cache/voicecoach, journal (~/.local/state/voicecoach) and
    voice profile (~/.local/share/voicecoach) out of every test, subprocesses included (the cache is shared by
    the session's tests, as by a Pi's starts)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("xdg-state")))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    monkeypatch.delenv("VOICECOACH_CONFIG", raising=False)
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(session_cache))


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(default_content_dir())


@pytest.fixture(scope="session")
def grammar(content: Content) -> Grammar:
    return load_grammar(default_grammar_dir(), content)


@pytest.fixture
def grammar_dir(tmp_path: Path) -> Path:
    """A copy of the shipped grammar directory, to edit."""
    root = tmp_path / "grammar"
    shutil.copytree(default_grammar_dir(), root)
    return root


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".dialog" and file_path.parent == DIALOGS:
        return DialogFile.from_parent(parent, path=file_path)
    return None


class DialogFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield DialogItem.from_parent(self, name=self.path.stem)


class DialogFailed(Exception):
    def __init__(self, result: DialogResult):
        super().__init__(result.report())
        self.result = result


class DialogItem(pytest.Item):
    def runtest(self) -> None:
        content = load_content(default_content_dir())
        # A journal of its own, as `voicecoach script` keeps: a dialog's sessions remember the ones before them.
        with tempfile.TemporaryDirectory(prefix="voicecoach-dialog-") as scratch, \
                Journal.open(Path(scratch) / JOURNAL_NAME, durable=False) as journal:
            runner = DialogRunner(content, load_grammar(default_grammar_dir(), content), journal=journal)
            result = runner.run_file(self.path)
        if not result.passed:
            raise DialogFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: object = None) -> str:
        if isinstance(excinfo.value, DialogFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"dialog {self.name}"
