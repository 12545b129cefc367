"""Hiding a shared library for real: a mount namespace where it cannot be loaded, for the missing-library tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def hide_library(pattern: str, code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a mount namespace where the libraries matching `pattern` really cannot be loaded."""
    unshare = shutil.which("unshare")
    libs = sorted({str(p.resolve()) for p in Path("/usr/lib").glob(f"*/{pattern}")})
    if unshare is None or not libs or not Path("/etc/ld.so.cache").exists():
        pytest.skip("needs unshare and a Debian library layout to hide a library for real")
    if subprocess.run([unshare, "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("mount namespaces are not permitted here")
    # Empty the loader cache too, so neither ctypes.util.find_library nor anything else finds it by name.
    mounts = " && ".join(f"mount --bind /dev/null {lib}" for lib in libs)
    script = f'{mounts} && mount --bind /dev/null /etc/ld.so.cache && exec {sys.executable} -c "$0"'
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [unshare, "-rm", "sh", "-c", script, code], capture_output=True, text=True, env=env, timeout=60
    )
