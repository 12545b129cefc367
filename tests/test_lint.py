"""ruff and mypy, as configured in pyproject.toml, are part of the suite: style and types regress like behaviour."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize("tool", [["ruff", "check", "."], ["mypy"]], ids=["ruff", "mypy"])
def test_tool_is_clean(tool: list[str]) -> None:
    exe = shutil.which(tool[0], path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip(f"{tool[0]} is not installed: install the test extra, pip install -e '.[test]'")
    result = subprocess.run([exe, *tool[1:]], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
