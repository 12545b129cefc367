"""The command line as a user runs it: exit codes, one-line errors, reports and traces."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from voicecoach import __version__
from voicecoach.paths import default_content_dir

DIALOGS = Path(__file__).parents[1] / "dialogs"


def voicecoach(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_version() -> None:
    result = voicecoach("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"voicecoach {__version__}"


def test_check_shipped_content() -> None:
    result = voicecoach("check")
    assert result.returncode == 0, result.stderr
    assert "5 exercises" in result.stdout


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(default_content_dir(), root)
    bridge = root / "exercises" / "bridge.toml"
    bridge.write_text(bridge.read_text().replace("seconds = 3", "seconds = 3\nhold = 0", 1))
    return root


def test_check_bad_content_is_one_line_and_exit_2(broken: Path) -> None:
    result = voicecoach("check", str(broken))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "bridge.toml" in lines[0] and "exercise 'bridge'" in lines[0] and "'setup[2].hold'" in lines[0]


def unhearable(tmp_path: Path) -> Path:
    """The shipped content with one more exercise, whose name PocketSphinx's dictionary lacks a word of."""
    return with_exercise(tmp_path, "zumba twist")


def with_exercise(tmp_path: Path, name: str) -> Path:
    """The shipped content with one more exercise, the cat stretch under another name."""
    root = tmp_path / "content"
    shutil.copytree(default_content_dir(), root)
    cat = (root / "exercises" / "cat-stretch.toml").read_text()
    (root / "exercises" / f"{name.split()[0]}.toml").write_text(
        cat.replace('name = "cat stretch"', f'name = "{name}"').replace('aliases = ["cat"]', 'aliases = []'))
    return root


def test_check_names_a_word_the_recognizer_cannot_hear(tmp_path: Path) -> None:
    result = voicecoach("check", str(unhearable(tmp_path)), "--asr", "pocketsphinx")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "zumba.toml" in lines[0] and "exercise 'zumba twist'" in lines[0] and "'zumba'" in lines[0]
    assert "PocketSphinx" in lines[0]


def test_check_names_a_grammar_word_the_recognizer_cannot_hear(grammar_dir: Path) -> None:
    file = grammar_dir / "commands.toml"
    file.write_text(file.read_text().replace('phrases = ["resume", "continue"]',
                                             'phrases = ["resume", "continue", "keep grooving"]'))
    result = voicecoach("check", "--grammar", str(grammar_dir), "--asr", "pocketsphinx")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "commands.toml" in lines[0] and "command 'resume'" in lines[0] and "'grooving'" in lines[0]
    assert "PocketSphinx" in lines[0]


def test_check_says_which_recognizer_it_checked_for() -> None:
    result = voicecoach("check", "--asr", "pocketsphinx")
    assert result.returncode == 0 and "PocketSphinx" in result.stdout, result.stderr


def test_other_commands_apply_the_same_checks(broken: Path) -> None:
    result = voicecoach("script", "--content", str(broken), str(DIALOGS / "bridge-full.dialog"))
    assert result.returncode == 2 and "'setup[2].hold'" in result.stderr and "Traceback" not in result.stderr


def test_script_passes_and_counts() -> None:
    files = sorted(str(p) for p in DIALOGS.glob("*.dialog"))
    result = voicecoach("script", *files)
    assert result.returncode == 0, result.stdout
    assert f"{len(files)} passed, 0 failed" in result.stdout


def test_script_failure_reports_line_and_transcript(tmp_path: Path) -> None:
    dialog = tmp_path / "wrong.dialog"
    dialog.write_text("> start bridge\n# the coach never says this\nwait until Hold for ten seconds\n")
    result = voicecoach("script", str(dialog))
    assert result.returncode == 1
    assert f"FAIL {dialog}:3: wait until Hold for ten seconds" in result.stdout
    assert "coach: Before we begin" in result.stdout and "you  : start bridge" in result.stdout


def test_malformed_dialog_is_exit_2(tmp_path: Path) -> None:
    dialog = tmp_path / "bad.dialog"
    dialog.write_text("> start bridge\nwait forever\n")
    result = voicecoach("script", str(dialog))
    assert result.returncode == 2
    assert f"{dialog}:2:" in result.stderr and "Traceback" not in result.stderr


def test_words_heard_unsure_need_words_too(tmp_path: Path) -> None:
    dialog = tmp_path / "bad.dialog"
    dialog.write_text("?> start bridge\n?>\n")
    result = voicecoach("script", str(dialog))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{dialog}:2:" in result.stderr and "'?>' needs the words the user says" in result.stderr


def test_trace_is_json_lines() -> None:
    result = voicecoach("script", "--trace", str(DIALOGS / "count-deadlines.dialog"))
    assert result.returncode == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"t", "who", "text"} == set(records[0])
    counts = [r["t"] for r in records if r["text"] in ("Five.", "Four.", "Three.", "Two.", "One.", "Relax.")]
    assert [round(b - a, 6) for a, b in pairwise(counts)] == [1.0] * 5
    assert any(r["who"] == "user" and r["text"] == "start knee to chest" for r in records)


def test_text_mode_handles_odd_input_and_end_of_input() -> None:
    odd = "start bridge\n\n   \n\x00\x1b[A\n" + "é" * 5000 + "\nhelp\nstart cat\n"
    result = voicecoach("run", "--text", stdin=odd)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "coach: Bridge." in result.stdout
    assert "coach: You can say" in result.stdout
    assert "not a command" in result.stdout
    assert result.stdout.rstrip().endswith("End of input: goodbye.")


