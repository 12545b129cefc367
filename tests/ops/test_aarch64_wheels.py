"""Every runtime dependency publishes a wheel a 64-bit Raspberry Pi OS (aarch64, CPython 3.11/3.13) can install.

Asked of PyPI itself with `pip download --only-binary=:all: --platform ...`, as pip on the Pi would ask:
no compiler, no sdist. Skipped when PyPI cannot be reached (the Pi and most test machines run offline).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import parse_wheel_filename

REPO = Path(__file__).resolve().parents[2]
INDEX = "https://pypi.org/simple"
# What pip is told about the target: the platform tags of the check.
PIP_PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_17_aarch64", "manylinux_2_28_aarch64")
# What a 64-bit Raspberry Pi OS Bookworm accepts (glibc 2.36): checked on the file pip chose, independently of pip.
PI_GLIBC_MINOR = 36
PYTHONS = ("3.11", "3.13")  # Bookworm's Python, and Trixie's


def runtime_dependencies() -> list[str]:
    """What the coach needs, and what `voicecoach progress` draws with (the progress extra)."""
    with (REPO / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["progress"]]


def pypi_reachable() -> str | None:
    """None when PyPI answers, else why not."""
    try:
        with urllib.request.urlopen(f"{INDEX}/pip/", timeout=10) as response:
            response.read(1)
    except (urllib.error.URLError, OSError) as error:
        return str(getattr(error, "reason", error))
    return None


def pi_tags(python: str) -> set[Tag]:
    version = tuple(int(part) for part in python.split("."))
    platforms = [f"manylinux_2_{minor}_aarch64" for minor in range(PI_GLIBC_MINOR, 16, -1)]
    platforms += ["manylinux2014_aarch64", "linux_aarch64"]
    interpreter = f"cp{version[0]}{version[1]}"
    return {*cpython_tags(version, platforms=platforms),
            *compatible_tags(version, interpreter=interpreter, platforms=platforms)}


def pip_env() -> dict[str, str]:
    """pip with no config file and no extra index or local wheel directory: the answer is PyPI's alone."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_") or key == "PIP_CERT"}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


@pytest.fixture(scope="module")
def online() -> None:
    reason = pypi_reachable()
    if reason is not None:
        pytest.skip(f"PyPI ({INDEX}) cannot be reached: {reason}")


@pytest.mark.network
@pytest.mark.parametrize("python", PYTHONS)
@pytest.mark.parametrize("requirement", runtime_dependencies())
def test_an_aarch64_wheel_is_published(online: None, tmp_path: Path, requirement: str, python: str) -> None:
    platforms = [arg for platform in PIP_PLATFORMS for arg in ("--platform", platform)]
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--only-binary=:all:", *platforms, "--python-version", python,
         "--implementation", "cp", "--no-deps", "--index-url", INDEX, "-d", str(tmp_path), requirement],
        capture_output=True, text=True, timeout=120, env=pip_env(), check=False,
    )
    assert result.returncode == 0, f"no aarch64 wheel of {requirement} for CPython {python}:\n{result.stderr[-800:]}"
    (wheel,) = tmp_path.iterdir()
    name, version, _, tags = parse_wheel_filename(wheel.name)
    assert name == Requirement(requirement).name and version in Requirement(requirement).specifier
    assert tags & pi_tags(python), f"{wheel.name} does not install on aarch64 CPython {python}"
    print(wheel.name)
