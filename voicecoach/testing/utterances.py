"""Every utterance the coach can produce from its content: what self-hearing tests feed back to the recognizer."""

from __future__ import annotations

from itertools import pairwise, product
from typing import get_args

from voicecoach.core.coach import Coach, resume_cue
from voicecoach.core.content import Content
from voicecoach.core.events import Alert, AlertKind, Command, Event, Heard, ReminderDue, Say
from voicecoach.core.grammar import Grammar
from voicecoach.core.plan import RELAX, build_plan
from voicecoach.core.progression import ExerciseLoad, change_sentence, ladder
from voicecoach.core.spoken import duration_words, number_words
from voicecoach.core.tempo import PACE_RANGE, RATE_RANGE
from voicecoach.core.transitions import MODES, Mode
from voicecoach.testing.checkin import start_skipping_checkin


def every_utterance(content: Content, grammar: Grammar) -> list[str]:
    """Each distinct text the coach may say, in a stable order."""
    return list(dict.fromkeys(text for _, text in _utterances(content, grammar)))


def utterances_by_kind(content: Content, grammar: Grammar) -> dict[str, list[str]]:
    """every_utterance() by kind (session, alert, reminder, introduction, step, hold, count, time left, answer,
    check-in), each in its order."""
    kinds: dict[str, list[str]] = {}
    for kind, text in _utterances(content, grammar):
        kinds.setdefault(kind, []).append(text)
    return {kind: list(dict.fromkeys(texts)) for kind, texts in kinds.items()}


def _utterances(content: Content, grammar: Grammar) -> list[tuple[str, str]]:
    """(kind, text) of everything the coach may say, repeats included."""
    session = content.session
    plans = [build_plan(content, target) for target in (*content.exercises, *content.routines)]
    ways_out = ["", *dict.fromkeys(step.way_out for plan in plans for step in plan if step.way_out)]
    said = [("session", t) for t in (session.ready, *(session.filled(key, way_out) for key in ("pain", "stopped")
                                                     for way_out in ways_out), session.finished, RELAX)]
    said += [("alert", t) for kind in get_args(AlertKind) for t in _said(Coach(content, grammar), Alert(kind))]
    said += [("alert", session.filled("microphone_lost", way_out)) for way_out in ways_out]
    # A reminder, help just after it (which names "not now"), and the answer to "not now".
    reminded = Coach(content, grammar)
    said += [("reminder", t) for t in _said(reminded, ReminderDue())]
    said += [("reminder", t) for t in _said(reminded, Heard(Command("help")))]
    said += [("reminder", t) for t in _said(reminded, Heard(Command("not now")))]
    said += [("answer", session.filled(key, way_out)) for key in ("paused", "pain_asked") for way_out in ways_out]
    said += [("answer", session.asked_back)]  # a command heard unsure, else done as if sure
    said += [("step", way_out) for way_out in ways_out]  # alone, when "start NAME" switches exercise
    said += [("session", session.filled("starting", target)) for target in (*content.exercises, *content.routines)]
    for plan in plans:
        exercise: str | None = None
        for step in plan:
            kind = "session" if step.exercise is None else "introduction" if step.exercise != exercise else "step"
            exercise = step.exercise
            said += [*((kind, sentence) for sentence in step.sentences), ("hold", step.hold_text)]
            said += [("step", resume_cue(session, step) if step.way_back else "")]
            if step.hold:
                said += [("count", number_words(n).capitalize() + ".") for n in range(1, step.hold + 1)]
                said += [("session", step.release)]
    said += [("time left", session.filled("time_left", duration_words(s))) for s in range(0, 3600, 5)]
    said += [("answer", t) for t in _answers(content, grammar)]
    said += [("check-in", t) for t in _checkin(content, grammar)]
    return [(kind, text) for kind, text in said if text]


def _checkin(content: Content, grammar: Grammar) -> list[str]:
    """What the coach says around the pain check-in: its questions, each answer before and after, and each change of
    load it may announce; asked of a real Coach."""
    scores = sorted({c.number for c in grammar.table.values() if c.number is not None})
    said: list[str] = []
    for before, after in product([None, *scores], [None, *scores]):
        coach = Coach(content, grammar)
        said += _said(coach, Heard(Command("start", "bridge")))[-1:]  # the question
        said += _said(coach, Heard(Command("skip") if before is None else Command("score", number=before)))[:1]
        while coach.mode == "running":
            asked = _said(coach, Heard(Command("next")))
        if coach.mode == "asking":
            said += asked
            said += _said(coach, Heard(Command("skip") if after is None else Command("score", number=after)))
    for target in (*content.exercises, *content.routines):  # the high-pain advice names what was started
        coach = Coach(content, grammar)
        coach.handle(Heard(Command("start", target)), 0.0)
        said += _said(coach, Heard(Command("score", number=scores[-1])))
    step = content.progression.hold_step
    for name, exercise in content.exercises.items():
        rungs = ladder(exercise, step)
        for low, high in pairwise(rungs):
            said += [change_sentence(content, name, ExerciseLoad(high, low)) or "",
                     change_sentence(content, name, ExerciseLoad(low, high)) or ""]
    return said


def _answers(content: Content, grammar: Grammar) -> list[str]:
    """What the coach answers to each command and alert, in each mode, asked of a real Coach."""
    said: list[str] = []
    # At the slowest and at the fastest, where "slower" and "faster" answer that they cannot.
    extremes = ((RATE_RANGE[0], PACE_RANGE[1]), (RATE_RANGE[1], PACE_RANGE[0]))
    for mode, (rate, pace), phrase in product(MODES, extremes, grammar.phrases()):
        coach = Coach(content, grammar, rate=rate, pace=pace)
        said += _into(coach, mode)
        command = grammar.match(phrase)
        assert command is not None
        said += _said(coach, Heard(command))
    for mode in MODES:  # "more" is heard only right after help
        coach = Coach(content, grammar)
        said += _into(coach, mode) + _said(coach, Heard(Command("help"))) + _said(coach, Heard(Command("more")))
    for mode, kind in product(MODES, get_args(AlertKind)):
        coach = Coach(content, grammar)
        said += _into(coach, mode) + _said(coach, Alert(kind))
    return said


def _into(coach: Coach, mode: Mode) -> list[str]:
    """Bring a new coach into `mode`; what it said on the way."""
    said = []
    if mode == "asking":
        coach.handle(Heard(Command("start", "bridge")), 0.0)
    elif mode != "idle":
        start_skipping_checkin(coach, "bridge", 0.0)
    if mode == "paused":
        said += _said(coach, Heard(Command("pause")))
    return said


def _said(coach: Coach, event: Event) -> list[str]:
    return [e.text for e in coach.handle(event, 2.0) if isinstance(e, Say)]
