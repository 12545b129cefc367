"""Exercise content: TOML files validated on load into frozen objects."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from voicecoach.errors import ContentError

MAX_SECONDS = 600  # a hold or pause longer than ten minutes is a typo, not an exercise
MAX_REPETITIONS = 50
# Names become "start NAME" phrases for the recognizers, so they are plain words.
PHRASE_RE = re.compile(r"^[a-z]+( [a-z]+)*$")
PLACEHOLDER_RE = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class Step:
    """One instruction: say it, allow `seconds` for the movement, then count a hold if any."""

    say: str
    seconds: float
    hold: tuple[int, int] | None  # (counted, longest the article allows)
    rest: float  # after "relax", before the next step
    way_out: str | None = None
    """How to leave the position this step puts the person in, safely: said on pause, stop and pain."""
    way_back: str | None = None
    """A short cue back into that position, said on resume before the step goes on (a hold from the top)."""
    release: str | None = None
    """Said when the hold's count ends, instead of "Relax." (where the person stays up: the bridge's squeeze)."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of the article, as its file describes it."""

    name: str
    aliases: tuple[str, ...]
    intro: str
    repetitions: tuple[int, int]  # (done, most the article allows)
    sides: tuple[str, ...]
    side_word: str
    cautions: tuple[str, ...]
    position: str | None
    """Where the body is for it ("onto your back"): a change from the exercise before is announced first."""
    setup: tuple[Step, ...]
    steps: tuple[Step, ...]
    source: Path


@dataclass(frozen=True)
class Routine:
    """Exercises done one after another."""

    name: str
    aliases: tuple[str, ...]
    exercises: tuple[str, ...]
    source: Path


@dataclass(frozen=True)
class SessionText:
    """What the coach says around the exercises, and in answer to commands."""

    ready: str
    safety: str
    pain: str
    finished: str
    """Said at the end when every exercise of the session was done."""
    finished_partly: str
    """Holds {exercises}: those done ("a and b"), when others were skipped."""
    finished_none: str
    """Said at the end when every exercise was skipped."""
    next_exercise: str
    """Said before the introduction of each exercise of a routine but the first."""
    position_change: str
    """Holds {position}: said after `next_exercise` when the next exercise is done in another position."""
    last_one: str
    """Said before the announcement of an exercise's last repetition (on each side)."""
    stopped: str
    default_routine: str
    paused: str
    resumed: str
    nothing_running: str
    help: str
    """Holds {commands}: the commands that matter most now (grammar/commands.toml `[help]`)."""
    more_offer: str
    """Said after `help` when there are more commands: how to hear them ("more")."""
    help_rest: str
    """Holds {commands}: the rest, said on "more"."""
    exercises: str
    """Holds {exercises}: every exercise, "a, b, and c"."""
    time_left: str
    """Holds {duration}: "about three minutes"."""
    faster: str
    slower: str
    fastest: str
    slowest: str
    microphone_lost: str
    microphone_back: str
    starting: str
    """Holds {name}: the exercise or routine just asked for, said at once."""
    reminder: str
    """Said at a reminder time when no session was done since."""
    snoozed: str
    """The answer to "not now" after a reminder."""
    asked_back: str
    """Said for a command heard unsure that would change the session: asks for it again, naming no command."""
    pain_asked: str
    """Holds {way_out}: said for pain heard unsure in a running session, which holds first."""

    def filled(self, key: str, value: str) -> str:
        """The sentence `key` (one of SESSION_PLACEHOLDERS) with `value` in its placeholder, a capital first."""
        text = " ".join(str(getattr(self, key)).replace(SESSION_PLACEHOLDERS[key], value).split())
        return text[:1].upper() + text[1:]


# The sentences of session.toml that name something the coach fills in, and what. {way_out} is the way out of the
# position held when it is said (a step's `way_out`), or nothing.
WAY_OUT = "{way_out}"
SESSION_PLACEHOLDERS = {"help": "{commands}", "help_rest": "{commands}", "exercises": "{exercises}",
                        "time_left": "{duration}", "finished_partly": "{exercises}", "position_change": "{position}",
                        "paused": WAY_OUT, "pain_asked": WAY_OUT, "stopped": WAY_OUT, "pain": WAY_OUT,
                        "microphone_lost": WAY_OUT, "starting": "{name}"}


