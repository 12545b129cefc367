"""The dialog engine: a sans-I/O state machine, events and `now` in, effects out."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal, assert_never

from voicecoach.core.content import Content, SessionText, fill
from voicecoach.core.events import (
    Alert,
    AskedBack,
    Command,
    Effect,
    Event,
    PainRated,
    ReminderDue,
    Say,
    SessionEnded,
    Snoozed,
    StopSpeaking,
    UtteranceFinished,
    UtteranceKind,
)
from voicecoach.core.grammar import Grammar
from voicecoach.core.plan import PlanStep, build_plan, exercise_names
from voicecoach.core.progression import ExerciseLoad, change_sentence, loads_for
from voicecoach.core.spoken import duration_words, number_words, spoken_list
from voicecoach.core.tempo import DEFAULT_PACE, PACE_RANGE, RATE_RANGE, stepped_pace, stepped_rate
from voicecoach.core.tempo import DEFAULT_RATE as DEFAULT_RATE  # re-exported: callers set rates next to the coach
from voicecoach.core.transitions import TRANSITIONS, ListenState, Mode, asks_back

# Theory of operation
# -------------------
# A session is a flat plan of steps (plan.py). The coach walks it with one
# `_Wait`: what it waits for (an utterance to finish, or a deadline) and what
# to do then (`action`). Every step runs the same chain of actions:
#
#   say text, a sentence an utterance -> "spoken" -> wait `seconds` -> "moved" -> [say hold text ->
#   "hold_said" -> counts at origin+0, +1, ... (absolute deadlines, so speech
#   never makes a count drift) -> "Relax." -> "relaxed" -> wait `rest`] ->
#   "rested" -> next step
#
# Pausing keeps that `_Wait` with the time it was taken. If the person was in
# (or moving into) a step's position, from its instruction to the end of its
# count, pause, stop and pain say the step's way out at once, and resume says
# its cue back in and starts the step again from "spoken": time to move, then a
# hold from its top. Elsewhere resuming puts the `_Wait` back with every
# deadline shifted by the time spent paused. An answer to a question (help,
# how long, ...) is a pause that resumes by itself when the answer has been
# spoken. An utterance that a pause cut short is spoken again on resume: of a
# step's text, from the sentence it cut (the sentences before it had finished).
# Help names the few commands that matter now and offers "more": until the coach
# says anything else, "more" is listened for too (`listening`), and a running
# session waits MORE_WINDOW_S after the offer before it goes on.
#
# What a command does in each mode is one table (transitions.py), checked
# against the grammar when it loads; a command with no entry for the mode is
# logged and does nothing. Every sentence the coach says is content.
#
# When a reminder is due the runtime sends ReminderDue (it decides when, with
# core/reminders.py on the wall clock); an idle coach says it, and for
# REMINDED_LISTEN_S after it has been said listens in the "reminded" state:
# idle's commands and "not now", which answers Snoozed for the runtime.
#
# The pain check-in is the mode "asking", in which only its answers are
# listened for: "start" asks before the plan begins, and the plan's end asks
# again before the session closes ("asked" -> "unanswered": a deadline, then
# the session goes on without an answer). Each score comes out as PainRated,
# for the journal. A high score before ends the session unstarted; "start"
# again within the content's carry_seconds starts it without asking. Each
# exercise's load (progression.py) is the runtime's to give (`use_loads`): the
# coach only builds the plan with it and says what changed since last time.
#
# A command heard unsure (Heard.sure: a vote of the person's takes that stood far
# from them) that would change the session (transitions.ASKED_BACK) is asked back
# rather than done: "Tell me again?", an answer, after which a running session
# waits MORE_WINDOW_S as after help's offer. The same command said again within
# ASKED_WINDOW_S of the question, sure or not, is done. Pain is the exception in
# a running session: it pauses first, with the way out, and asks after; "resume"
# goes on. Not while asking: only the check-in's few answers are heard then.

log = logging.getLogger(__name__)

EndReason = Literal["finished", "stopped", "pain"]
REMINDED_LISTEN_S = 60.0
"""How long after a reminder has been said "not now" is listened for."""
ASKED_WINDOW_S = 8.0
"""How long after the coach asked back (Heard.sure) the same command, said again, is done."""


@dataclass(frozen=True)
class _Wait:
    action: str  # spoken | moved | hold_said | count | relaxed | rested | answered | offered | asked | unanswered
    #              | closed
    index: int = 0  # the plan step
    utterance: int | None = None  # waiting for this utterance to finish ...
    deadline: float | None = None  # ... or for this moment
    origin: float = 0.0  # when the hold's counting began
    count: int = 0  # seconds of the hold already counted
    reason: EndReason = "finished"  # for "closed": why the session ended
    said: int = 0  # for "spoken": the sentences of the step's text already said in full
    first: int = 0  # for "spoken": the utterance id its first sentence has (or would have had)


# Seconds a running session waits, after help offered "more", for the person to say it (scaled by the pace).
MORE_WINDOW_S = 4.0

# The actions during which the person is moving into, or is in, the position of the step: from its instruction to
# the end of its count. From "Relax." on, they are leaving it.
_IN_POSITION = ("spoken", "moved", "hold_said", "count")


@dataclass(frozen=True)
class _Reminder:
    utterance: int  # the reminder said: the "reminded" state lasts until REMINDED_LISTEN_S after it ends
    until: float | None = None


@dataclass(frozen=True)
class _Unsure:
    canonical: str  # the command asked back
    utterance: int  # the question: the window to say it again runs from when it has been said
    until: float | None = None


@dataclass(frozen=True)
class _Suspended:
    wait: _Wait | None
    since: float


def resume_cue(session: SessionText, step: PlanStep) -> str:
    """What resume says in a position: carrying on, and the short cue back into it."""
    return f"{session.resumed} {step.way_back}"


class Coach:
    """Guides a person through a plan of exercises; pure: no threads, no audio, no clock."""

    def __init__(self, content: Content, grammar: Grammar, *, rate: int = DEFAULT_RATE, pace: float = DEFAULT_PACE):
        if not RATE_RANGE[0] <= rate <= RATE_RANGE[1]:
            raise ValueError(f"rate {rate} is outside {RATE_RANGE[0]} to {RATE_RANGE[1]} words per minute")
        if not PACE_RANGE[0] <= pace <= PACE_RANGE[1]:
            raise ValueError(f"pace {pace} is outside {PACE_RANGE[0]:g} to {PACE_RANGE[1]:g}")
        self.content = content
        self.grammar = grammar
        self.rate = rate
        self.pace = pace
        self.mode: Mode = "idle"
        self.plan: list[PlanStep] = []
        self.index = 0
        self._wait: _Wait | None = None
        self._suspended: _Suspended | None = None  # set while paused or answering
        self._reminder: _Reminder | None = None  # set while a reminder is said and just after
        self._next_id = 0
        self._last_text = content.session.ready
        self._more = ""  # the rest of help, while "more" may be said for it
        self._reached: set[str] = set()  # the exercises of the plan whose last step was begun: done, not skipped
        self.loads: Mapping[str, ExerciseLoad] = {}
        self._asking: Literal["before", "after"] = "before"  # which check-in, while mode is "asking"
        self._target = ""  # what the session started, as said
        self._pain_before: int | None = None  # this session's score before the exercises
        self._carried: tuple[int, float] | None = None  # a high score before, and when: "start" again goes on
        self._unsure: _Unsure | None = None  # the command heard unsure and asked back, while it may be said again

    # --- the interface --------------------------------------------------

    def start(self, now: float) -> list[Effect]:
        """Say that the coach is ready to listen."""
        return [self._say(self.content.session.ready, "info")]

    def handle(self, event: Event, now: float) -> list[Effect]:
        """Take one event at time `now`; return what to do about it."""
        if isinstance(event, UtteranceFinished):
            reminder = self._reminder
            if reminder is not None and reminder.utterance == event.utterance_id:
                self._reminder = replace(reminder, until=now + REMINDED_LISTEN_S)
            unsure = self._unsure
            if unsure is not None and unsure.utterance == event.utterance_id:
                self._unsure = replace(unsure, until=now + ASKED_WINDOW_S * self.pace)
            wait = self._wait
            if wait is not None and wait.utterance == event.utterance_id:
                self._wait = None
                return self._act(wait, now)
            if wait is not None and wait.action == "spoken" and wait.utterance is not None and \
                    wait.first <= event.utterance_id < wait.utterance:
                # A sentence of the step finished before any interruption: a resume starts after it.
                self._wait = replace(wait, said=max(wait.said, event.utterance_id - wait.first + 1))
            return []
        if isinstance(event, Alert):
            text = self.content.session
            lost = event.kind == "microphone lost"
            said = text.filled("microphone_lost", self._way_out()) if lost else text.microphone_back
            if self.mode == "running":
                # Keep the session where it was: the person resumes it once the trouble is over.
                return self._pause(now, said)
            return [self._say(said, "info")]
        if isinstance(event, ReminderDue):
            return self._remind()
        return self._command(event.command, now, event.sure)

    @property
    def listening(self) -> str:
        """What the recognizer listens for now (Grammar.phrases_heard): the mode, or "reminded"; and "... after
        help" while "more" may be said (grammar/commands.toml `listen`, `after`)."""
        state: ListenState = "reminded" if self._reminder is not None and self.mode == "idle" else self.mode
        return f"{state} after help" if self._more else state

    @property
    def asked_back(self) -> str | None:
        """The command last asked back (Heard.sure), until a command is done: the person may say it again."""
        return None if self._unsure is None else self._unsure.canonical

    def next_deadline(self) -> float | None:
        """When on_timer should next be called, or None when nothing is timed."""
        deadlines = [self._wait.deadline if self._wait else None, self._reminder.until if self._reminder else None]
        return min((d for d in deadlines if d is not None), default=None)

    def on_timer(self, now: float) -> list[Effect]:
        """Run whatever has fallen due by `now`."""
        if self._reminder is not None and self._reminder.until is not None and self._reminder.until <= now:
            self._reminder = None  # "not now" is no longer listened for
        effects: list[Effect] = []
        while self._wait is not None and self._wait.deadline is not None and self._wait.deadline <= now:
            wait, self._wait = self._wait, None
            effects += self._act(wait, now)
        return effects

    def use_loads(self, loads: Mapping[str, ExerciseLoad]) -> None:
        """Each exercise's load from now on (the journal's, by the runtime); an exercise not in it starts low."""
        self.loads = dict(loads)

    def remaining_seconds(self) -> float:
        """An estimate of the time left in the session, from the current step on."""
        if self.mode == "idle":
            return 0.0
        return sum(step.estimate(self.rate, self.pace) for step in self.plan[self.index:])

    # --- commands --------------------------------------------------------

    def _command(self, command: Command, now: float, sure: bool = True) -> list[Effect]:
        name = command.name
        if not self.grammar.listens(name, self.listening):
            # Not listened for now (grammar/commands.toml `listen`, `after`): the recognizer does not hear it now,
            # and typed or late it must not act either (a "start" heard just as a session began).
            log.info("command '%s' is not listened for in mode %s: ignored", command.canonical, self.listening)
            return []
        action = TRANSITIONS.get((name, self.mode))
        if action is None:
            log.info("command '%s' has nothing to do in mode %s: ignored", command.canonical, self.mode)
            return []
        if not sure and asks_back(name, self.mode) and not self._said_again(command, now):
            return self._ask_back(command, action, now)
        self._unsure = None
        text = self.content.session
        match action:
            case "stop for pain":
                return self._end(text.filled("pain", self._way_out()), "pain")
            case "start session" | "switch session":
                assert command.target is not None  # the grammar gives every "start" a target
                return self._start_session(command.target, now)
            case "go faster":
                return self._change_tempo(+1, now)
            case "go slower":
                return self._change_tempo(-1, now)
            case "say commands":
                first, rest = self._help()
                said = text.filled("help", spoken_list(first, "or"))
                effects = self._answer(f"{said} {text.more_offer}" if rest else said, now)
                self._more = spoken_list(rest, "or")  # after _answer's _say, which ends any offer before
                return effects
            case "say more commands":
                return self._answer(text.filled("help_rest", self._more), now)
            case "say exercises":
                return self._answer(text.filled("exercises", spoken_list(self._exercise_names(), "and")), now)
            case "hush":
                return [StopSpeaking()]
            case "say last":
                return self._answer(self._last_text, now)
            case "say nothing running":
                return self._answer(f"{text.nothing_running} {text.ready}", now)
            case "end session":
                return self._end(text.filled("stopped", self._way_out()), "stopped")
            case "say time left":
                return self._answer(text.filled("time_left", duration_words(self.remaining_seconds())), now)
            case "pause":
                return self._pause(now, text.filled("paused", self._way_out()))
            case "resume":
                return self._resume(now)
            case "repeat step":
                return self._go_to(self.index)
            case "next step":
                return self._go_to(self.index + 1)
            case "previous step":
                return self._go_to(max(self.index - 1, 0))
            case "next exercise":
                return self._go_to(self._next_exercise_index())
            case "snooze reminder":
                self._reminder = None
                return [self._say(text.snoozed, "info"), Snoozed()]
            case "take score":
                return self._answered(command.number, now)
            case "skip question":
                return self._answered(None, now)
            case "stop asking":
                if self._asking == "after":
                    return self._end(self._finished_text(), "finished")
                return self._end(text.filled("stopped", ""), "stopped")
            case "ask again":
                return [StopSpeaking(), *self._ask()]
            case "say answers":
                first, rest = self.grammar.help_for(self.mode)
                said = text.filled("help", ", ".join([*first, *rest]))
                return [StopSpeaking(), self._say(said, "info"), *self._ask()]
        assert_never(action)

    def _still_asked(self, now: float) -> _Unsure | None:
        """The command asked back, while it may still be said again (from the question until ASKED_WINDOW_S after)."""
        unsure = self._unsure
        return unsure if unsure is not None and (unsure.until is None or now <= unsure.until) else None

    def _said_again(self, command: Command, now: float) -> bool:
        """Whether `command` is the one just asked back, said again in time."""
        asked = self._still_asked(now)
        return asked is not None and asked.canonical == command.canonical

    def _ask_back(self, command: Command, action: str, now: float) -> list[Effect]:
        """Ask for `command` again rather than do it; pain in a running session holds first."""
        text = self.content.session
        if action == "stop for pain" and self.mode == "running":
            effects = self._pause(now, text.filled("pain_asked", self._way_out()))
        else:
            effects = self._answer(text.asked_back, now)
        question = next(e for e in reversed(effects) if isinstance(e, Say))
        self._unsure = _Unsure(command.canonical, question.utterance_id)
        log.info("command '%s' heard unsure in mode %s: asked back", command.canonical, self.mode)
        return [*effects, AskedBack(command)]

    def _help(self) -> tuple[list[str], list[str]]:
        """What help names first now, and the rest: the mode's commands, and after a reminder the answers to it too
        (first)."""
        first, rest = self.grammar.help_for(self.mode)
        listening = self.listening.partition(" after ")[0]
        extra = [h for h in self.grammar.help_for(listening)[0] if h not in first and h not in rest]
        return [*first, *extra], rest

    def _remind(self) -> list[Effect]:
        """Say the reminder, if nothing runs; then listen for "not now" a while."""
        if self.mode != "idle":
            return []
        said = self._say(self.content.session.reminder, "info")
        self._reminder = _Reminder(said.utterance_id)
        return [said]

    def _exercise_names(self) -> list[str]:
        """Every exercise, those of the routine "start routine" begins first and in its order."""
        routine = self.content.routines[self.content.start_routine].exercises
        return [*routine, *(name for name in self.content.exercises if name not in routine)]

    def _start_session(self, target: str, now: float) -> list[Effect]:
        """Begin `target`, named at once, with the check-in first; within a session, after the way out of the
        position held."""
        way_out = self._way_out()
        switching = self.mode != "idle"
        said_target, target = target, self._chosen(target)
        self.plan = build_plan(self.content, target, opening=not switching, loads=loads_for(self.content, self.loads))
        self._reached = set()
        self._suspended = None
        self._reminder = None
        if switching:
            # The way out first: the person leaves the position while the introduction (which names it) is said.
            self.mode = "running"
            # The journal records the switch as a session of its own: it has the same score before.
            rated: list[Effect] = [PainRated("before", self._pain_before)] if self._pain_before is not None else []
            return [StopSpeaking(), *rated, *([self._say(way_out, "instruction")] if way_out else []), *self._begin(0)]
        self._target, self._pain_before, self.index = said_target, None, 0
        starting: list[Effect] = [StopSpeaking(), self._say(self.content.session.filled("starting", target), "info")]
        carried, self._carried = self._carried, None
        if carried is not None and now - carried[1] <= self.content.checkin.carry_seconds:
            # Told of high pain a moment ago, the person chose to go on: not asked again.
            self._pain_before = carried[0]
            return [*starting, PainRated("before", carried[0]), *self._go_on(target)]
        self.mode, self._asking = "asking", "before"
        return [*starting, *self._ask()]

    def _chosen(self, target: str) -> str:
        """"start routine" (any name of session.toml's default routine) begins the routine the settings chose."""
        return self.content.start_routine if target == self.content.session.default_routine else target

    def _ask(self) -> list[Effect]:
        """The check-in's question; its time to answer runs from when it has been said."""
        checkin = self.content.checkin
        said = self._say(checkin.question if self._asking == "before" else checkin.question_after, "info")
        self._wait = _Wait("asked", utterance=said.utterance_id)
        return [said]

    def _answered(self, score: int | None, now: float) -> list[Effect]:
        """The check-in's answer: a score, or None for "skip" and for no answer in time."""
        checkin = self.content.checkin
        ack = checkin.skipped if score is None else fill(checkin.heard, score=number_words(score))
        rated: list[Effect] = [] if score is None else [PainRated(self._asking, score)]
        if self._asking == "after":
            before = self._pain_before
            if score is not None and before is not None and score - before >= checkin.pain_rise:
                advice = fill(checkin.rise_advice, before=number_words(before), after=number_words(score))
                return [*rated, *self._end(f"{ack} {advice}", "finished")]
            return [*rated, *self._end(f"{ack} {self._finished_text()}", "finished")]
        self._pain_before = score
        if score is not None and score >= checkin.high_pain:
            self._carried = (score, now)
            return [*rated, *self._end(f"{ack} {fill(checkin.high_pain_advice, name=self._target)}", "pain")]
        return [StopSpeaking(), *rated, self._say(ack, "info"), *self._go_on(self._target)]

    def _go_on(self, target: str) -> list[Effect]:
        """Into the plan, after saying which exercises do more or less than last time."""
        self.mode = "running"
        names = dict.fromkeys(exercise_names(self.content, self._chosen(target)))
        changes = [change_sentence(self.content, name, self.loads[name]) for name in names if name in self.loads]
        return [*(self._say(change, "info") for change in changes if change), *self._begin(0)]

    def _ask_after(self) -> list[Effect]:
        """The plan is done: the check-in's question again, before the session closes."""
        self.mode, self._asking, self.index = "asking", "after", len(self.plan)
        self._suspended = None
        return [StopSpeaking(), *self._ask()]

    def _pause(self, now: float, text: str) -> list[Effect]:
        if self._suspended is None:
            self._suspended = _Suspended(self._wait, now)
        self.mode = "paused"
        self._wait = None
        return [StopSpeaking(), self._say(text, "info")]

    def _resume(self, now: float) -> list[Effect]:
        self.mode = "running"
        held = self._held()
        if held is not None:
            # Back into the position with a short cue, the time to move, then the step again: a hold from the top.
            self._suspended = None
            said = self._say(resume_cue(self.content.session, self.plan[held]), "instruction")
            self._wait = _Wait("spoken", held, utterance=said.utterance_id, first=said.utterance_id)
            return [StopSpeaking(), said]
        said = self._say(self.content.session.resumed, "info")
        self._wait = _Wait("answered", utterance=said.utterance_id)
        return [StopSpeaking(), said]

    def _held(self) -> int | None:
        """The plan step whose position the person is in (or moving into), if it is one to leave safely."""
        wait = self._suspended.wait if self._suspended is not None else self._wait
        if wait is None or wait.action not in _IN_POSITION or not self.plan[wait.index].way_out:
            return None
        return wait.index

    def _way_out(self) -> str:
        """How to leave the position held now, or "" if none is."""
        held = self._held()
        return "" if held is None else self.plan[held].way_out

    def _answer(self, text: str, now: float) -> list[Effect]:
        """Speak an answer, holding the session (a count included) until it has been said."""
        if self.mode == "idle":
            # Queue it: never cut what is being said then, the safety advice above all.
            return [self._say(text, "info")]
        if self.mode == "running" and self._suspended is None:
            self._suspended = _Suspended(self._wait, now)
        said = self._say(text, "info")
        self._wait = _Wait("answered", utterance=said.utterance_id)
        return [StopSpeaking(), said]

    def _change_tempo(self, direction: int, now: float) -> list[Effect]:
        """"faster" (+1): a quicker voice and less time to move; "slower" (-1): the reverse. Never the opposite."""
        rate, pace = stepped_rate(self.rate, direction), stepped_pace(self.pace, direction)
        text = self.content.session
        if (rate, pace) == (self.rate, self.pace):
            said = text.fastest if direction > 0 else text.slowest
        else:
            self.rate, self.pace = rate, pace
            said = text.faster if direction > 0 else text.slower
        return self._answer(said, now)

    def _go_to(self, index: int) -> list[Effect]:
        self.mode = "running"
        self._suspended = None
        if index >= len(self.plan):
            return self._ask_after()
        return [StopSpeaking(), *self._begin(index)]

    def _finished_text(self) -> str:
        """The ending, saying truly what was done: "Well done." only when no exercise was skipped."""
        text = self.content.session
        exercises = list(dict.fromkeys(step.exercise for step in self.plan if step.exercise is not None))
        done = [name for name in exercises if name in self._reached]
        if done == exercises:
            return text.finished
        return text.filled("finished_partly", spoken_list(done, "and")) if done else text.finished_none

    def _next_exercise_index(self) -> int:
        current = self.plan[self.index].exercise
        for index in range(self.index + 1, len(self.plan)):
            if self.plan[index].exercise != current:
                return index
        return len(self.plan)

    def _end(self, text: str, reason: EndReason) -> list[Effect]:
        self.mode = "idle"
        self._suspended = None
        said = self._say(text, "info")
        self._last_text = text  # "repeat" now says this again (the pain advice above all), not the last step
        self._wait = _Wait("closed", utterance=said.utterance_id, reason=reason)
        return [StopSpeaking(), said]

    # --- walking the plan ------------------------------------------------

    def _begin(self, index: int, sentence: int = 0) -> list[Effect]:
        """Say step `index`, a sentence an utterance, from its sentence `sentence` on (where an interruption cut)."""
        self.index = index
        step = self.plan[index]
        last = index + 1 == len(self.plan) or self.plan[index + 1].exercise != step.exercise
        if step.exercise is not None and last:
            self._reached.add(step.exercise)  # its last step: it was done, not skipped
        sentence = sentence if sentence < len(step.sentences) else 0
        said = [self._say(text, "instruction") for text in step.sentences[sentence:]]
        self._last_text = step.text
        first = said[0].utterance_id - sentence
        self._wait = _Wait("spoken", index, utterance=said[-1].utterance_id, said=sentence, first=first)
        return list(said)

    def _act(self, wait: _Wait, now: float) -> list[Effect]:
        """Do what `wait` was waiting to do, now that its utterance ended or its deadline came."""
        step = self.plan[wait.index] if self.plan else None
        match wait.action:
            case "spoken":
                assert step is not None
                self._wait = _Wait("moved", wait.index, deadline=now + step.seconds * self.pace)
                return self.on_timer(now)
            case "moved":
                assert step is not None
                if not step.hold:
                    return self._go_to(wait.index + 1)
                said = self._say(step.hold_text, "instruction")
                self._wait = _Wait("hold_said", wait.index, utterance=said.utterance_id)
                return [said]
            case "hold_said":
                self._wait = _Wait("count", wait.index, deadline=now, origin=now)
                return self.on_timer(now)
            case "count":
                return self._count(wait, now)
            case "relaxed":
                assert step is not None
                self._wait = _Wait("rested", wait.index, deadline=now + step.rest * self.pace)
                return self.on_timer(now)
            case "rested":
                return self._go_to(wait.index + 1)
            case "answered":
                if (self._more or self._still_asked(now) is not None) and self.mode == "running":
                    # Time to say "more", or the command asked back, before the session goes on.
                    self._wait = _Wait("offered", deadline=now + MORE_WINDOW_S * self.pace)
                    return self.on_timer(now)
                return self._restore(now)
            case "offered":
                self._more = ""
                return self._restore(now)
            case "asked":
                self._wait = _Wait("unanswered", deadline=now + self.content.checkin.answer_seconds)
                return self.on_timer(now)
            case "unanswered":
                return self._answered(None, now)
            case "closed":
                return [SessionEnded(wait.reason)]
        raise AssertionError(f"unknown action {wait.action!r}")

    def _count(self, wait: _Wait, now: float) -> list[Effect]:
        hold = self.plan[wait.index].hold or 0
        # If the loop woke late, skip the counts whose moment has passed
        # rather than saying several at once.
        count = max(wait.count, min(hold, math.floor(now - wait.origin)))
        if count >= hold:
            said = self._say(self.plan[wait.index].release, "count")
            self._wait = _Wait("relaxed", wait.index, utterance=said.utterance_id)
            return [said]
        said = self._say(number_words(hold - count).capitalize() + ".", "count")
        self._wait = replace(wait, deadline=wait.origin + count + 1, count=count + 1)
        return [said]

    def _restore(self, now: float) -> list[Effect]:
        """Carry on from where a pause or an answer suspended the session."""
        if self.mode != "running" or self._suspended is None:
            return []  # still paused (an answer given while paused) or nothing to resume
        suspended, self._suspended = self._suspended, None
        if suspended.wait is None:
            return []
        wait = suspended.wait
        if wait.utterance is not None:
            # The utterance was cut short: say it again rather than skip it.
            if wait.action == "hold_said":
                said = self._say(self.plan[wait.index].hold_text, "instruction")
                self._wait = replace(wait, utterance=said.utterance_id)
                return [said]
            if wait.action == "relaxed":
                return self._act(wait, now)
            return self._begin(wait.index, wait.said if wait.action == "spoken" else 0)
        shift = now - suspended.since
        assert wait.deadline is not None
        self._wait = replace(wait, deadline=wait.deadline + shift, origin=wait.origin + shift)
        return self.on_timer(now)

    def _say(self, text: str, kind: UtteranceKind) -> Say:
        self._more = ""  # "more" follows help at once, or not at all
        self._next_id += 1
        if kind == "instruction":
            self._last_text = text
        return Say(self._next_id, text, self.rate, kind)
