"""Finding and downloading the Vosk model: the order of places, and errors that say what to do next."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from voicecoach.asr import ModelNotFoundError
from voicecoach.asr.vosk.model import MODEL_NAME, REQUIRED_FILES, download_model, resolve_vosk_model


def fake_model(where: Path) -> Path:
    """A directory with the files of a grammar-capable model (contents do not matter for finding it)."""
    for f in REQUIRED_FILES:
        (where / f).parent.mkdir(parents=True, exist_ok=True)
        (where / f).write_text("x")
    return where


def test_cli_path_wins(tmp_path: Path) -> None:
    cli = fake_model(tmp_path / "cli")
    env_model = fake_model(tmp_path / "env")
    assert resolve_vosk_model(str(cli), {"VOICECOACH_VOSK_MODEL": str(env_model)}) == cli


def test_env_var_next(tmp_path: Path) -> None:
    env_model = fake_model(tmp_path / "env")
    assert resolve_vosk_model(None, {"VOICECOACH_VOSK_MODEL": str(env_model), "HOME": str(tmp_path)}) == env_model


def test_vosk_places_and_leftover_zip(tmp_path: Path) -> None:
    place = tmp_path / "models"
    place.mkdir()
    (place / f"{MODEL_NAME}.zip").write_bytes(b"PK")  # a leftover download: never chosen
    env = {"VOSK_MODEL_PATH": str(place), "HOME": str(tmp_path)}
    with pytest.raises(ModelNotFoundError):
        resolve_vosk_model(None, env)
    model = fake_model(place / MODEL_NAME)
    assert resolve_vosk_model(None, env) == model


def test_home_cache(tmp_path: Path) -> None:
    model = fake_model(tmp_path / ".cache" / "vosk" / MODEL_NAME)
    assert resolve_vosk_model(None, {"HOME": str(tmp_path)}) == model


def test_missing_model_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError) as err:
        resolve_vosk_model(None, {"HOME": str(tmp_path), "VOSK_MODEL_PATH": str(tmp_path / "none")})
    msg = str(err.value)
    assert "voicecoach model download" in msg and "--asr pocketsphinx" in msg
    assert "\n" not in msg


def test_bad_cli_path_is_named(tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    with pytest.raises(ModelNotFoundError, match=r"--model .*half.*graph/HCLr.fst"):
        resolve_vosk_model(str(tmp_path / "half"), {})
    with pytest.raises(ModelNotFoundError, match="no such directory"):
        resolve_vosk_model(str(tmp_path / "absent"), {})


def _online() -> bool:
    try:
        socket.create_connection(("alphacephei.com", 443), timeout=3).close()
    except OSError:
        return False
    return True


def test_download_offline_fails_clearly(tmp_path: Path) -> None:
    if _online():
        pytest.skip("this machine is online: the offline error path cannot be checked (and would download 40 MB)")
    with pytest.raises(ModelNotFoundError, match=r"could not download.*--asr pocketsphinx"):
        download_model(tmp_path, progress=False, timeout=10)
    assert [p.name for p in tmp_path.iterdir()] == []  # nothing half-written left behind
