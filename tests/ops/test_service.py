"""The systemd user unit: what it runs, how it restarts, and installing with and without systemd."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from opshelp import run_voicecoach

from voicecoach.cli.service import LINGER_STEP, START_LIMIT_BURST, START_LIMIT_INTERVAL_SEC, UNIT_NAME, unit_text


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """Sections of a unit file as (key, value) pairs: keys such as Environment= may repeat."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in text.splitlines():
        if not line.strip() or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        key, _, value = line.partition("=")
        assert current is not None, f"{line!r} comes before any section"
        current.append((key, value))
    return sections


def value(sections: dict[str, list[tuple[str, str]]], section: str, key: str) -> str:
    found = [v for k, v in sections[section] if k == key]
    assert len(found) == 1, f"{section}.{key}: {found}"
    return found[0]


@pytest.fixture
def printed(env: dict[str, str]) -> str:
    result = run_voicecoach("service", "install", "--print", env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_print_shows_the_unit_and_installs_nothing(printed: str, home: Path) -> None:
    unit = parse_unit(printed)
    assert value(unit, "Service", "Restart") == "on-failure"
    assert int(value(unit, "Service", "RestartSec")) >= 5
    # A crash loop must give up: the start limit lives in [Unit] since systemd 230.
    assert int(value(unit, "Unit", "StartLimitIntervalSec")) == START_LIMIT_INTERVAL_SEC >= 60
    assert 1 <= int(value(unit, "Unit", "StartLimitBurst")) == START_LIMIT_BURST <= 10
    assert value(unit, "Service", "StandardOutput") == "journal"
    assert value(unit, "Service", "StandardError") == "journal"
    assert value(unit, "Install", "WantedBy") == "default.target"
    # PipeWire is an ordering hint, never a requirement: Pi OS Lite has plain ALSA.
    assert "pipewire.service" in value(unit, "Unit", "After")
    assert not any(k in ("Requires", "BindsTo", "Requisite") for k, _ in unit["Unit"])
    assert LINGER_STEP in printed
    assert not (home / ".config" / "systemd").exists()


def test_exec_start_is_an_absolute_command_that_works(printed: str, env: dict[str, str], tmp_path: Path) -> None:
    command = shlex.split(value(parse_unit(printed), "Service", "ExecStart"))
    assert Path(command[0]).is_absolute() and os.access(command[0], os.X_OK)
    assert command[-1] == "run"
    # The same executable, asked to check the content instead of running, from an unrelated directory.
    result = subprocess.run([*command[:-1], "check"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0 and "all good" in result.stdout, result.stderr


def test_systemd_accepts_the_unit(printed: str, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    file = tmp_path / UNIT_NAME
    file.write_text(printed)
    result = subprocess.run([analyze, "verify", str(file)], capture_output=True, text=True, timeout=60, check=False)
    if "Failed to initialize manager" in result.stderr:
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()}")
    # Unknown keys and unparsable values are only warnings to systemd, so any output is a failure here.
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_the_unit_is_the_one_the_readme_names() -> None:
    # README: `journalctl --user -u voicecoach -f`, `systemctl --user stop voicecoach`. A rename of the package's
    # modules once made it "voicecoach.cli.service", which those do not find.
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "journalctl --user -u voicecoach -f" in readme and UNIT_NAME == "voicecoach.service"


def test_the_service_keeps_the_journal_where_the_shell_does() -> None:
    text = unit_text(["/v/voicecoach", "run"], {"XDG_STATE_HOME": "/data/state", "HOME": "/home/p"})
    assert 'Environment="XDG_STATE_HOME=/data/state"\n' in text


def test_odd_paths_are_quoted_for_systemd() -> None:
    text = unit_text(["/opt/my venv/100%/voicecoach", "run"], {"VOICECOACH_VOSK_MODEL": "/models/a b%"})
    assert 'ExecStart="/opt/my venv/100%%/voicecoach" run\n' in text
    assert 'Environment="VOICECOACH_VOSK_MODEL=/models/a b%%"\n' in text


def fake_systemctl(bindir: Path, log: Path, exit_code: int) -> None:
    """A systemctl stand-in: records its arguments; fails like a session without a user bus when asked to."""
    bindir.mkdir(exist_ok=True)
    script = bindir / "systemctl"
    failure = 'echo "Failed to connect to bus: No medium found" >&2' if exit_code else ""
    script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n{failure}\nexit {exit_code}\n')
    script.chmod(0o755)


def test_install_writes_enables_and_starts(env: dict[str, str], home: Path, tmp_path: Path) -> None:
    log = tmp_path / "systemctl.log"
    fake_systemctl(tmp_path / "bin", log, 0)
    env["PATH"] = f"{tmp_path / 'bin'}:{env['PATH']}"
    result = run_voicecoach("service", "install", env=env)
    assert result.returncode == 0, result.stderr
    unit = home / ".config" / "systemd" / "user" / UNIT_NAME
    assert unit.read_text() == run_voicecoach("service", "install", "--print", env=env).stdout
    assert log.read_text().splitlines() == ["--user daemon-reload", f"--user enable --now {UNIT_NAME}"]
    assert str(unit) in result.stdout and LINGER_STEP in result.stdout


def test_install_when_systemctl_fails(env: dict[str, str], home: Path, tmp_path: Path) -> None:
    log = tmp_path / "systemctl.log"
    fake_systemctl(tmp_path / "bin", log, 1)
    env["PATH"] = f"{tmp_path / 'bin'}:{env['PATH']}"
    result = run_voicecoach("service", "install", env=env)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert "`systemctl --user daemon-reload` failed (Failed to connect to bus: No medium found)" in line
    assert f"systemctl --user enable --now {UNIT_NAME}" in line and LINGER_STEP in line
    assert log.read_text().splitlines() == ["--user daemon-reload"]  # nothing after the first failure
    assert (home / ".config" / "systemd" / "user" / UNIT_NAME).is_file()  # so the manual steps work


def test_install_without_systemctl(env: dict[str, str], home: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    env["PATH"] = str(tmp_path / "empty")
    result = run_voicecoach("service", "install", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert "systemctl is not installed" in line and "daemon-reload" in line and LINGER_STEP in line
    assert (home / ".config" / "systemd" / "user" / UNIT_NAME).is_file()


def test_install_where_the_unit_cannot_be_written(env: dict[str, str], home: Path) -> None:
    (home / ".config" / "systemd").write_text("a file where a directory should be")
    result = run_voicecoach("service", "install", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"voicecoach: cannot write {home / '.config' / 'systemd' / 'user' / UNIT_NAME}")


def test_service_needs_an_action(env: dict[str, str]) -> None:
    result = run_voicecoach("service", env=env)
    assert result.returncode == 2 and "install" in result.stderr
