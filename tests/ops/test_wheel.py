"""The built wheel works on its own: content/ and grammar/ are found inside the installed package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from opshelp import DIALOGS, REPO, clean_env


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """A fresh venv with only the wheel installed (dependencies borrowed read-only), its env and a work dir."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-w", dist, REPO,
                cwd=root, timeout=300)
    if built.returncode != 0 and "hatchling" in built.stderr and ("No matching distribution" in built.stderr
                                                                 or "connection" in built.stderr.lower()):
        pytest.skip(f"cannot fetch the build backend (hatchling) to build the wheel: {built.stderr[-300:]}")
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("voicecoach-*.whl")

    venv = root / "venv"
    made = run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    added = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
                "--disable-pip-version-check", wheel, cwd=root)
    assert added.returncode == 0, added.stderr
    # The runtime dependencies (numpy, pocketsphinx, ...) come from the project venv: a path line in a .pth
    # file adds that directory only; the editable-install hook inside it is not run, so the source tree
    # stays out of reach.
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root)
    own_site = Path(site.stdout.strip())
    (own_site / "zz_project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    work = root / "work"
    work.mkdir()
    home = root / "home"
    home.mkdir()
    env = clean_env(home)
    env.pop("PYTHONPATH", None)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', os.defpath)}"
    return venv, env, work


def test_installed_package_finds_its_data_without_the_source_tree(installed: tuple[Path, dict[str, str], Path]) -> None:
    venv, env, work = installed
    code = ("import voicecoach, voicecoach.paths as p;"
            "print(voicecoach.__file__); print(p.default_content_dir()); print(p.default_grammar_dir())")
    result = run(venv / "bin" / "python", "-c", code, cwd=work, env=env)
    assert result.returncode == 0, result.stderr
    package, content, grammar = (Path(line) for line in result.stdout.splitlines())
    assert package.is_relative_to(venv) and "site-packages" in package.parts
    assert content == package.parent / "_data" / "content" and (content / "session.toml").is_file()
    assert grammar == package.parent / "_data" / "grammar" and (grammar / "commands.toml").is_file()
    assert not package.is_relative_to(REPO)
    # The speech embedding travels with its licence; nothing else of the wheel it came from (its wake-word
    # models are under a non-commercial licence).
    embedding = package.parent / "asr" / "embedding"
    assert sorted(p.name for p in embedding.glob("*.onnx")) == ["embedding_model.onnx", "melspectrogram.onnx"]
    assert (embedding / "LICENSE-Apache-2.0.txt").is_file() and (embedding / "NOTICE.md").is_file()
    assert not [p for p in package.parent.rglob("*") if p.suffix in (".onnx", ".tflite") and p.parent != embedding]


def test_installed_check_and_script(installed: tuple[Path, dict[str, str], Path]) -> None:
    venv, env, work = installed
    exe = venv / "bin" / "voicecoach"
    check = run(exe, "check", cwd=work, env=env)
    assert check.returncode == 0 and "5 exercises" in check.stdout and "all good" in check.stdout, check.stderr
    assert str(venv) in check.stdout  # the content that was checked is the installed copy
    dialog = work / "bridge-full.dialog"
    shutil.copy(DIALOGS / "bridge-full.dialog", dialog)
    script = run(exe, "script", dialog.name, cwd=work, env=env)
    assert script.returncode == 0 and "1 passed, 0 failed" in script.stdout, script.stdout + script.stderr


def test_installed_service_runs_the_installed_script(installed: tuple[Path, dict[str, str], Path]) -> None:
    venv, env, work = installed
    code = "from voicecoach.cli.service import run_command; print(*run_command())"
    result = run(venv / "bin" / "python", "-c", code, cwd=work, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(venv / "bin" / "voicecoach"), "run"]
