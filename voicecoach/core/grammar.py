"""The command vocabulary: grammar/commands.toml plus "start NAME" for each exercise, and its matcher."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from voicecoach.core.content import Content, _Fields, _read_toml
from voicecoach.core.events import Command
from voicecoach.core.transitions import LISTEN_STATES, check_commands
from voicecoach.errors import ContentError

STATES: tuple[str, ...] = LISTEN_STATES  # the coach's modes and "reminded", as `when` and `listen` name them


@dataclass(frozen=True)
class CommandSpec:
    """One command of grammar/commands.toml."""

    name: str
    phrases: tuple[str, ...]
    help: str
    when: tuple[str, ...]
    takes_target: bool
    listen: tuple[str, ...] = STATES
    """The states in which the recognizer listens for the command at all."""
    barge_in: tuple[str, ...] = ()
    """Its phrases that may interrupt the coach while it speaks."""


@dataclass(frozen=True)
class Grammar:
    """Every phrase a person can say, each mapped to exactly one command."""

    specs: tuple[CommandSpec, ...]
    table: dict[str, Command]

    def phrases(self) -> list[str]:
        """Every phrase, in a stable order: what the recognizers are compiled from."""
        return list(self.table)

    def match(self, text: str) -> Command | None:
        """The command `text` says, or None: text outside the grammar is ignored, never guessed at."""
        return self.table.get(normalize(text))

    def barge_in_phrases(self) -> frozenset[str]:
        """The phrases that may interrupt the coach while it speaks."""
        return frozenset(p for spec in self.specs for p in spec.barge_in)

    def listens(self, command: str, state: str) -> bool:
        """Whether the command is listened for in `state` (the coach's mode)."""
        return any(spec.name == command and state in spec.listen for spec in self.specs)

    def phrases_heard(self, state: str) -> frozenset[str]:
        """The phrases the recognizer listens for in `state`: the others are not candidates at all."""
        return frozenset(p for p, command in self.table.items() if self.listens(command.name, state))

    def help_for(self, state: str) -> list[str]:
        """How to describe the commands that make sense in `state`."""
        return [spec.help for spec in self.specs if state in spec.when and spec.help]


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
    top.check_keys({"command"})
    entries = raw.get("command")
    if not isinstance(entries, list) or not entries:
        raise top.fail("command", "missing: add [[command]] tables")
    specs = tuple(_spec(file, i, entry) for i, entry in enumerate(entries))
    check_commands(file, [spec.name for spec in specs])
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
            else:
                add(phrase, Command(spec.name), f"'{spec.name}'")
    return Grammar(specs, table)


def _spec(file: Path, index: int, raw: object) -> CommandSpec:
    where = f"command[{index + 1}]."
    if not isinstance(raw, dict):
        raise ContentError(file, "must be a table ([[command]])", field=where[:-1])
    f = _Fields(file, raw, prefix=where)
    f.check_keys({"name", "phrases", "help", "when", "listen", "barge_in", "takes_target"})
    name = f.phrase("name", raw.get("name"))
    phrases = f.texts("phrases")
    if not phrases:
        raise f.fail("phrases", f"command '{name}' needs at least one phrase")
    for phrase in phrases:
        f.phrase("phrases", phrase)
    when = _states(f, "when")
    listen = _states(f, "listen") if "listen" in raw else STATES
    if not listen:
        raise f.fail("listen", f"command '{name}' must be heard in at least one state")
    help_text = raw.get("help", "")
    if not isinstance(help_text, str):
        raise f.fail("help", "must be text")
    takes_target = raw.get("takes_target", False)
    if not isinstance(takes_target, bool):
        raise f.fail("takes_target", "must be true or false")
    barge_in = f.texts("barge_in")
    for phrase in barge_in:
        if phrase not in phrases or takes_target:
            raise f.fail("barge_in", f"'{phrase}' is not one of the phrases of command '{name}'")
    return CommandSpec(name, phrases, help_text, when, takes_target, listen, barge_in)


def _states(f: _Fields, key: str) -> tuple[str, ...]:
    states = f.texts(key)
    for state in states:
        if state not in STATES:
            raise f.fail(key, f"unknown state '{state}' (known: {', '.join(STATES)})")
    return states

