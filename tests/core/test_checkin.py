"""The pain check-in through the coach's own interface: the question, its answers, its deadline, and the advice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from voicecoach.core.coach import Coach
from voicecoach.core.content import Content
from voicecoach.core.events import Command, Effect, Heard, PainRated, Say, SessionEnded, UtteranceFinished
from voicecoach.core.grammar import Grammar
from voicecoach.core.spoken import sentences


def says(effects: list[Effect]) -> list[str]:
    return [e.text for e in effects if isinstance(e, Say)]


def asked(content: Content, grammar: Grammar, target: str = "bridge") -> tuple[Coach, float]:
    """A coach that has said its question at the start of `target`; the moment the question ended."""
    coach = Coach(content, grammar)
    effects = coach.handle(Heard(Command("start", target)), 0.0)
    assert says(effects)[-1] == content.checkin.question and coach.mode == "asking"
    question = [e for e in effects if isinstance(e, Say)][-1]
    coach.handle(UtteranceFinished(question.utterance_id), 3.0)
    return coach, 3.0


def score(grammar: Grammar, number: int) -> Heard:
    command = next(c for c in grammar.table.values() if c.number == number)
    return Heard(command)


def to_the_end(coach: Coach, now: float) -> tuple[list[Effect], float]:
    """Run the plan to its end, every utterance finishing at once; the effects of the last step."""
    effects = coach.handle(Heard(Command("next")), now)
    while coach.mode == "running":
        effects = coach.handle(Heard(Command("next")), now)
    return effects, now


def test_start_asks_before_the_exercises(content: Content, grammar: Grammar) -> None:
    coach, _ = asked(content, grammar)
    assert coach.plan and coach.index == 0 and coach.next_deadline() == 3.0 + content.checkin.answer_seconds


def test_a_number_is_said_back_kept_and_the_session_begins(content: Content, grammar: Grammar) -> None:
    coach, now = asked(content, grammar)
    effects = coach.handle(score(grammar, 3), now + 2)
    assert PainRated("before", 3) in effects
    assert says(effects) == ["Three, thank you.", *sentences(content.session.safety)]
    assert coach.mode == "running"


@pytest.mark.parametrize("command", ["skip", "no answer"])
def test_skip_or_no_answer_goes_on_without_a_score(content: Content, grammar: Grammar, command: str) -> None:
    coach, now = asked(content, grammar)
    if command == "skip":
        effects = coach.handle(Heard(Command("skip")), now + 1)
    else:
        assert coach.on_timer(now + content.checkin.answer_seconds - 0.1) == []  # still waiting
        effects = coach.on_timer(now + content.checkin.answer_seconds)
    assert not [e for e in effects if isinstance(e, PainRated)]
    assert says(effects) == [content.checkin.skipped, *sentences(content.session.safety)]
    assert coach.mode == "running"


def test_high_pain_before_gets_the_advice_and_no_exercise(content: Content, grammar: Grammar) -> None:
    coach, now = asked(content, grammar, "routine")
    effects = coach.handle(score(grammar, content.checkin.high_pain), now + 1)
    [said] = says(effects)
    assert said.startswith("Seven, thank you. That is a lot of pain. Rest today")
    assert "consult a medical expert" in said and said.endswith("say start routine again.")
    assert PainRated("before", 7) in effects and coach.mode == "idle"
    closing = [e for e in effects if isinstance(e, Say)][-1]
    assert coach.handle(UtteranceFinished(closing.utterance_id), now + 20) == [SessionEnded("pain")]
    # Start again: the person chose to go on. Not asked again; the score stands for the new session.
    again = coach.handle(Heard(Command("start", "routine")), now + 60)
    assert content.checkin.question not in says(again) and PainRated("before", 7) in again
    assert says(again)[-1] == sentences(content.session.safety)[-1] and coach.mode == "running"


def test_one_below_high_pain_goes_on(content: Content, grammar: Grammar) -> None:
    coach, now = asked(content, grammar)
    coach.handle(score(grammar, content.checkin.high_pain - 1), now + 1)
    assert coach.mode == "running"


def test_start_long_after_high_pain_asks_again(content: Content, grammar: Grammar) -> None:
    coach, now = asked(content, grammar)
    coach.handle(score(grammar, 9), now + 1)
    later = now + 1 + content.checkin.carry_seconds + 1
    assert says(coach.handle(Heard(Command("start", "bridge")), later))[-1] == content.checkin.question


def test_the_end_of_the_plan_asks_again_and_a_rise_gets_the_advice(content: Content, grammar: Grammar) -> None:
    coach, now = asked(content, grammar)
    coach.handle(score(grammar, 2), now)
    effects, now = to_the_end(coach, now)
    assert says(effects) == [content.checkin.question_after] and coach.mode == "asking"
    effects = coach.handle(score(grammar, 2 + content.checkin.pain_rise), now)
    assert PainRated("after", 4) in effects and coach.mode == "idle"
    [said] = says(effects)
    assert said.startswith("Four, thank you. Your back hurts more than before the exercises: two then, four now.")
    assert "Rest today" in said and "If the pain persists, consult a medical expert" in said


def test_a_rise_of_one_is_thanked_and_the_session_closes(content: Content, grammar: Grammar) -> None:
    coach, now = asked(content, grammar)
    coach.handle(score(grammar, 2), now)
    to_the_end(coach, now)
    effects = coach.handle(score(grammar, 3), now)
    assert says(effects) == [f"Three, thank you. {content.session.finished}"]


def test_stop_while_asking_before_ends_unstarted_and_pain_ends_at_once(content: Content, grammar: Grammar) -> None:
    coach, now = asked(content, grammar)
    assert says(coach.handle(Heard(Command("stop")), now)) == [content.session.filled("stopped", "")]
    coach, now = asked(content, grammar)
    assert says(coach.handle(Heard(Command("it hurts")), now)) == [content.session.filled("pain", "")]
    assert coach.mode == "idle"


def test_help_and_repeat_ask_again_with_the_time_to_answer_from_the_top(content: Content, grammar: Grammar) -> None:
    coach, now = asked(content, grammar)
    helped = says(coach.handle(Heard(Command("help")), now + 5))
    assert helped == ["You can say: it hurts, a number from zero to ten, or skip.",
                      content.checkin.question]
    assert coach.next_deadline() is None  # waits for the question to be said again
    assert says(coach.handle(Heard(Command("repeat")), now + 6)) == [content.checkin.question]


def test_the_sentences_are_content(content: Content, grammar: Grammar) -> None:
    checkin = replace(content.checkin, question="Pain score?", heard="Got {score}.", answer_seconds=2)
    coach = Coach(replace(content, checkin=checkin), grammar)
    effects = coach.handle(Heard(Command("start", "bridge")), 0.0)
    assert says(effects)[-1] == "Pain score?"
    assert says(coach.handle(score(grammar, 1), 1.0))[0] == "Got one."
