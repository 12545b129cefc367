"""Helpers for the ops tests: running voicecoach's operating subcommands as a user would, in a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DIALOGS = REPO / "tests" / "dialogs"

def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment with its own HOME and XDG_CONFIG_HOME, so no test reads or writes the real ones."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("VOICECOACH_", "XDG_")) and key != "HOME"}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    env.update(extra)
    return env


def run_voicecoach(*args: str, env: Mapping[str, str], cwd: Path | None = None,
                   timeout: float = 60, stdin: str = "") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "voicecoach"]
    # Always a given stdin (empty by default): a command that reads it must never wait on the test's terminal.
    return subprocess.run([*command, *args], env=dict(env), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False, input=stdin)
