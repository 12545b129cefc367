"""Settings from $XDG_CONFIG_HOME/voicecoach/config.toml, overridden by command-line flags."""

from __future__ import annotations

import ast
import difflib
import functools
import inspect
import math
import re
import textwrap
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from voicecoach.asr.base import SENSITIVITY_CHOICES, Asr, Sensitivity
from voicecoach.core.content import Content
from voicecoach.core.reminders import (
    DEFAULT_SNOOZE_MINUTES,
    QuietHours,
    ReminderSettings,
    clock_text,
    parse_snooze,
    parse_times,
)
from voicecoach.core.tempo import DEFAULT_PACE, DEFAULT_RATE, PACE_RANGE, RATE_RANGE
from voicecoach.errors import VoicecoachError

CONFIG_ENV = "VOICECOACH_CONFIG"  # an explicit config file; then it must exist
APP_DIR = "voicecoach"
CONFIG_NAME = "config.toml"
CLI_SOURCE = "command line"

ASR_CHOICES = ("vosk", "pocketsphinx", "auto")
VOLUME_RANGE = (0.0, 1.0)
# Routine names are spoken ("start NAME"), so they are the same plain words content.py allows.
_PHRASE_RE = re.compile(r"^[a-z]+( [a-z]+)*$")


class ConfigError(VoicecoachError):
    """A setting that cannot be used: names the file (or the command line) and the key."""

    def __init__(self, source: object, key: str | None, message: str):
        self.source = str(source)
        self.key = key
        where = f"{shown(self.source)}: key '{shown(key)}'" if key else shown(self.source)
        super().__init__(f"{where}: {message}")


def shown(text: str) -> str:
    """`text` for a one-line message: control characters escaped as Python would."""
    return text if text.isprintable() else repr(text)[1:-1]


@dataclass(frozen=True)
class Settings:
    """What the coach runs with: defaults, then the config file, then command-line flags."""

    input_device: str | None = None
    """Microphone: a name (or part of one) or an index, as `voicecoach devices` lists them; unset: the default."""

    output_device: str | None = None
    """Speaker: a name (or part of one) or an index, as `voicecoach devices` lists them; unset: the default."""

    asr: Asr | None = None
    """Speech recognizer: "vosk", "pocketsphinx" or "auto" (unset): Vosk when a model is found."""

    model: Path | None = None
    """Vosk model directory; unset: $VOICECOACH_VOSK_MODEL or where voicecoach looks by default."""

    rate: int = DEFAULT_RATE
    """Speaking rate in words per minute, 100 to 225."""

    volume: float = 1.0
    """Loudness of the coach's voice, 0.0 (silent) to 1.0 (full)."""

    content: Path | None = None
    """Exercise content directory; unset: the content that ships with voicecoach."""

    routine: str | None = None
    """Routine that "start routine" begins (its name in the content); unset: session.toml's default_routine."""

    pace: float = DEFAULT_PACE
    """Scales the time allowed for each movement, 0.25 to 4: 1.5 gives half as much time again; "slower" and
    "faster" change it by a quarter."""

    sensitivity: Sensitivity = "normal"
    """How readily speech counts as a command (PocketSphinx): "low" acts on fewer words that were none and misses
    more commands, "high" the reverse."""

    second_opinion: bool = True
    """The trained command model joins PocketSphinx: it drops a command it finds all but impossible, and commits
    the commands it is sure of when said on their own (benchmarks/COMMAND_MODEL.md). true or false."""

    reminders: tuple[time, ...] = ()
    """Times of day ("HH:MM") at which the running coach says it is time for your exercises, when no session was
    done since; unset: no reminders."""

    quiet_hours: QuietHours | None = None
    """No reminder is said in these hours, "HH:MM-HH:MM" (it may span midnight); unset: none."""

    snooze_minutes: int = DEFAULT_SNOOZE_MINUTES
    """How long "not now" after a reminder puts it off, 5 to 240 minutes."""

    def reminder_settings(self) -> ReminderSettings:
        """The reminders these settings ask for; ValueError if their times fall in their quiet hours."""
        return ReminderSettings(self.reminders, self.quiet_hours, timedelta(minutes=self.snooze_minutes))


KEYS = tuple(f.name for f in fields(Settings))

