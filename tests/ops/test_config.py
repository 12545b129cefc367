"""The config file: defaults, precedence, one clear error per bad key, and `voicecoach config`."""

from __future__ import annotations

import argparse
import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from opshelp import DIALOGS, clean_env, run_voicecoach

from voicecoach.cli.config import (
    CONFIG_ENV,
    EXAMPLE,
    KEYS,
    ConfigError,
    Settings,
    config_path,
    field_docs,
    format_settings,
    load_settings,
    overrides_from,
    toml_string,
)
from voicecoach.core.reminders import SNOOZE_RANGE
from voicecoach.core.tempo import DEFAULT_RATE, PACE_RANGE, RATE_RANGE
from voicecoach.paths import default_content_dir


def write_config(home: Path, text: str | bytes) -> Path:
    file = home / ".config" / "voicecoach" / "config.toml"
    if isinstance(text, bytes):
        file.write_bytes(text)
    else:
        file.write_text(text, encoding="utf-8")
    return file


def test_no_file_means_defaults(env: dict[str, str]) -> None:
    assert load_settings({}, env) == Settings()
    assert Settings().rate == DEFAULT_RATE and Settings().pace == 1.0 and Settings().volume == 1.0


def test_file_overrides_defaults_and_flags_override_the_file(home: Path, env: dict[str, str]) -> None:
    write_config(home, 'rate = 120\npace = 2\ninput_device = "USB"\nasr = "pocketsphinx"\n')
    from_file = load_settings({}, env)
    assert from_file == Settings(rate=120, pace=2.0, input_device="USB", asr="pocketsphinx")
    flags = load_settings({"rate": 200, "pace": None, "input_device": "Blue Yeti", "asr": None}, env)
    assert flags == Settings(rate=200, pace=2.0, input_device="Blue Yeti", asr="pocketsphinx")


def test_the_config_allows_exactly_the_coachs_rates(env: dict[str, str]) -> None:
    # One range for both: the config once allowed 300 words per minute while the coach stopped at 225, so "faster"
    # slowed it down.
    low, high = RATE_RANGE
    assert load_settings({"rate": low}, env).rate == low and load_settings({"rate": high}, env).rate == high
    for outside in (low - 1, high + 1):
        with pytest.raises(ConfigError, match=f"between {low} and {high}"):
            load_settings({"rate": outside}, env)
    assert f"{low} to {high}" in field_docs()["rate"] and f"({low} to {high})" in EXAMPLE
    low_pace, high_pace = PACE_RANGE
    assert load_settings({"pace": low_pace}, env).pace == low_pace
    with pytest.raises(ConfigError, match="between"):
        load_settings({"pace": high_pace * 1.01}, env)
    assert f"{low_pace:g} to {high_pace:g}" in field_docs()["pace"]


def test_sensitivity_defaults_to_normal_and_the_flag_wins(home: Path, env: dict[str, str]) -> None:
    assert Settings().sensitivity == "normal"
    write_config(home, 'sensitivity = "low"\n')
    assert load_settings({}, env).sensitivity == "low"
    assert load_settings({"sensitivity": "high"}, env).sensitivity == "high"


def test_every_sensitivity_has_a_command_weight() -> None:
    from voicecoach.asr.base import SENSITIVITY_CHOICES
    from voicecoach.asr.pocketsphinx import SENSITIVITY_WEIGHTS

    assert set(SENSITIVITY_WEIGHTS) == set(SENSITIVITY_CHOICES)
    assert [SENSITIVITY_WEIGHTS[c] for c in SENSITIVITY_CHOICES] == sorted(SENSITIVITY_WEIGHTS.values())
    assert SENSITIVITY_WEIGHTS["normal"] == 1.0  # the weight every other setting was tuned and benchmarked at


def test_overrides_from_an_argparse_namespace(tmp_path: Path) -> None:
    args = argparse.Namespace(rate=None, content=tmp_path, text=True)
    assert overrides_from(args) == {key: tmp_path if key == "content" else None for key in KEYS}