def test_text_mode_runs_in_real_time() -> None:
    # The first instruction after the safety advice comes ~20 s in: it must not be printed at once.
    result = voicecoach("run", "--text", stdin="start bridge\n")
    assert "coach: Bridge." in result.stdout and "coach: Bridge. This exercise" not in result.stdout


def _has_input_device() -> bool:
    from voicecoach.audio.devices import list_devices
    from voicecoach.audio.errors import AudioUnavailable

    try:
        return any(d.max_input_channels > 0 for d in list_devices())
    except AudioUnavailable:
        return False


@pytest.mark.skipif(_has_input_device(), reason="this machine has a microphone: run would start listening")
def test_run_without_a_microphone_says_what_to_plug_in() -> None:
    result = voicecoach("run", "--asr", "pocketsphinx")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "plug in a USB microphone" in lines[0] and "voicecoach demo" in lines[0]


def test_recognize_reads_any_format_and_goes_on_past_a_bad_file(tmp_path: Path) -> None:
    import numpy as np
    import soundfile

    from voicecoach.testing import speech

    if not speech.espeak_available():
        pytest.skip("espeak-ng is not installed")
    # A voice and phrase the bundled model hears from a cold start (measured); accuracy is not the point here.
    voice = speech.pad(speech.synthesize("stop", voice="en-us+m3", wpm=150), 1.0, 1.0).astype(np.float32) / 32768
    plain, bad = tmp_path / "stop16k.wav", tmp_path / "broken.wav"
    soundfile.write(str(plain), voice, 16000, subtype="PCM_16")
    bad.write_bytes(b"RIFF not really a wave file")
    others = []
    for rate, channels, subtype in ((44100, 2, "PCM_32"), (8000, 1, "PCM_U8"), (22050, 2, "FLOAT")):
        import soxr

        resampled = soxr.resample(voice, 16000, rate)
        path = tmp_path / f"stop-{rate}-{channels}-{subtype}.wav"
        soundfile.write(str(path), np.repeat(resampled[:, None], channels, axis=1), rate, subtype=subtype)
        others.append(str(path))
    result = voicecoach("recognize", "--asr", "pocketsphinx", "--json", str(plain), str(bad), *others)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if "broken.wav" in line] == [result.stderr.strip()]
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(set(r) == {"file", "t", "command", "text", "sure"} for r in records)
    # No profile: the general recognizer, which the command model believes of a clear "stop" (not unsure).
    assert all(r["sure"] for r in records)
    heard_in = {r["file"] for r in records if r["command"] == "stop"}
    assert str(plain) in heard_in  # the 16 kHz original is heard; the others must at least decode without error
    assert {r["file"] for r in records} <= {str(plain), *others}


def test_sensitivity_trades_false_commands_for_missed_ones(tmp_path: Path) -> None:
    """The setting reaches the recognizer, from the config file and from the flag, and moves what it acts on."""
    import os

    import numpy as np
    import soundfile

    from voicecoach.testing import speech

    if not speech.espeak_available():
        pytest.skip("espeak-ng is not installed")
    # Sound-alikes that higher sensitivities hear as commands, and a command heard at every one (measured:
    # 'bridges' only at high, 'pouch' as 'ouch' from normal up); it fails if the setting stops reaching the search.
    clips = {"bridges": "en-029", "wade": "en-us", "pouch": "en-us", "please stop": "en-us"}
    files = []
    for text, voice in clips.items():
        audio = speech.pad(speech.synthesize(text, voice=voice, wpm=160)).astype(np.float32) / 32768
        files.append(tmp_path / f"{text.replace(' ', '-')}.wav")
        soundfile.write(str(files[-1]), audio, 16000, subtype="PCM_16")
    config = tmp_path / "config.toml"
    config.write_text('sensitivity = "low"\nasr = "pocketsphinx"\n', encoding="utf-8")
    env = {**os.environ, "VOICECOACH_CONFIG": str(config)}

    def heard(*flags: str) -> dict[str, str]:
        result = subprocess.run([sys.executable, "-m", "voicecoach", "recognize", "--json", *flags,
                                 *map(str, files)], capture_output=True, text=True, timeout=120, check=False, env=env)
        assert result.returncode == 0, result.stderr
        return {Path(r["file"]).stem: r["command"] for r in map(json.loads, result.stdout.splitlines())}

    low, normal, high = heard(), heard("--sensitivity", "normal"), heard("--sensitivity", "high")  # low: the file's
    assert low.items() < normal.items() < high.items(), (low, normal, high)
    assert low["please-stop"] == "stop" and high["bridges"] == "repeat"


def test_pinned_vosk_without_a_model_says_the_next_step(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "voicecoach", "recognize", "--asr", "vosk", str(tmp_path / "x.wav")],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={**__import__("os").environ, "VOICECOACH_VOSK_MODEL": "", "VOSK_MODEL_PATH": "",
                                 "HOME": str(tmp_path)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "voicecoach model download" in result.stderr and "--asr pocketsphinx" in result.stderr


def test_check_names_the_phrases_the_command_model_was_not_trained_on(tmp_path: Path) -> None:
    result = voicecoach("check", str(with_exercise(tmp_path, "side stretch")), "--asr", "pocketsphinx")
    assert result.returncode == 0, result.stderr
    assert "not trained on 1 phrase(s): 'start side stretch'" in result.stdout
    assert "python -m voicecoach.asr.commands_model.train" in result.stdout


def test_check_says_the_command_model_knows_the_shipped_phrases() -> None:
    result = voicecoach("check", "--asr", "pocketsphinx")
    assert result.returncode == 0 and "the command model (PocketSphinx's second opinion) knows every phrase" in \
        result.stdout, result.stderr