@dataclass(frozen=True)
class Checkin:
    """The pain check-in (session.toml [checkin]): when it is asked, what counts as high pain or a rise, and what the
    coach says. Sentences take the placeholders CHECKIN_PLACEHOLDERS names."""

    answer_seconds: float
    """How long the coach waits for an answer after its question: then it goes on without one."""
    high_pain: int
    """A score before the exercises from which the coach advises rest and does not start them."""
    pain_rise: int
    """A rise from before to after the exercises from which the coach advises rest (and the loads step back)."""
    carry_seconds: float
    """A score said before a session holds for a "start" said within this: it is not asked again."""
    question: str
    question_after: str
    heard: str
    skipped: str
    high_pain_advice: str
    rise_advice: str


@dataclass(frozen=True)
class Progression:
    """progression.toml: when an exercise's load steps up or back within its range, and how the coach says so."""

    sessions: int
    """Sessions in a row that must have done an exercise whole, with no "it hurts" during it and low pain ..."""
    most_pain: int
    """... at most this before and after (where it was given), before its load steps up one."""
    hold_step: int
    """Seconds one step adds to a hold whose range the article gives; repetitions step by one."""
    more_repetitions: str
    fewer_repetitions: str
    longer_hold: str
    shorter_hold: str


# The placeholders each sentence of the check-in and of the progression may hold.
CHECKIN_PLACEHOLDERS = {"heard": ("{score}",), "high_pain_advice": ("{name}",),
                        "rise_advice": ("{before}", "{after}")}
PROGRESSION_PLACEHOLDERS = {"more_repetitions": ("{exercise}", "{times}"),
                            "fewer_repetitions": ("{exercise}", "{times}"),
                            "longer_hold": ("{exercise}", "{seconds}", "{difference}"),
                            "shorter_hold": ("{exercise}", "{seconds}", "{difference}")}


def fill(text: str, **values: str) -> str:
    """`text` with each {key} replaced by its value, spaces tidied and a capital first."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Content:
    """Everything the coach can run, checked for consistency."""

    root: Path
    exercises: Mapping[str, Exercise]
    routines: Mapping[str, Routine]
    session: SessionText
    checkin: Checkin
    progression: Progression
    chosen_routine: str | None = None  # the config's `routine`; None: session.toml's default_routine

    @property
    def start_routine(self) -> str:
        """The routine "start routine" begins: the one the settings chose, else session.toml's default_routine."""
        return self.chosen_routine or self.session.default_routine

    def with_routine(self, name: str | None) -> Content:
        """This content with `name` as the routine "start routine" begins (None keeps the default).

        Raises KeyError for a name that is not a routine here; the caller knows which setting named it.
        """
        if name is not None and name not in self.routines:
            raise KeyError(name)
        return replace(self, chosen_routine=name)

    def targets(self) -> dict[str, str]:
        """Every name a person can say after "start", mapped to the canonical name."""
        out: dict[str, str] = {}
        items: list[Exercise | Routine] = [*self.exercises.values(), *self.routines.values()]
        for item in items:
            for spoken in (item.name, *item.aliases):
                out[spoken] = item.name
        return out


class _Fields:
    """Reads typed fields from one TOML table, failing with the file, exercise and field named."""

    def __init__(self, file: Path, table: Mapping[str, Any], exercise: str | None = None, prefix: str = ""):
        self.file, self.table, self.exercise, self.prefix = file, table, exercise, prefix

    def fail(self, key: str, message: str) -> ContentError:
        # A key can be any string in TOML; keep the message on one line.
        shown = key if key.isprintable() else repr(key)
        return ContentError(self.file, message, exercise=self.exercise, field=self.prefix + shown)

    def check_keys(self, allowed: set[str]) -> None:
        for key in self.table:
            if key not in allowed:
                raise self.fail(key, f"unknown field (allowed: {', '.join(sorted(allowed))})")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if value is None:
            raise self.fail(key, "missing")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be non-empty text")
        return value.strip()

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "must be a list of non-empty texts")
        return tuple(v.strip() for v in value)

    def phrase(self, key: str, value: object) -> str:
        if not isinstance(value, str) or not PHRASE_RE.match(value):
            raise self.fail(key, f"{value!r} must be lower-case words separated by single spaces")
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number of seconds, got {value!r}")
        if not low <= value <= high:
            raise self.fail(key, f"must be between {low:g} and {high:g}, got {value!r}")
        return float(value)

    def whole(self, key: str, low: int, high: int) -> int:
        value = self.table.get(key)
        if value is None:
            raise self.fail(key, "missing")
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(key, f"must be a whole number from {low} to {high}, got {value!r}")
        return value

    def template(self, key: str, placeholders: tuple[str, ...]) -> str:
        """A sentence holding only `placeholders` (any of them)."""
        text = self.text(key)
        for placeholder in PLACEHOLDER_RE.findall(text):
            if placeholder not in placeholders:
                known = f"known here: {', '.join(placeholders)}" if placeholders else "this sentence takes none"
                raise self.fail(key, f"unknown placeholder {placeholder} ({known})")
        return text

    def count_range(self, key: str, low: int, high: int, default: int | None = None) -> tuple[int, int] | None:
        """A whole number, or [least, most]: the article often gives a range."""
        value = self.table.get(key, default)
        if value is None:
            return None
        pair = value if isinstance(value, list) else [value, value]
        if len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
            raise self.fail(key, f"must be a whole number or [least, most], got {value!r}")
        least, most = pair
        if not (low <= least <= most <= high):
            raise self.fail(key, f"must be between {low} and {high} (least first), got {value!r}")
        return least, most