def test_config_path_follows_xdg(tmp_path: Path) -> None:
    assert config_path({"HOME": "/home/pi"}) == Path("/home/pi/.config/voicecoach/config.toml")
    assert config_path({"HOME": "/home/pi", "XDG_CONFIG_HOME": "/cfg"}) == Path("/cfg/voicecoach/config.toml")
    # The XDG spec: a relative $XDG_CONFIG_HOME is ignored.
    relative = config_path({"HOME": "/home/pi", "XDG_CONFIG_HOME": "cfg"})
    assert relative == Path("/home/pi/.config/voicecoach/config.toml")
    assert config_path({"HOME": "/home/pi", CONFIG_ENV: str(tmp_path / "c.toml")}) == tmp_path / "c.toml"


def test_paths_are_relative_to_the_file_and_expand_home(home: Path, env: dict[str, str]) -> None:
    (home / ".config" / "voicecoach" / "mine").mkdir()
    (home / "model").mkdir()
    write_config(home, 'content = "mine"\nmodel = "~/model"\n')
    settings = load_settings({}, env)
    assert settings.content == home / ".config" / "voicecoach" / "mine"
    assert settings.model == home / "model"


def test_asr_auto_means_unset(home: Path, env: dict[str, str]) -> None:
    write_config(home, 'asr = "auto"\n')
    assert load_settings({}, env).asr is None


def test_example_config_loads_cleanly(home: Path, env: dict[str, str]) -> None:
    write_config(home, EXAMPLE)
    settings = load_settings({}, env)
    assert settings == Settings(input_device="USB", rate=140, volume=0.8, pace=1.25)
    # Every key appears in the example, set or commented out, so the README documents them all.
    assert all(f"{key} = " in EXAMPLE for key in KEYS)


def test_reminders_are_read_and_shown(home: Path, env: dict[str, str]) -> None:
    write_config(home, 'reminders = ["18:00", "08:00"]\nquiet_hours = "22:00-07:00"\nsnooze_minutes = 45\n')
    settings = load_settings({}, env)
    reminders = settings.reminder_settings()
    assert [t.strftime("%H:%M") for t in reminders.times] == ["08:00", "18:00"]  # earliest first
    assert str(reminders.quiet) == "22:00-07:00" and reminders.snooze.total_seconds() == 45 * 60
    shown = format_settings(settings)
    assert 'reminders = ["08:00", "18:00"]' in shown and 'quiet_hours = "22:00-07:00"' in shown
    assert tomllib.loads(shown)["snooze_minutes"] == 45
    assert "# reminders is not set" in format_settings(Settings())  # the default: none
    low, high = SNOOZE_RANGE
    assert f"{low} to {high}" in field_docs()["snooze_minutes"] and f"({low} to {high})" in EXAMPLE


def test_every_setting_has_a_docstring() -> None:
    docs = field_docs()
    assert set(docs) == set(KEYS)
    assert all(len(doc) > 20 for doc in docs.values())


BAD = [
    ('colour = "red"\n', "colour", "unknown key"),
    ("rat = 120\n", "rat", "did you mean 'rate'?"),
    ('rate = "fast"\n', "rate", "whole number"),
    ("rate = 120.5\n", "rate", "whole number"),
    ("rate = true\n", "rate", "whole number"),
    ("rate = 1000\n", "rate", "between 100 and 225"),
    ("rate = 99\n", "rate", "between 100 and 225"),
    ("volume = 1.5\n", "volume", "between 0 and 1"),
    ("volume = -0.1\n", "volume", "between 0 and 1"),
    ('volume = "loud"\n', "volume", "must be a number"),
    ("volume = nan\n", "volume", "must be a number"),
    ("pace = 0.1\n", "pace", "between 0.25 and 4"),
    ("pace = 5\n", "pace", "between 0.25 and 4"),
    ('asr = "google"\n', "asr", "'vosk', 'pocketsphinx', 'auto'"),
    ('model = "/nonexistent/vosk-model"\n', "model", "/nonexistent/vosk-model does not exist"),
    ('content = "no-such-dir"\n', "content", "no-such-dir does not exist"),
    ('content = "config.toml"\n', "content", "is not a directory"),
    ("content = 3\n", "content", "must be a directory path"),
    ("input_device = 3\n", "input_device", "non-empty text"),
    ('output_device = "  "\n', "output_device", "non-empty text"),
    ('routine = "Morning Routine"\n', "routine", "lower-case words"),
    ('sensitivity = "loud"\n', "sensitivity", "'low', 'normal', 'high', got 'loud'"),
    ("sensitivity = 2\n", "sensitivity", "must be one of"),
    ("[rate]\nfast = 1\n", "rate", "whole number"),
    ('reminders = ["8:00"]\n', "reminders", "\"HH:MM\" (24-hour"),
    ('reminders = "08:00"\n', "reminders", "must be a list of times of day"),
    ('reminders = ["18:00", "08:00", "18:00"]\n', "reminders", "18:00 is given twice"),
    ('quiet_hours = "22:00"\n', "quiet_hours", "\"HH:MM-HH:MM\""),
    ('quiet_hours = "07:00-07:00"\n', "quiet_hours", "give two different times"),
    ("snooze_minutes = 1\n", "snooze_minutes", "between 5 and 240 minutes"),
    ('reminders = ["06:30"]\nquiet_hours = "22:00-07:00"\n', "reminders",
     "06:30 falls in the quiet hours 22:00-07:00: move it, or change quiet_hours"),
]


