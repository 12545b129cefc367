"""Helpers for the ops tests: running voicecoach's operating subcommands as a user would, in a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from voicecoach.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
DIALOGS = REPO / "tests" / "dialogs"

# Until cli.py calls ops_cli.register(), a stand-in main with the same error handling runs the subcommands.
_STAND_IN_MAIN = """
import argparse, sys
from voicecoach import ops_cli
from voicecoach.errors import VoicecoachError
parser = argparse.ArgumentParser(prog="voicecoach")
ops_cli.register(parser.add_subparsers(dest="command", metavar="COMMAND"))
args = parser.parse_args()
try:
    sys.exit(args.func(args))
except VoicecoachError as error:
    print(f"voicecoach: {error}", file=sys.stderr)
    sys.exit(error.exit_code)
"""


def cli_has_ops_commands() -> bool:
    """True once cli.py's parser offers `config`, `devices` and `service`."""
    parser = build_parser()
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        choices = getattr(action, "choices", None) or {}
        if {"config", "devices", "service"} <= set(choices):
            return True
    return False


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment with its own HOME and XDG_CONFIG_HOME, so no test reads or writes the real ones."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("VOICECOACH_", "XDG_")) and key != "HOME"}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    env.update(extra)
    return env


def run_voicecoach(*args: str, env: Mapping[str, str], cwd: Path | None = None,
                   timeout: float = 60, stdin: str = "") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "voicecoach"] if cli_has_ops_commands() else [sys.executable, "-c",
                                                                                 _STAND_IN_MAIN]
    # Always a given stdin (empty by default): a command that reads it must never wait on the test's terminal.
    return subprocess.run([*command, *args], env=dict(env), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False, input=stdin)
