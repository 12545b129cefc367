"""Fuzzing every loader: any input either loads or fails with voicecoach's own one-line error."""

from __future__ import annotations

import datetime
import math
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicecoach.cli.config import CONFIG_ENV, KEYS, ConfigError, load_settings, toml_string
from voicecoach.core.content import Content, load_content, load_exercise, load_routine, load_session_text
from voicecoach.core.grammar import load_grammar
from voicecoach.errors import ContentError, DialogError, VoicecoachError
from voicecoach.paths import default_content_dir
from voicecoach.testing.dialog import parse_dialog

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load_content(default_content_dir())


def loads_or_fails_cleanly(load: Callable[[], object], expected: type[VoicecoachError]) -> None:
    """The contract: a result, or `expected` with a message. Anything else escapes and fails the test."""
    try:
        load()
    except expected as error:
        assert str(error).strip()
        # content.py and dialog.py echo keys and lines raw, newlines included (reported); config.py must not.
        if expected is ConfigError:
            assert "\n" not in str(error), repr(str(error))


# --- arbitrary bytes -------------------------------------------------------------------------------------------

toml_ish = st.binary(max_size=400) | st.text(max_size=400).map(str.encode) | st.sampled_from([
    b"", b"\xef\xbb\xbf", b"name = ", b"[[steps]]\nsay = 'x'", b"name = 'a'\n[[steps]]\n[steps]", b"\x00",
])


@FUZZ
@given(data=toml_ish)
def test_exercise_loader_on_any_bytes(workdir: Path, data: bytes) -> None:
    file = workdir / "exercise.toml"
    file.write_bytes(data)
    loads_or_fails_cleanly(lambda: load_exercise(file), ContentError)


@FUZZ
@given(data=toml_ish)
def test_routine_loader_on_any_bytes(workdir: Path, data: bytes) -> None:
    file = workdir / "routine.toml"
    file.write_bytes(data)
    loads_or_fails_cleanly(lambda: load_routine(file), ContentError)


@FUZZ
@given(data=toml_ish)
def test_session_loader_on_any_bytes(workdir: Path, data: bytes) -> None:
    file = workdir / "session.toml"
    file.write_bytes(data)
    loads_or_fails_cleanly(lambda: load_session_text(file), ContentError)


@FUZZ
@given(data=toml_ish)
def test_grammar_loader_on_any_bytes(workdir: Path, shipped: Content, data: bytes) -> None:
    (workdir / "commands.toml").write_bytes(data)
    loads_or_fails_cleanly(lambda: load_grammar(workdir, shipped), ContentError)


@FUZZ
@given(data=toml_ish)
def test_config_loader_on_any_bytes(workdir: Path, data: bytes) -> None:
    file = workdir / "config.toml"
    file.write_bytes(data)
    loads_or_fails_cleanly(lambda: load_settings({}, {CONFIG_ENV: str(file)}), ConfigError)


@FUZZ
@given(text=st.text(max_size=400))
def test_dialog_parser_on_any_text(text: str) -> None:
    loads_or_fails_cleanly(lambda: parse_dialog(text, "fuzz.dialog"), DialogError)


# --- valid TOML with the right keys and random values ----------------------------------------------------------

def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(table: dict[str, object]) -> str:
    text = "\n".join(f"{toml_string(key)} = {toml_value(value)}" for key, value in table.items()) + "\n"
    assert tomllib.loads(text).keys() == table.keys()  # the generator itself writes valid TOML
    return text


words = st.from_regex(r"\A[a-z]+( [a-z]+){0,2}\Z")
scalars = (st.text(max_size=30) | words | st.integers(-(2**64), 2**64) | st.integers(-5, 700)
           | st.floats(allow_nan=True) | st.booleans() | st.dates() | st.times()
           | st.datetimes(timezones=st.none() | st.just(datetime.UTC)))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def tables(keys: list[str], value: st.SearchStrategy[object] = values) -> st.SearchStrategy[dict[str, object]]:
    """Tables of mostly known keys (and the odd unknown one) holding random values."""
    key = st.sampled_from(keys) | st.text(min_size=1, max_size=10)
    return st.dictionaries(key, value, max_size=len(keys) + 1)


STEP_KEYS = ["say", "seconds", "hold", "rest"]
steps = st.lists(tables(STEP_KEYS) | values, max_size=3)
EXERCISE_KEYS = ["name", "aliases", "intro", "repetitions", "sides", "side_word", "cautions", "setup", "steps"]
exercises = st.builds(lambda base, name, body: {**base, "name": name, "steps": body},
                      tables(EXERCISE_KEYS), words | values, steps | values)


