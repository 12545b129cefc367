"""`voicecoach enroll --from DIR` and `voicecoach forget --voice` on real synthesized takes, and bad profiles."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr

from voicecoach.asr.enrolled import profile
from voicecoach.asr.enrolled.enrol import AUGMENT
from voicecoach.asr.enrolled.matcher import Take
from voicecoach.asr.enrolled.profile import ProfileError
from voicecoach.cli.main import main
from voicecoach.testing import speech

pytestmark = pytest.mark.audio


def write_take(directory: Path, name: str, phrase: str, wpm: int, rate: int = 22050) -> None:
    """A take as a person's recorder might write it: another rate, two channels."""
    audio = speech.synthesize(phrase, "en-us", wpm).astype(np.float32) / 32767
    resampled = soxr.resample(audio, 16000, rate)
    soundfile.write(directory / name, np.stack([resampled, resampled], axis=1), rate)


@pytest.fixture
def takes(tmp_path: Path) -> Path:
    source = tmp_path / "takes"
    source.mkdir()
    for phrase in ("stop", "how long"):
        for i, wpm in ((1, 160), (2, 175)):
            write_take(source, f"{phrase.replace(' ', '_')}-{i}.wav", phrase, wpm)
    return source


def test_enrol_from_a_directory_then_forget(takes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = tmp_path / "profile"
    assert main(["enroll", "--from", str(takes), "--profile", str(where)]) == 0
    enrolled = profile.load(where)
    assert enrolled is not None
    assert sorted(t.name for t in enrolled) == ["how_long-1", "how_long-2", "stop-1", "stop-2"]
    assert {t.phrase for t in enrolled} == {"stop", "how long"}
    assert all(t.frames.shape[1] == 96 and len(t.noisy) == 1 and len(t.variants) == len(AUGMENT) for t in enrolled)
    assert main(["forget", "--voice", "--profile", str(where)]) == 0
    assert profile.load(where) is None
    assert "Deleted" in capsys.readouterr().out


def test_the_variants_are_saved_and_a_profile_from_before_them_still_loads(takes: Path, tmp_path: Path) -> None:
    where = tmp_path / "profile"
    assert main(["enroll", "--from", str(takes), "--profile", str(where)]) == 0
    enrolled = profile.load(where)
    assert enrolled is not None and enrolled[0].variants
    # As a profile was written before takes had variants: no "variants" in its header, no arrays of them.
    path = profile.profile_path(where)
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files if not key.startswith("variant")}
    header = json.loads(bytes(arrays["header"]).decode())
    for entry in header["takes"]:
        del entry["variants"]
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    older = profile.load(where)
    assert older is not None and [t.name for t in older] == [t.name for t in enrolled]
    assert all(t.variants == () and np.array_equal(t.frames, e.frames) for t, e in zip(older, enrolled, strict=True))