EXAMPLE = '''\
# ~/.config/voicecoach/config.toml: every key is optional; command-line flags win over this file.

# Microphone and speaker: a name (or part of one) or an index, as `voicecoach devices` lists them.
input_device = "USB"
# output_device = "Headphones"

# Speech recognizer: "vosk", "pocketsphinx" or "auto" (Vosk when a model is found).
asr = "auto"
# model = "~/vosk-model-small-en-us-0.15"

# Speaking rate in words per minute (100 to 225) and loudness (0.0 to 1.0).
rate = 140
volume = 0.8

# More time for each movement: 1.5 gives half as much time again (0.25 to 4).
pace = 1.25

# How readily speech counts as a command (PocketSphinx only): "low" acts on fewer words that were no command
# and misses more commands, "high" the reverse (benchmarks/TRADEOFF.md has the figures).
# sensitivity = "normal"
# The trained command model beside PocketSphinx: its check on what PocketSphinx hears, and the commands it
# hears itself when said on their own (true or false).
# second_opinion = true

# Your own exercises, and the routine that "start routine" begins (a routine's name in the content;
# unset: the default_routine of the content's session.toml).
# content = "~/my-exercises"
# routine = "routine"

# Reminders while the coach runs (as a service): at these times, when no session was done since, it says
# "It is time for your back exercises."; "not now" (or "later") puts it off for snooze_minutes (5 to 240).
# No reminder is said in the quiet hours, which may span midnight.
# reminders = ["08:00", "18:00"]
# quiet_hours = "22:00-07:00"
# snooze_minutes = 30
'''


@dataclass(frozen=True)
class _Base:
    """What relative paths in a value start from: the file's directory (or the working one), and home for ~."""

    directory: Path
    home: Path


class _Bad(ValueError):
    """A value that fails its check; the caller adds where it came from."""


def _text(value: object, base: _Base) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"must be non-empty text in quotes, got {value!r}")
    return value.strip()


def _one_of(*choices: str) -> Callable[[object, _Base], str]:
    def check(value: object, base: _Base) -> str:
        if value not in choices:
            raise _Bad(f"must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")
        return str(value)

    return check


def _flag(value: object, base: _Base) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false (no quotes), got {value!r}")
    return value


def _asr(value: object, base: _Base) -> str | None:
    choice = _one_of(*ASR_CHOICES)(value, base)
    return None if choice == "auto" else choice


def _directory(value: object, base: _Base) -> Path:
    if not isinstance(value, str | Path) or not str(value).strip():
        raise _Bad(f"must be a directory path in quotes, got {value!r}")
    # A relative path in the file means relative to the file, so the file can be moved with its data.
    text = str(value).strip()
    if text == "~" or text.startswith("~/"):  # the home of the environment given, not necessarily os.environ's
        text = str(base.home) + text[1:]
    if "\0" in text:  # the operating system cannot even look such a path up
        raise _Bad(f"must be a directory path, got {value!r} (it holds a NUL character)")
    try:
        path = base.directory / Path(text).expanduser()
    except RuntimeError:  # "~someone/..." where no such user exists
        raise _Bad(f"{shown(text)} names the home of an unknown user") from None
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except OSError as error:  # too long, no permission to look: say so rather than crash
        raise _Bad(f"{shown(str(path))} cannot be used: {error.strerror or error}") from None
    if not exists:
        raise _Bad(f"{shown(str(path))} does not exist")
    if not is_dir:
        raise _Bad(f"{shown(str(path))} is not a directory")
    return path


def _routine(value: object, base: _Base) -> str:
    if not isinstance(value, str) or not _PHRASE_RE.match(value):
        raise _Bad(f"must be a routine name in lower-case words separated by single spaces, got {value!r}")
    return value


def _checked(parse: Callable[[object], object]) -> Callable[[object, _Base], object]:
    """A check made of a parser that raises ValueError (core/reminders.py's)."""
    def check(value: object, base: _Base) -> object:
        try:
            return parse(value)
        except ValueError as error:
            raise _Bad(str(error)) from None

    return check


def _whole(low: int, high: int, unit: str) -> Callable[[object, _Base], int]:
    def check(value: object, base: _Base) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(f"must be a whole number of {unit}, got {value!r}")
        if not low <= value <= high:
            raise _Bad(f"must be between {low} and {high}, got {value!r}")
        return value

    return check


def _number(low: float, high: float) -> Callable[[object, _Base], float]:
    def check(value: object, base: _Base) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise _Bad(f"must be a number, got {value!r}")
        if not low <= value <= high:
            raise _Bad(f"must be between {low:g} and {high:g}, got {value!r}")
        return float(value)

    return check


_CHECKS: dict[str, Callable[[object, _Base], object]] = {
    "input_device": _text,
    "output_device": _text,
    "asr": _asr,
    "model": _directory,
    "rate": _whole(*RATE_RANGE, "words per minute"),
    "volume": _number(*VOLUME_RANGE),
    "content": _directory,
    "routine": _routine,
    "pace": _number(*PACE_RANGE),
    "sensitivity": _one_of(*SENSITIVITY_CHOICES),
    "second_opinion": _flag,
    "reminders": _checked(parse_times),
    "quiet_hours": _checked(QuietHours.parse),
    "snooze_minutes": _checked(parse_snooze),
}
assert set(_CHECKS) == set(KEYS), "every setting needs a check"


def config_path(env: Mapping[str, str]) -> Path:
    """$VOICECOACH_CONFIG, else $XDG_CONFIG_HOME/voicecoach/config.toml, else ~/.config/voicecoach/config.toml."""
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser()
    xdg = env.get("XDG_CONFIG_HOME", "")
    # The XDG spec says a relative $XDG_CONFIG_HOME is invalid and must be ignored.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / APP_DIR / CONFIG_NAME
    return _home(env) / ".config" / APP_DIR / CONFIG_NAME


