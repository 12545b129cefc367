"""Fixtures of the ops tests: a private HOME and an environment pointing at it."""

from __future__ import annotations

from pathlib import Path

import pytest
from opshelp import clean_env


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    (path / ".config" / "voicecoach").mkdir(parents=True)
    return path


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    return clean_env(home)