def _step(file: Path, exercise: str, key: str, index: int, raw: object, has_sides: bool) -> Step:
    where = f"{key}[{index + 1}]."
    if not isinstance(raw, dict):
        raise ContentError(file, "must be a table ([[" + key + "]])", exercise=exercise, field=where[:-1])
    f = _Fields(file, raw, exercise, where)
    f.check_keys({"say", "seconds", "hold", "rest", "way_out", "way_back", "release"})
    say, seconds, rest = f.text("say"), f.number("seconds", 3, 0, MAX_SECONDS), f.number("rest", 3, 0, MAX_SECONDS)
    hold = f.count_range("hold", 1, MAX_SECONDS)
    way_out = f.text("way_out") if "way_out" in raw else None
    way_back = f.text("way_back") if "way_back" in raw else None
    if (way_out is None) != (way_back is None) or (hold and way_out is None):
        raise f.fail("way_out" if way_out is None else "way_back", "missing: a step that holds a position says how "
                     "to leave it safely (way_out) and gives a short cue back into it (way_back)")
    for name, text in (("say", say), ("way_out", way_out), ("way_back", way_back)):
        for placeholder in PLACEHOLDER_RE.findall(text or ""):
            if placeholder != "{side}":
                raise f.fail(name, f"unknown placeholder {placeholder} (only {{side}} is known)")
            if not has_sides:
                raise f.fail(name, "uses {side} but the exercise has no 'sides'")
    release = f.text("release") if "release" in raw else None
    if release is not None and not hold:
        raise f.fail("release", "is said when a hold's count ends: this step has no hold")
    return Step(say=say, seconds=seconds, hold=hold, rest=rest, way_out=way_out, way_back=way_back, release=release)


def load_exercise(file: Path) -> Exercise:
    """Load and check one exercise file."""
    raw = _read_toml(file)
    top = _Fields(file, raw)
    name = top.phrase("name", raw.get("name")) if "name" in raw else None
    if name is None:
        raise top.fail("name", "missing: every exercise needs a name")
    f = _Fields(file, raw, name)
    f.check_keys({"name", "aliases", "intro", "repetitions", "sides", "side_word", "cautions", "position", "setup",
                  "steps"})
    aliases = tuple(f.phrase("aliases", a) for a in f.texts("aliases"))
    sides = f.texts("sides")
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise f.fail("steps", "missing: an exercise needs at least one [[steps]] entry")
    setup_raw = raw.get("setup", [])
    if not isinstance(setup_raw, list):
        raise f.fail("setup", "must be a list of [[setup]] tables")
    repetitions = f.count_range("repetitions", 1, MAX_REPETITIONS, default=1)
    assert repetitions is not None  # a default was given
    return Exercise(
        name=name,
        aliases=aliases,
        intro=f.text("intro", default=name.capitalize() + "."),
        repetitions=repetitions,
        sides=sides,
        side_word=f.text("side_word", default="side"),
        cautions=f.texts("cautions"),
        position=f.text("position") if "position" in raw else None,
        setup=tuple(_step(file, name, "setup", i, s, bool(sides)) for i, s in enumerate(setup_raw)),
        steps=tuple(_step(file, name, "steps", i, s, bool(sides)) for i, s in enumerate(steps_raw)),
        source=file,
    )


def load_routine(file: Path) -> Routine:
    """Load one routine file (the exercise names are checked by load_content)."""
    raw = _read_toml(file)
    f = _Fields(file, raw)
    f.check_keys({"name", "aliases", "exercises"})
    if "name" not in raw:
        raise f.fail("name", "missing: every routine needs a name")
    name = f.phrase("name", raw["name"])
    exercises = f.texts("exercises")
    if not exercises:
        raise f.fail("exercises", "missing: a routine needs at least one exercise")
    return Routine(name, tuple(f.phrase("aliases", a) for a in f.texts("aliases")), exercises, file)