def _home(env: Mapping[str, str]) -> Path:
    return Path(env["HOME"]) if env.get("HOME") else Path.home()


def read_config_file(file: Path, home: Path) -> dict[str, object]:
    """The checked values a config file sets (only the keys it has)."""
    try:
        raw: dict[str, Any] = tomllib.loads(file.read_bytes().decode("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(file, None, f"not valid TOML: {error}") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise ConfigError(file, None, "not valid TOML: nested too deeply") from None
    except UnicodeDecodeError as error:
        raise ConfigError(file, None, f"not valid TOML: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise ConfigError(file, None, f"cannot be read: {error.strerror or error}") from None
    values: dict[str, object] = {}
    for key, value in raw.items():
        if key not in _CHECKS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ConfigError(file, key, f"unknown key ({hint}known: {', '.join(KEYS)})")
        values[key] = _check(key, value, _Base(file.parent, home), file, key)
    return values


def _check(key: str, value: object, base: _Base, source: object, label: str) -> object:
    try:
        return _CHECKS[key](value, base)
    except _Bad as bad:
        raise ConfigError(source, label, str(bad)) from None


def _exists(file: Path) -> bool:
    try:
        return file.exists()
    except OSError:  # e.g. a directory we may not search: reading it will say why
        return True


def load_settings(cli_overrides: Mapping[str, object], env: Mapping[str, str]) -> Settings:
    """Defaults, overridden by the config file, overridden by flags (a None override means "not given")."""
    file = config_path(env)
    values: dict[str, object] = {}
    if _exists(file):
        values.update(read_config_file(file, _home(env)))
    elif env.get(CONFIG_ENV):
        raise ConfigError(file, None, f"no such file (named by ${CONFIG_ENV})")
    for key, value in cli_overrides.items():
        if key not in _CHECKS:  # a caller's mistake, not the user's
            raise ValueError(f"unknown setting {key!r}; settings are: {', '.join(KEYS)}")
        if value is not None:
            values[key] = _check(key, value, _Base(Path.cwd(), _home(env)), CLI_SOURCE, "--" + key.replace("_", "-"))
    settings = Settings(**values)  # type: ignore[arg-type]  # each value was checked against its field above
    try:
        settings.reminder_settings()
    except ValueError as error:  # only the file sets them: a reminder time in the quiet hours
        raise ConfigError(file, "reminders", f"{error}: move it, or change quiet_hours") from None
    return settings


def apply_routine(content: Content, settings: Settings, from_flag: bool, env: Mapping[str, str]) -> Content:
    """`content` with the settings' routine as the one "start routine" begins; a name it lacks is a ConfigError.

    `from_flag` says whether --routine set it (else the config file did), so the message names the right place.
    """
    try:
        return content.with_routine(settings.routine)
    except KeyError:
        source, label = (CLI_SOURCE, "--routine") if from_flag else (config_path(env), "routine")
        raise ConfigError(source, label, f"no routine named {settings.routine!r} in {content.root} "
                                         f"(routines: {', '.join(sorted(content.routines))})") from None


def overrides_from(namespace: object) -> dict[str, object]:
    """The settings an argparse Namespace carries, by field name (absent attributes count as not given)."""
    return {key: getattr(namespace, key, None) for key in KEYS}


@functools.cache
def field_docs() -> dict[str, str]:
    """Each Settings field's docstring, read from the source (empty where the source is unavailable)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(Settings)))
    except (OSError, TypeError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, after in pairwise(body):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            docs[node.target.id] = after.value.value
    return docs


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\t" or (ord(char) >= 0x20 and ord(char) != 0x7F):
            out.append(char)
        else:
            out.append(f"\\u{ord(char):04X}")
    return '"' + "".join(out) + '"'


def _toml_value(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, time):
        return toml_string(clock_text(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return toml_string(str(value))


def format_settings(settings: Settings, file: Path | None = None, unset: Mapping[str, str] | None = None) -> str:
    """The effective settings as TOML a config file could hold; unset keys are shown commented out.

    `unset` maps a key to what applies when it is not set, shown beside it (e.g. the content's default routine).
    """
    lines = []
    if file is not None:
        state = "read" if file.is_file() else "not found, defaults apply"
        lines.append(f"# config file: {toml_string(str(file))[1:-1]} ({state})")
    docs = field_docs()
    for key in KEYS:
        lines.append("")
        if key in docs:
            lines.append("# " + " ".join(docs[key].split()))  # one comment line, whatever the docstring
        value = getattr(settings, key)
        if value is not None and value != ():
            lines.append(f"{key} = {_toml_value(value)}")
        else:
            note = (unset or {}).get(key)
            lines.append(f"# {key} is not set" + (f" ({shown(note)})" if note else ""))
    return "\n".join(lines).lstrip("\n") + "\n"
