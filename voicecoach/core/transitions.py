"""What each command does in each mode of the coach: the one table of its transitions, checked against the grammar."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from voicecoach.errors import ContentError

Mode = Literal["idle", "running", "paused", "asking"]
MODES: tuple[Mode, ...] = ("idle", "running", "paused", "asking")
SESSION_MODES: tuple[Mode, ...] = ("idle", "running", "paused")
"""The modes outside a question; "asking": the coach waits for the answer to the pain check-in."""
ListenState = Literal["idle", "running", "paused", "asking", "reminded"]
LISTEN_STATES: tuple[ListenState, ...] = (*MODES, "reminded")
"""What the recognizer listens for follows the coach's mode, and "reminded": idle, just after a reminder."""

Action = Literal[
    "stop for pain",      # say the pain advice and end the session (idle: say it)
    "start session",      # begin the named exercise or routine
    "switch session",     # leave the position safely, then begin the named exercise or routine
    "go faster",          # a quicker voice and less time to move, or say it cannot
    "go slower",          # a slower voice and more time to move, or say it cannot
    "say commands",       # help: the commands that matter most in this mode, and an offer of the rest
    "say more commands",  # "more", right after help: the rest
    "say exercises",      # the exercises, the routine's first
    "hush",               # cut what is being said
    "say last",           # the last instruction again
    "say nothing running",
    "end session",        # stop: say so and end
    "say time left",
    "pause",
    "resume",
    "repeat step",
    "next step",
    "previous step",
    "next exercise",
    "snooze reminder",    # "not now" to a reminder: say so, and remind again after the snooze
    "take score",         # the check-in's answer: keep it, then go on
    "skip question",      # go on without an answer
    "stop asking",        # before the exercises: end without them; after: end the session
    "ask again",          # the check-in's question again, its time to answer from the top
    "say answers",        # help while asking: what the answer can be, then the question again
]

_EVERY_MODE: dict[str, Action] = {
    "it hurts": "stop for pain",
    "faster": "go faster",
    "slower": "go slower",
    "help": "say commands",
    "more": "say more commands",
    "list exercises": "say exercises",
}
_IN_SESSION: dict[str, Action] = {
    "stop": "end session",
    "how long": "say time left",
    "repeat": "repeat step",
    "next": "next step",
    "back": "previous step",
    "skip": "next exercise",
}

# (command, mode) -> action. A pair that is not here is a command with nothing to do in that mode ("resume" while
# running, "pause" while paused): the coach logs it and does nothing.
TRANSITIONS: Mapping[tuple[str, Mode], Action] = {
    **{(command, mode): action for command, action in _EVERY_MODE.items() for mode in SESSION_MODES},
    ("start", "idle"): "start session",
    ("start", "running"): "switch session",
    ("start", "paused"): "switch session",
    ("stop", "idle"): "hush",
    ("repeat", "idle"): "say last",
    **{(command, "idle"): "say nothing running" for command in ("next", "back", "skip", "how long", "pause", "resume")},
    **{(command, mode): action for command, action in _IN_SESSION.items() for mode in ("running", "paused")},
    ("pause", "running"): "pause",
    ("resume", "paused"): "resume",
    ("not now", "idle"): "snooze reminder",  # heard only in the "reminded" state, which is idle just after a reminder
    # While asking only these few are listened for (grammar/commands.toml `listen`), so a number is heard as no
    # other command.
    ("score", "asking"): "take score",
    ("skip", "asking"): "skip question",
    ("stop", "asking"): "stop asking",
    ("repeat", "asking"): "ask again",
    ("help", "asking"): "say answers",
    ("it hurts", "asking"): "stop for pain",
}

HANDLED = frozenset(command for command, _ in TRANSITIONS)

ASKED_BACK: frozenset[Action] = frozenset({
    "stop for pain", "start session", "switch session", "go faster", "go slower", "resume", "repeat step",
    "next step", "previous step", "next exercise"})
"""The actions that change the session, which a command heard unsure (Heard.sure) asks back before it takes. Never
those that halt or answer: stopping, pausing and help are safe however they were heard. For pain the coach holds
first and asks after: the person is out of the movement whether or not they said it."""


def asks_back(command: str, mode: Mode) -> bool:
    """Whether `command`, heard unsure in `mode`, is asked back before it is done (Heard.sure). Not while asking:
    only the check-in's answers are heard then."""
    return mode in SESSION_MODES and TRANSITIONS.get((command, mode)) in ASKED_BACK


def check_commands(file: Path, commands: Sequence[str]) -> None:
    """Raise ContentError unless the grammar's `commands` are exactly those the table handles.

    A command the coach does not handle would be heard and then do nothing; one the grammar lacks could never be said.
    """
    for index, command in enumerate(commands):
        if command not in HANDLED:
            raise ContentError(file, f"command '{command}' has no handler in the coach (it handles: "
                               f"{', '.join(sorted(HANDLED))})", field=f"command[{index + 1}].name")
    for command in sorted(HANDLED - set(commands)):
        raise ContentError(file, f"the coach handles command '{command}' but no [[command]] names it: "
                           "add it back with its phrases")
