"""`python -m benchmarks` refuses bad input in one line before it runs; a user's recordings are read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from benchmarks.corpus import recordings_set
from voicecoach.core.grammar import Grammar

REPO = Path(__file__).parents[2]


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=120, check=False)


def _tone(path: Path, seconds: float = 0.5, rate: int = 22050) -> None:
    t = np.arange(int(seconds * rate)) / rate
    soundfile.write(str(path), 0.3 * np.sin(2 * np.pi * 220 * t), rate, subtype="PCM_16")


def test_recordings_are_read_with_their_expected_commands(tmp_path: Path, grammar: Grammar) -> None:
    _tone(tmp_path / "a.wav")
    _tone(tmp_path / "b.wav", seconds=1.0)
    (tmp_path / "transcript.tsv").write_text("# file, command\na.wav\tStop\nb.wav\t\n", encoding="utf-8")
    cs = recordings_set(tmp_path, grammar)
    assert [(it.label, it.expect, it.category) for it in cs.items] == [
        ("a.wav", "stop", "command"), ("b.wav", None, "recording-other")]
    # Resampled to 16 kHz and padded: 0.3 s before, the speech, then the benchmark's pause after.
    assert len(cs.clips[1]) - len(cs.clips[0]) == 8000


@pytest.mark.parametrize(("transcript", "audio", "expected"), [
    (None, None, "is not a directory"),
    (b"", None, "has no transcript.tsv"),
    (b"a.wav\tjump\n", None, "transcript.tsv:1: 'jump' is not a command phrase"),
    (b"\n\ta.wav\n", None, "transcript.tsv:2: no file name"),
    (b"gone.wav\tstop\n", None, "transcript.tsv:1: "),
    (b"\xff\xfe\x00a", None, "cannot read it as UTF-8"),
    (b"a.wav\tstop\n", b"not audio", "transcript.tsv:1: "),
])
def test_bad_recordings_get_one_line_and_exit_2(tmp_path: Path, transcript: bytes | None, audio: bytes | None,
                                                 expected: str) -> None:
    directory = tmp_path / "recordings"
    if transcript is not None:
        directory.mkdir()
        if transcript:
            (directory / "transcript.tsv").write_bytes(transcript)
        if audio is not None:
            (directory / "a.wav").write_bytes(audio)
    result = bench("--recordings", str(directory), "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("python -m benchmarks: --recordings: "), result.stderr
    assert expected in lines[0], lines[0]
    if audio is not None:
        assert "a.wav: cannot read audio" in lines[0]
    assert not (tmp_path / "out").exists()  # refused before anything ran or was written


def test_a_report_that_cannot_be_written_is_refused_before_the_run(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    result = bench("--out", str(tmp_path / "file"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"python -m benchmarks: --out {tmp_path / 'file'}: cannot write the report "
                                      "there (Not a directory)")


def test_no_workers_is_refused(tmp_path: Path) -> None:
    result = bench("--workers", "0", "--out", str(tmp_path))
    assert result.returncode == 2 and "--workers must be 1 or more, not 0" in result.stderr
    assert not (tmp_path / "benchmarks").exists()