def test_a_bad_file_gets_one_line_and_nothing_enrolled_is_lost(takes: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    where = tmp_path / "profile"
    assert main(["enroll", "--from", str(takes), "--profile", str(where)]) == 0
    capsys.readouterr()
    more = tmp_path / "more"
    more.mkdir()
    write_take(more, "pause-1.wav", "pause", 160)
    write_take(more, "pause-2.wav", "pause", 175)
    (more / "next-1.wav").write_bytes(b"RIFF not really a wave file")
    write_take(more, "banana-1.wav", "banana", 160)  # neither a command nor one of the words that are none
    assert main(["enroll", "--from", str(more), "--profile", str(where)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2, err  # one line per bad file
    assert any("next-1.wav" in line and "cannot read audio" in line for line in err)
    assert any("banana-1.wav" in line and "not a command" in line for line in err)
    enrolled = profile.load(where)
    assert enrolled is not None
    assert sorted(t.name for t in enrolled) == ["how_long-1", "how_long-2", "pause-1", "pause-2", "stop-1",
                                                 "stop-2"]


def test_a_truncated_profile_gets_one_line_and_is_never_overwritten(takes: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    where = tmp_path / "profile"
    assert main(["enroll", "--from", str(takes), "--profile", str(where)]) == 0
    path = profile.profile_path(where)
    cut = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(cut)
    capsys.readouterr()
    assert main(["enroll", "--from", str(takes), "--profile", str(where)]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and "cut short" in err
    assert path.read_bytes() == cut
    with pytest.raises(ProfileError):
        profile.load(where)
    assert main(["forget", "--voice", "--profile", str(where)]) == 0  # cut short, but ours: it may go
    assert not path.exists()
    path.write_bytes(cut)
    # Hearing with it is refused in the same words, not with a traceback.
    clip = tmp_path / "stop.wav"
    soundfile.write(clip, speech.synthesize("stop", "en-us", 160), 16000)
    assert main(["recognize", "--asr", "pocketsphinx", "--profile", str(where), str(clip)]) != 0
    assert "cut short" in capsys.readouterr().err


def test_a_foreign_profile_is_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = tmp_path / "profile"
    where.mkdir()
    path = profile.profile_path(where)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("something.txt", "not ours")
    before = path.read_bytes()
    assert main(["forget", "--voice", "--profile", str(where)]) != 0
    assert "not a voicecoach voice profile" in capsys.readouterr().err
    assert path.read_bytes() == before
    np.savez(path, header=np.frombuffer(b'{"format": "something else"}', dtype=np.uint8))
    with pytest.raises(ProfileError, match="not a voicecoach voice profile"):
        profile.load(where)


def test_enrol_by_voice_without_the_microphone_says_what_to_do(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["enroll", "--input-device", "no-such-microphone", "--profile", str(tmp_path)]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "microphone" in err[0] and "enroll --from DIR" in err[0], err
    assert profile.load(tmp_path) is None


class QuietMicrophone:
    """sounddevice's microphone stood in for, so that the loudspeaker is the missing device."""

    def __init__(self, device: object = None) -> None:
        pass

    def open(self) -> QuietMicrophone:
        return self

    def read(self, timeout: float) -> bytes:
        return b"\0\0" * 800

    def close(self) -> None:
        pass


def test_enrol_by_voice_without_a_loudspeaker_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("voicecoach.audio.mic.Microphone", QuietMicrophone)
    code = main(["enroll", "--output-device", "no-such-loudspeaker", "--asr", "pocketsphinx",
                 "--profile", str(tmp_path)])
    assert code != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "needs a loudspeaker" in err[0] and "enroll --from DIR" in err[0], err


def test_enrol_by_voice_without_the_model_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("voicecoach.audio.mic.Microphone", QuietMicrophone)
    code = main(["enroll", "--asr", "vosk", "--model", str(tmp_path / "no-model"), "--profile", str(tmp_path)])
    assert code != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no-model" in err[0], err


def test_recognize_hears_an_enrolled_command_with_the_profile(takes: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    where = tmp_path / "profile"
    assert main(["enroll", "--from", str(takes), "--profile", str(where)]) == 0
    clip = tmp_path / "how-long.wav"
    soundfile.write(clip, speech.pad(speech.synthesize("how long", "en-us", 140), 0.8, 2.0), 16000)
    capsys.readouterr()
    assert main(["recognize", "--asr", "pocketsphinx", "--profile", str(where), str(clip)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "how long" in out[0], out


def _take(phrase: str, name: str, command: bool = True) -> Take:
    frames = np.random.default_rng(len(name)).normal(size=(6, 96)).astype(np.float32)
    return Take(phrase, name, frames, (frames,), (frames,), command=command)


def test_the_words_that_are_no_command_are_saved_as_such_and_replaced_by_new_ones(tmp_path: Path) -> None:
    old = [_take("stop", "stop-1"), _take("stop", "stop-2"), _take("okay", "okay-1", command=False)]
    profile.save(tmp_path, old)
    loaded = profile.load(tmp_path)
    assert loaded is not None and [(t.name, t.command) for t in loaded] == [(t.name, t.command) for t in old]
    redone = profile.redo(loaded, [_take("next", "next-1"), _take("next", "next-2")])
    assert [t.name for t in redone if not t.command] == ["okay-1"]
    again = profile.redo(redone, [_take("yes", "yes-1", command=False)])
    assert sorted(t.name for t in again) == ["next-1", "next-2", "stop-1", "stop-2", "yes-1"]


def test_the_words_that_are_no_command_are_learned_from_files_too(takes: Path, tmp_path: Path) -> None:
    write_take(takes, "all_set-1.wav", "all set", 160)
    where = tmp_path / "profile"
    assert main(["enroll", "--from", str(takes), "--profile", str(where)]) == 0
    enrolled = profile.load(where)
    assert enrolled is not None
    assert [(t.name, t.phrase) for t in enrolled if not t.command] == [("all_set-1", "all set")]
    assert sum(t.command for t in enrolled) == 4