@pytest.mark.parametrize(("text", "key", "fragment"), BAD, ids=[case[0].split("\n")[0] for case in BAD])
def test_bad_config_names_the_file_and_the_key(home: Path, env: dict[str, str], text: str, key: str,
                                               fragment: str) -> None:
    file = write_config(home, text)
    with pytest.raises(ConfigError) as caught:
        load_settings({}, env)
    message = str(caught.value)
    assert message.startswith(f"{file}: key '{key}': ") and fragment in message and "\n" not in message
    assert caught.value.exit_code == 2
    # The same through the command line: one line on stderr, exit status 2, no traceback.
    result = run_voicecoach("config", env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == f"voicecoach: {message}\n" and result.stdout == ""


@pytest.mark.parametrize(("data", "fragment"), [
    (b"rate = \n", "not valid TOML"),
    (b'input_device = "\xff"\n', "not UTF-8"),
    (b"x = " + b"[" * 5000 + b"]" * 5000, "nested too deeply"),
])
def test_unreadable_config_names_the_file(home: Path, env: dict[str, str], data: bytes, fragment: str) -> None:
    file = write_config(home, data)
    with pytest.raises(ConfigError, match=fragment) as caught:
        load_settings({}, env)
    assert str(caught.value).startswith(f"{file}: ")


def test_a_directory_in_place_of_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings({}, {CONFIG_ENV: str(tmp_path)})


def test_an_explicit_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=rf"{tmp_path / 'x.toml'}: no such file \(named by \$VOICECOACH_CONFIG\)"):
        load_settings({}, {CONFIG_ENV: str(tmp_path / "x.toml")})


def test_bad_flags_name_the_option(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=r"^command line: key '--rate': must be between 100 and 225, got 1000$"):
        load_settings({"rate": 1000}, env)
    with pytest.raises(ConfigError, match=r"^command line: key '--content': .*does not exist"):
        load_settings({"content": Path("/nonexistent")}, env)


def test_an_unknown_override_is_a_programming_error(env: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="unknown setting 'speed'"):
        load_settings({"speed": 1}, env)


texts = st.text(st.characters(exclude_categories=("Cs",)), min_size=1).filter(lambda s: s.strip() == s and s)


@given(
    input_device=st.none() | texts,
    output_device=st.none() | texts,
    asr=st.sampled_from([None, "vosk", "pocketsphinx"]),
    rate=st.integers(*RATE_RANGE),
    volume=st.floats(0, 1),
    pace=st.floats(0.25, 4),
    routine=st.none() | st.from_regex(r"\A[a-z]+( [a-z]+)*\Z"),
    with_paths=st.booleans(),
)
def test_format_settings_is_toml_that_loads_back(tmp_path_factory: pytest.TempPathFactory, input_device: str | None,
                                                 output_device: str | None, asr: str | None, rate: int,
                                                 volume: float, pace: float, routine: str | None,
                                                 with_paths: bool) -> None:
    root = tmp_path_factory.getbasetemp()
    odd = root / 'a "quoted" dir with % and \\ and $HOME'
    odd.mkdir(exist_ok=True)
    settings = Settings(input_device=input_device, output_device=output_device, asr=asr,  # type: ignore[arg-type]
                        model=odd if with_paths else None, rate=rate, volume=volume,
                        content=odd if with_paths else None, routine=routine, pace=pace)
    text = format_settings(settings, root / "config.toml")
    tomllib.loads(text)
    file = root / "roundtrip.toml"
    file.write_text(text, encoding="utf-8")
    assert load_settings({}, {CONFIG_ENV: str(file)}) == settings


