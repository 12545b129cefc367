"""`python -m benchmarks.tuning`: a setting off against the shipped recognizer, on real decoding, and its report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import tuning
from voicecoach.testing import speech

REPO = Path(__file__).parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "benchmarks.tuning", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=300, check=False)


@pytest.mark.audio
@pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed")
def test_one_setting_is_decoded_as_shipped_and_off(tmp_path: Path) -> None:
    result = run("--only", "coverage_within_db", "--workers", "1", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    rows = json.loads((tmp_path / "benchmarks" / "tuning.json").read_text(encoding="utf-8"))["rows"]
    assert [(r["setting"], r["shipped"], r["off"], r["n"]) for r in rows] == [("coverage_within_db", "25", "0", 3)]
    [row] = rows
    assert row["right_shipped"] == 3  # as test_asr_pocketsphinx hears them
    assert row["holds"] == (row["right_off"] == 0)
    report = (tmp_path / "benchmarks" / "TUNING.md").read_text(encoding="utf-8")
    assert "| `coverage_within_db` | 25 | 0 | barge-in in the canceller's faint echo | 3 of 3 |" in report


def _row(setting: str, right_shipped: int, right_off: int, min_gain: float) -> dict[str, Any]:
    gain = (right_shipped - right_off) / 10
    return {"setting": setting, "what": "What it does.", "shipped": "1", "off": "0", "clips": "some clips", "n": 10,
            "right_shipped": right_shipped, "right_off": right_off, "gain": gain, "min_gain": min_gain,
            "holds": gain > 0 and gain >= min_gain, "lost_when_off": ["'stop' en-us -> []"] if gain > 0 else []}


def test_the_report_says_which_settings_still_pay() -> None:
    meta = {"command": "python -m benchmarks.tuning", "runtime_s": 12.0, "date": "today", "commit": "abc",
            "quick": False}
    text = tuning.render({"rows": [_row("a", 8, 5, 0.2), _row("b", 6, 6, 0.0)], "meta": meta})
    assert "| `a` | 1 | 0 | some clips | 8 of 10 | 5 of 10 | +30.0 points | +20.0 points | yes |" in text
    assert "| `b` | 1 | 0 | some clips | 6 of 10 | 6 of 10 | +0.0 points | +0.0 points | **no** |" in text
    assert "- **`a`**: What it does. 'stop' en-us -> []." in text
    assert "- **`b`**: What it does. none." in text


@pytest.mark.parametrize(("args", "expected"), [
    (["--workers", "0"], "--workers must be 1 or more, not 0"),
    (["--only", "jump"], "invalid choice: 'jump'"),
])
def test_bad_arguments_get_one_line_and_exit_2(tmp_path: Path, args: list[str], expected: str) -> None:
    result = run(*args, "--out", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert expected in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "benchmarks").exists()


def test_a_report_that_cannot_be_written_is_refused_before_the_run(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    result = run("--out", str(tmp_path / "file"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"python -m benchmarks.tuning: --out {tmp_path / 'file'}: cannot write the report "
                                      "there (Not a directory)")
