"""The command vocabulary: grammar/commands.toml plus "start NAME" for each exercise, and its matcher."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from voicecoach.core.content import Content, Exercise, Routine, _Fields, _read_toml
from voicecoach.core.events import Command
from voicecoach.core.spoken import MAX_SPOKEN, number_words, word_numbers
from voicecoach.core.transitions import LISTEN_STATES, check_commands
from voicecoach.errors import ContentError

STATES: tuple[str, ...] = LISTEN_STATES  # the coach's modes and "reminded", as `when` and `listen` name them
FIRST_HELP_MOST = 5  # the commands help names first: few enough to remember lying down
_AFTER = " after "  # a listening state "running after help": the mode, and the command just answered
# Without `listen`, a command is heard outside a question: while the coach asks, only the few that name "asking".
DEFAULT_LISTEN: tuple[str, ...] = tuple(state for state in STATES if state != "asking")


@dataclass(frozen=True)
class CommandSpec:
    """One command of grammar/commands.toml."""

    name: str
    phrases: tuple[str, ...]
    help: str
    when: tuple[str, ...]
    takes_target: bool
    listen: tuple[str, ...] = DEFAULT_LISTEN
    """The states in which the recognizer listens for the command at all."""
    barge_in: tuple[str, ...] = ()
    """Its phrases that may interrupt the coach while it speaks."""
    after: str = ""
    """A command it is heard only right after ("more", after "help"); "" for none."""
    takes_number: bool = False
    """Its phrases are numbers ("zero" to "ten"), each a Command with that number."""


@dataclass(frozen=True)
class Grammar:
    """Every phrase a person can say, each mapped to exactly one command."""

    specs: tuple[CommandSpec, ...]
    table: dict[str, Command]
    first_help: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """For each mode, the commands help names first, in order (the `[help]` table)."""

    def phrases(self) -> list[str]:
        """Every phrase, in a stable order: what the recognizers are compiled from."""
        return list(self.table)

    def match(self, text: str) -> Command | None:
        """The command `text` says, or None: text outside the grammar is ignored, never guessed at."""
        return self.table.get(normalize(text))

    def barge_in_phrases(self) -> frozenset[str]:
        """The phrases that may interrupt the coach while it speaks."""
        return frozenset(p for spec in self.specs for p in spec.barge_in)

    def barge_in_commands(self) -> frozenset[Command]:
        """The commands whose phrases may interrupt the coach: those that stop it (stop, wait, it hurts)."""
        return frozenset(self.table[p] for p in self.barge_in_phrases())

    def listens(self, command: str, state: str) -> bool:
        """Whether the command is listened for in `state`: the coach's mode, or "MODE after COMMAND" right after
        the coach answered COMMAND (Coach.listening), when the commands heard only then are listened for too."""
        mode, _, after = state.partition(_AFTER)
        return any(spec.name == command and (after == spec.after if spec.after else mode in spec.listen)
                   for spec in self.specs)

    def heard_mid_session(self, command: str) -> str:
        """The state in which to say `command` mid-session (benchmarks): "running", "running after help" for one
        heard only right after help, "idle" for one not listened for while running, "asking" for the check-in's
        answers."""
        spec = next(spec for spec in self.specs if spec.name == command)
        if spec.after:
            return f"running{_AFTER}{spec.after}"
        if self.listens(command, "running"):
            return "running"
        return "idle" if self.listens(command, "idle") or not self.listens(command, "asking") else "asking"

    def phrases_heard(self, state: str) -> frozenset[str]:
        """The phrases the recognizer listens for in `state` (as listens() takes it): the others are not
        candidates at all."""
        return frozenset(p for p, command in self.table.items() if self.listens(command.name, state))

    def help_for(self, state: str) -> tuple[list[str], list[str]]:
        """How to describe the commands that make sense in `state`: those help names first, and the rest."""
        described = {spec.name: spec.help for spec in self.specs if state in spec.when and spec.help}
        first = self.first_help.get(state, tuple(described))
        return [described[name] for name in first], [text for name, text in described.items() if name not in first]


# Contractions as the grammar writes them: its phrases are plain words, and the recognizers' dictionaries say
# "im" and "thats" otherwise than "I'm" and "that's".
_CONTRACTIONS = {"i'm": "i am", "that's": "that is", "it's": "it is", "i've": "i have", "don't": "do not",
                 "can't": "cannot", "what's": "what is", "let's": "let us"}


def normalize(text: str) -> str:
    """Lower case, contractions spelled out, punctuation and extra spaces dropped: "I'm in pain!" -> "i am in pain"."""
    words = re.sub(r"[^a-z' ]+", " ", text.lower().replace("\u2019", "'")).split()
    return " ".join(_CONTRACTIONS.get(word, word).replace("'", "") for word in words)


def load_grammar(grammar_dir: Path, content: Content) -> Grammar:
    """Load grammar/commands.toml and add "start NAME" for each exercise and routine of `content`."""
    file = grammar_dir / "commands.toml"
    if not file.is_file():
        raise ContentError(file, "missing: it defines the commands a person can say")
    raw = _read_toml(file)
    top = _Fields(file, raw)
    top.check_keys({"command", "help"})
    entries = raw.get("command")
    if not isinstance(entries, list) or not entries:
        raise top.fail("command", "missing: add [[command]] tables")
    specs = tuple(_spec(file, i, entry) for i, entry in enumerate(entries))
    check_commands(file, [spec.name for spec in specs])
    for spec in specs:
        if spec.after and spec.after not in {other.name for other in specs if not other.after}:
            raise ContentError(file, f"command '{spec.name}' is heard after '{spec.after}', which is no command "
                               "heard on its own", field="after")
    first_help = _first_help(file, raw.get("help", {}), specs)
    table: dict[str, Command] = {}
    owner: dict[str, str] = {}

    def add(phrase: str, command: Command, where: str) -> None:
        if phrase in table:
            raise ContentError(file, f"phrase '{phrase}' is used by both {owner[phrase]} and {where}",
                               field="phrases")
        table[phrase] = command
        owner[phrase] = where

    for spec in specs:
        for phrase in spec.phrases:
            if spec.takes_target:
                for spoken, target in content.targets().items():
                    add(f"{phrase} {spoken}", Command(spec.name, target), f"'{spec.name} {target}'")
            elif spec.takes_number:
                add(phrase, Command(spec.name, number=word_numbers()[phrase]), f"'{spec.name}'")
            else:
                add(phrase, Command(spec.name), f"'{spec.name}'")
    return Grammar(specs, table, first_help)


@dataclass(frozen=True)
class WordUse:
    """A word a recognizer must hear, and where it comes from: the file, and the exercise, routine or command."""

    word: str
    phrase: str
    """One phrase that says it, as the recognizer hears it ("start zumba twist")."""
    file: Path
    where: str
    """"exercise 'zumba twist'", "routine 'routine'" or "command 'resume'"."""


def word_uses(grammar: Grammar, content: Content, grammar_file: Path) -> list[WordUse]:
    """Every word of every phrase, each with where it comes from: a target's name from its content file, the
    rest from grammar/commands.toml."""
    uses = []
    items: list[Exercise | Routine] = [*content.exercises.values(), *content.routines.values()]
    for spec in grammar.specs:
        for phrase in spec.phrases:
            uses += [WordUse(word, phrase, grammar_file, f"command '{spec.name}'") for word in phrase.split()]
            if spec.takes_target:
                for item in items:
                    kind = "exercise" if isinstance(item, Exercise) else "routine"
                    uses += [WordUse(word, f"{phrase} {spoken}", item.source, f"{kind} '{item.name}'")
                             for spoken in (item.name, *item.aliases) for word in spoken.split()]
    return uses


def _first_help(file: Path, raw: object, specs: tuple[CommandSpec, ...]) -> dict[str, tuple[str, ...]]:
    """The `[help]` table: for each mode, the commands help names first; each must be one help describes there."""
    if not isinstance(raw, dict):
        raise ContentError(file, "must be a table of states ([help])", field="help")
    f = _Fields(file, raw, prefix="help.")
    f.check_keys(set(STATES))
    out: dict[str, tuple[str, ...]] = {}
    for state in raw:
        names = f.texts(state)
        described = [spec.name for spec in specs if state in spec.when and spec.help]
        for name in names:
            if name not in described:
                raise f.fail(state, f"'{name}' is not a command that help describes when {state} (those whose "
                             f"`when` names it and which have a `help`: {', '.join(described)})")
        if len(set(names)) != len(names) or len(names) > FIRST_HELP_MOST:
            raise f.fail(state, f"must name at most {FIRST_HELP_MOST} different commands")
        out[state] = names
    return out


def _spec(file: Path, index: int, raw: object) -> CommandSpec:
    where = f"command[{index + 1}]."
    if not isinstance(raw, dict):
        raise ContentError(file, "must be a table ([[command]])", field=where[:-1])
    f = _Fields(file, raw, prefix=where)
    f.check_keys({"name", "phrases", "help", "when", "listen", "barge_in", "takes_target", "after", "takes_number"})
    name = f.phrase("name", raw.get("name"))
    phrases = f.texts("phrases")
    if not phrases:
        raise f.fail("phrases", f"command '{name}' needs at least one phrase")
    for phrase in phrases:
        f.phrase("phrases", phrase)
    when = _states(f, "when")
    listen = _states(f, "listen") if "listen" in raw else DEFAULT_LISTEN
    if not listen:
        raise f.fail("listen", f"command '{name}' must be heard in at least one state")
    help_text = raw.get("help", "")
    if not isinstance(help_text, str):
        raise f.fail("help", "must be text")
    takes_target, takes_number = raw.get("takes_target", False), raw.get("takes_number", False)
    for key, value in (("takes_target", takes_target), ("takes_number", takes_number)):
        if not isinstance(value, bool):
            raise f.fail(key, "must be true or false")
    if takes_target and takes_number:
        raise f.fail("takes_number", "a command takes a target or a number, not both")
    for phrase in phrases if takes_number else ():
        if phrase not in word_numbers():
            raise f.fail("phrases", f"'{phrase}' is not a number from zero to {number_words(MAX_SPOKEN)}")
    barge_in = f.texts("barge_in")
    for phrase in barge_in:
        if phrase not in phrases or takes_target:
            raise f.fail("barge_in", f"'{phrase}' is not one of the phrases of command '{name}'")
    after = f.phrase("after", raw["after"]) if "after" in raw else ""
    return CommandSpec(name, phrases, help_text, when, takes_target, listen, barge_in, after, takes_number)


def _states(f: _Fields, key: str) -> tuple[str, ...]:
    states = f.texts(key)
    for state in states:
        if state not in STATES:
            raise f.fail(key, f"unknown state '{state}' (known: {', '.join(STATES)})")
    return states