def test_config_command_prints_the_effective_settings(home: Path, env: dict[str, str]) -> None:
    file = write_config(home, 'rate = 130\noutput_device = "Headphones"\n')
    result = run_voicecoach("config", env=env)
    assert result.returncode == 0, result.stderr
    assert f"# config file: {file} (read)" in result.stdout
    assert tomllib.loads(result.stdout) == {"rate": 130, "output_device": "Headphones", "volume": 1.0, "pace": 1.0,
                                            "sensitivity": "normal", "second_opinion": True, "snooze_minutes": 30}


def test_config_command_without_a_file(home: Path) -> None:
    result = run_voicecoach("config", env=clean_env(home))
    assert result.returncode == 0, result.stderr
    assert "(not found, defaults apply)" in result.stdout and "rate = 150" in result.stdout


def test_config_example_command_prints_the_example(env: dict[str, str]) -> None:
    result = run_voicecoach("config", "--example", env=env)
    assert result.returncode == 0 and result.stdout == EXAMPLE


@pytest.fixture
def two_routines(tmp_path: Path) -> Path:
    """A content directory with a second routine, "short": bridge, then cat stretch."""
    root = tmp_path / "content"
    shutil.copytree(default_content_dir(), root)
    (root / "routines" / "short.toml").write_text('name = "short"\nexercises = ["bridge", "cat stretch"]\n')
    return root


@pytest.mark.parametrize("command", [("run", "--text"), ("script", str(DIALOGS / "stop.dialog")), ("config",)])
def test_a_routine_the_content_lacks_is_one_line_and_exit_2(home: Path, env: dict[str, str],
                                                            command: tuple[str, ...]) -> None:
    file = write_config(home, 'routine = "morning"\n')
    result = run_voicecoach(*command, env=env, stdin="start routine\n")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (f"voicecoach: {file}: key 'routine': no routine named 'morning' in "
                             f"{default_content_dir()} (routines: routine)\n")
    assert result.stdout == ""


def test_the_routine_flag_wins_and_is_named_when_wrong(home: Path, env: dict[str, str], two_routines: Path) -> None:
    write_config(home, f'content = {toml_string(str(two_routines))}\nroutine = "short"\n')
    result = run_voicecoach("run", "--text", "--routine", "bridge", env=env, stdin="start routine\n")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == (f"voicecoach: command line: key '--routine': no routine named 'bridge' in {two_routines} "
                             "(routines: routine, short)\n")


def test_the_configured_routine_is_what_start_routine_runs(home: Path, env: dict[str, str], two_routines: Path,
                                                           tmp_path: Path) -> None:
    dialog = tmp_path / "short.dialog"
    dialog.write_text("> start routine\nwait until Before we begin\nwait until Bridge.\n!< Pelvic tilts\n"
                      "wait until Next exercise.\nwait until Cat stretch.\n"
                      "wait until That is the end of the session.\n")
    file = write_config(home, f'content = {toml_string(str(two_routines))}\nroutine = "short"\n')
    result = run_voicecoach("script", str(dialog), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    # The flag wins over the file: with the five-exercise routine, the same dialog fails.
    result = run_voicecoach("script", "--routine", "routine", str(dialog), env=env)
    assert result.returncode == 1 and "Pelvic tilts" in result.stdout
    shown = run_voicecoach("config", env=env)
    assert shown.returncode == 0, shown.stderr
    assert tomllib.loads(shown.stdout)["routine"] == "short" and f"# config file: {file} (read)" in shown.stdout
    file.unlink()
    unset = run_voicecoach("config", env=env)
    assert "# routine is not set (the content's default_routine applies: 'routine')" in unset.stdout
