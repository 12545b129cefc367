"""The systemd user unit that starts the coach at boot, and `voicecoach service install`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from voicecoach.errors import VoicecoachError

UNIT_NAME = "voicecoach.service"  # `systemctl --user stop voicecoach`, `journalctl --user -u voicecoach`
RESTART_SEC = 10
# At most START_LIMIT_BURST starts in START_LIMIT_INTERVAL_SEC: a coach that keeps crashing gives up
# instead of loading models over and over on a Raspberry Pi's CPU.
START_LIMIT_INTERVAL_SEC = 600
START_LIMIT_BURST = 5
# Settings the installing shell may carry that the service must see too (the user manager does not have them):
# XDG_STATE_HOME places the journal, whose last session the reminders go by, and which `voicecoach history` reads.
PASSED_ENV = ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "VOICECOACH_CONFIG", "VOICECOACH_VOSK_MODEL")
LINGER_STEP = "sudo loginctl enable-linger $USER"
MANUAL_STEPS = (f"systemctl --user daemon-reload && systemctl --user enable --now {UNIT_NAME}; "
                f"to start it at boot without logging in: {LINGER_STEP}")


class ServiceError(VoicecoachError):
    """The service could not be installed; the message gives the steps to finish by hand."""


def unit_path(env: Mapping[str, str]) -> Path:
    """Where the user unit goes: $XDG_CONFIG_HOME/systemd/user, else ~/.config/systemd/user."""
    xdg = env.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else _home(env) / ".config"
    return base / "systemd" / "user" / UNIT_NAME


def _home(env: Mapping[str, str]) -> Path:
    return Path(env["HOME"]) if env.get("HOME") else Path.home()


def run_command(executable: str = sys.executable) -> list[str]:
    """The absolute command that runs this installation's coach: its `voicecoach` script, else `python -m`."""
    # abspath, not resolve: a venv's python is a symlink, and resolving it would leave the venv.
    python = Path(os.path.abspath(executable))
    script = python.parent / "voicecoach"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script), "run"]
    return [str(python), "-m", "voicecoach", "run"]


def _exec_word(word: str) -> str:
    # systemd expands %-specifiers and $VARIABLES in ExecStart= and splits words at white space.
    word = word.replace("%", "%%").replace("$", "$$")
    if word and not re.search(r"[\s\"'\\;]", word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _environment_line(name: str, value: str) -> str:
    value = value.replace("%", "%%").replace("\\", "\\\\").replace('"', '\\"')
    return f'Environment="{name}={value}"'


def unit_text(command: Sequence[str], env: Mapping[str, str]) -> str:
    """The voicecoach.cli.service unit running `command`."""
    passed = [_environment_line(name, env[name]) for name in PASSED_ENV if env.get(name)]
    lines = [
        "# Written by `voicecoach service install`. Settings belong in ~/.config/voicecoach/config.toml.",
        f"# To start the coach at boot without anyone logging in: {LINGER_STEP}",
        "# Its output: journalctl --user -u voicecoach -f",
        "",
        "[Unit]",
        "Description=voicecoach, the offline voice coach for back-pain exercises",
        # Ordering only: on Pi OS Lite there is plain ALSA and none of these units exists, which is fine.
        "After=sound.target pipewire.service pipewire-pulse.service wireplumber.service",
        f"StartLimitIntervalSec={START_LIMIT_INTERVAL_SEC}",
        f"StartLimitBurst={START_LIMIT_BURST}",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(_exec_word(word) for word in command),
        "Restart=on-failure",
        f"RestartSec={RESTART_SEC}",
        "WorkingDirectory=%h",
        # Python block-buffers a pipe; unbuffered, every line reaches the journal when it is printed.
        "Environment=PYTHONUNBUFFERED=1",
        *passed,
        "StandardOutput=journal",
        "StandardError=journal",
        "SyslogIdentifier=voicecoach",
        "",
        "[Install]",
        "WantedBy=default.target",
    ]
    return "\n".join(lines) + "\n"


def install(env: Mapping[str, str], executable: str = sys.executable) -> Path:
    """Write the unit, then reload systemd and enable and start the service; ServiceError says what is left."""
    path = unit_path(env)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".tmp")
        partial.write_text(unit_text(run_command(executable), env), encoding="utf-8")
        partial.replace(path)  # systemd never sees half a unit
    except OSError as error:
        raise ServiceError(f"cannot write {path}: {error.strerror or error}") from None
    systemctl = shutil.which("systemctl", path=env.get("PATH", os.defpath))
    if systemctl is None:
        raise ServiceError(f"wrote {path}, but systemctl is not installed (voicecoach needs systemd to start "
                           f"at boot); on a systemd system run: {MANUAL_STEPS}")
    for args in (["daemon-reload"], ["enable", "--now", UNIT_NAME]):
        _systemctl(systemctl, args, env, path)
    return path


def _systemctl(systemctl: str, args: list[str], env: Mapping[str, str], path: Path) -> None:
    shown = "systemctl --user " + " ".join(args)
    try:
        result = subprocess.run([systemctl, "--user", *args], env=dict(env), capture_output=True, text=True,
                                timeout=90, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        reason = str(error)
    else:
        if result.returncode == 0:
            return
        details = (result.stderr or result.stdout).strip().splitlines()
        reason = details[0] if details else f"exit status {result.returncode}"
    raise ServiceError(f"wrote {path}, but `{shown}` failed ({reason}); as the user who will use the coach, "
                       f"in a login session (not with sudo), run: {MANUAL_STEPS}")