@FUZZ
@given(table=exercises)
def test_exercise_loader_on_random_fields(workdir: Path, table: dict[str, object]) -> None:
    file = workdir / "exercise.toml"
    file.write_text(toml_document(table), encoding="utf-8")
    loads_or_fails_cleanly(lambda: load_exercise(file), ContentError)


@FUZZ
@given(table=tables(["name", "aliases", "exercises"]))
def test_routine_loader_on_random_fields(workdir: Path, table: dict[str, object]) -> None:
    file = workdir / "routine.toml"
    file.write_text(toml_document(table), encoding="utf-8")
    loads_or_fails_cleanly(lambda: load_routine(file), ContentError)


@FUZZ
@given(table=tables(["ready", "safety", "pain", "finished", "stopped", "default_routine"]))
def test_session_loader_on_random_fields(workdir: Path, table: dict[str, object]) -> None:
    file = workdir / "session.toml"
    file.write_text(toml_document(table), encoding="utf-8")
    loads_or_fails_cleanly(lambda: load_session_text(file), ContentError)


COMMAND_KEYS = ["name", "phrases", "help", "when", "takes_target"]
commands = st.lists(tables(COMMAND_KEYS, words | st.lists(words | st.sampled_from(["idle", "running", "paused"]),
                                                          max_size=3) | values), max_size=4)


@FUZZ
@given(entries=commands | values)
def test_grammar_loader_on_random_fields(workdir: Path, shipped: Content, entries: object) -> None:
    (workdir / "commands.toml").write_text(toml_document({"command": entries}), encoding="utf-8")
    loads_or_fails_cleanly(lambda: load_grammar(workdir, shipped), ContentError)


config_values = (values | st.sampled_from(["vosk", "pocketsphinx", "auto", ".", "/", "~", "~/x", "~nobody/x"])
                 | st.integers(70, 310) | st.floats(-1, 5))


@FUZZ
@given(table=tables(list(KEYS), config_values))
def test_config_loader_on_random_fields(workdir: Path, table: dict[str, object]) -> None:
    file = workdir / "config.toml"
    file.write_text(toml_document(table), encoding="utf-8")
    loads_or_fails_cleanly(lambda: load_settings({}, {CONFIG_ENV: str(file), "HOME": str(workdir)}), ConfigError)


@FUZZ
@given(overrides=st.fixed_dictionaries({}, optional={key: st.none() | config_values for key in KEYS}))
def test_config_overrides_on_random_values(workdir: Path, overrides: dict[str, object]) -> None:
    loads_or_fails_cleanly(lambda: load_settings(overrides, {"HOME": str(workdir),
                                                             "XDG_CONFIG_HOME": str(workdir / "none")}),
                           ConfigError)


regexish = st.text(st.sampled_from("ab ()[]{}*+?|\\^$.,0123456789<>=!:P#/"), max_size=20)
dialog_lines = st.lists(st.tuples(st.sampled_from(["> ", "<", "!<", "< /", "wait ", "wait until ", "wait until /",
                                                   "# ", "", "x"]), regexish | st.text(max_size=15),
                                  st.sampled_from(["", "/", "s", "ms", "m", " # note"])).map("".join), max_size=8)


@FUZZ
@given(lines=dialog_lines)
def test_dialog_parser_on_dialog_like_lines(lines: list[str]) -> None:
    loads_or_fails_cleanly(lambda: parse_dialog("\n".join(lines), "fuzz.dialog"), DialogError)


# --- crashes fuzzing found, now regression tests ---------------------------------------------------------------

def test_deeply_nested_exercise_toml(workdir: Path) -> None:
    file = workdir / "nested.toml"
    file.write_text("name = " + "[" * 5000 + "]" * 5000 + "\n")
    loads_or_fails_cleanly(lambda: load_exercise(file), ContentError)


def test_dialog_regex_with_a_huge_repeat_count() -> None:
    loads_or_fails_cleanly(lambda: parse_dialog("< /a{4294967296}/\n", "fuzz.dialog"), DialogError)


def test_content_errors_are_one_line_whatever_the_key(workdir: Path) -> None:
    file = workdir / "routine.toml"
    file.write_text('"\\n" = []\n')
    with pytest.raises(ContentError) as caught:
        load_routine(file)
    assert "\n" not in str(caught.value)