def load_session_text(file: Path) -> SessionText:
    """Load session.toml: the prompts, the safety advice and the coach's answers."""
    raw = _read_toml(file)
    f = _Fields(file, raw)
    keys = {field.name for field in fields(SessionText)}
    f.check_keys(keys | {"checkin"})
    texts = {key: f.text(key) for key in sorted(keys)}
    for key, text in texts.items():
        wanted = SESSION_PLACEHOLDERS.get(key)
        for placeholder in PLACEHOLDER_RE.findall(text):
            if placeholder != wanted:
                known = f"only {wanted} is known" if wanted else "this sentence takes none"
                raise f.fail(key, f"unknown placeholder {placeholder} ({known})")
        if wanted and wanted not in text:
            raise f.fail(key, f"must say {wanted}")
    return SessionText(**texts)


def load_checkin(file: Path) -> Checkin:
    """Load session.toml's [checkin] table."""
    raw = _read_toml(file)
    table = raw.get("checkin")
    if not isinstance(table, dict):
        raise ContentError(file, "missing: a [checkin] table, the pain check-in's sentences", field="checkin")
    f = _Fields(file, table, prefix="checkin.")
    f.check_keys({field.name for field in fields(Checkin)})
    return Checkin(
        answer_seconds=f.number("answer_seconds", 8, 1, MAX_SECONDS), high_pain=f.whole("high_pain", 0, 10),
        pain_rise=f.whole("pain_rise", 1, 10), carry_seconds=f.number("carry_seconds", 600, 0, 24 * 3600),
        **{key: f.template(key, CHECKIN_PLACEHOLDERS.get(key, ()))
           for key in ("question", "question_after", "heard", "skipped", "high_pain_advice", "rise_advice")})


def load_progression(file: Path) -> Progression:
    """Load progression.toml: the rule that steps each exercise's load within its range, and its sentences."""
    if not file.is_file():
        raise ContentError(file, "missing: it holds the rule that steps each exercise's load within its range")
    raw = _read_toml(file)
    f = _Fields(file, raw)
    f.check_keys({field.name for field in fields(Progression)})
    return Progression(
        sessions=f.whole("sessions", 1, 100), most_pain=f.whole("most_pain", 0, 10),
        hold_step=f.whole("hold_step", 1, MAX_SECONDS),
        **{key: f.template(key, PROGRESSION_PLACEHOLDERS[key]) for key in PROGRESSION_PLACEHOLDERS})


def load_content(root: Path) -> Content:
    """Load a content directory: exercises/*.toml, routines/*.toml and session.toml."""
    if not root.is_dir():
        raise ContentError(root, "no such content directory")
    exercises: dict[str, Exercise] = {}
    for file in sorted((root / "exercises").glob("*.toml")):
        exercise = load_exercise(file)
        if exercise.name in exercises:
            first = exercises[exercise.name].source
            raise ContentError(file, f"the name is already used by {first}", exercise=exercise.name, field="name")
        exercises[exercise.name] = exercise
    if not exercises:
        raise ContentError(root / "exercises", "no exercise files (*.toml) found")
    routines: dict[str, Routine] = {}
    for file in sorted((root / "routines").glob("*.toml")):
        routine = load_routine(file)
        for name in routine.exercises:
            if name not in exercises:
                known = ", ".join(exercises)
                raise ContentError(file, f"names exercise '{name}', which does not exist (known: {known})",
                                   field="exercises")
        routines[routine.name] = routine
    session_file = root / "session.toml"
    if not session_file.is_file():
        raise ContentError(session_file, "missing: it holds the safety advice and the prompts")
    session = load_session_text(session_file)
    if session.default_routine not in routines:
        raise ContentError(session_file, f"routine '{session.default_routine}' does not exist",
                           field="default_routine")
    content = Content(root, exercises, routines, session, load_checkin(session_file),
                      load_progression(root / "progression.toml"))
    _check_unique_spoken_names(content)
    return content


def _check_unique_spoken_names(content: Content) -> None:
    seen: dict[str, Exercise | Routine] = {}
    items: list[Exercise | Routine] = [*content.exercises.values(), *content.routines.values()]
    for item in items:
        for spoken in (item.name, *item.aliases):
            other = seen.get(spoken)
            if other is not None and other is not item:
                raise ContentError(item.source, f"'{spoken}' is already a name of '{other.name}' ({other.source})",
                                   field="aliases")
            seen[spoken] = item


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ContentError(file, f"not valid TOML: {error}") from None
    except RecursionError:  # tomllib recurses on nested arrays: a hostile file must not crash us
        raise ContentError(file, "not valid TOML: nested too deeply") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(file, f"cannot be read: {error}") from None
