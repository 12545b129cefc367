"""Every utterance the coach can produce from its content: what self-hearing tests feed back to the recognizer."""

from __future__ import annotations

from itertools import product

from voicecoach.core.coach import MAX_RATE, MIN_RATE, Coach
from voicecoach.core.content import Content
from voicecoach.core.events import Command, Heard, Say
from voicecoach.core.grammar import Grammar
from voicecoach.core.plan import RELAX, build_plan
from voicecoach.core.spoken import duration_words, number_words
from voicecoach.runtime.live import LOST_MICROPHONE, MICROPHONE_BACK


def every_utterance(content: Content, grammar: Grammar) -> list[str]:
    """Each distinct text the coach may say, in a stable order."""
    texts: list[str] = [content.session.ready, content.session.pain, content.session.stopped,
                        content.session.finished, RELAX, LOST_MICROPHONE, MICROPHONE_BACK]
    for target in (*content.exercises, *content.routines):
        for step in build_plan(content, target):
            texts += [step.text, step.hold_text]
            if step.hold:
                texts += [number_words(n).capitalize() + "." for n in range(1, step.hold + 1)]
    texts += [f"{duration_words(seconds).capitalize()} left." for seconds in range(0, 3600, 5)]
    texts += _answers(content, grammar)
    return list(dict.fromkeys(t for t in texts if t))


def _answers(content: Content, grammar: Grammar) -> list[str]:
    """What the coach answers to each command, in each state, asked of a real Coach."""
    said: list[str] = []
    for state, rate, phrase in product(("idle", "running", "paused"), (MIN_RATE, MAX_RATE), grammar.phrases()):
        coach = Coach(content, grammar, rate=rate)
        if state != "idle":
            coach.handle(Heard(Command("start", "bridge")), 0.0)
        if state == "paused":
            said += [e.text for e in coach.handle(Heard(Command("pause")), 1.0) if isinstance(e, Say)]
        command = grammar.match(phrase)
        assert command is not None
        said += [e.text for e in coach.handle(Heard(command), 2.0) if isinstance(e, Say)]
    return said
