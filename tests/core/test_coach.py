"""The dialog engine through its own interface: events and `now` in, effects out."""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import product

import pytest

from voicecoach.core.coach import Coach
from voicecoach.core.content import Content
from voicecoach.core.events import Alert, Command, Effect, Heard, Say, SessionEnded, StopSpeaking, UtteranceFinished
from voicecoach.core.grammar import Grammar
from voicecoach.core.tempo import RATE_RANGE


def says(effects: list[Effect]) -> list[Say]:
    return [e for e in effects if isinstance(e, Say)]


def finish_all(coach: Coach, effects: list[Effect], now: float) -> list[Effect]:
    """Report every utterance in `effects` as finished at `now`, as a speaker would."""
    out: list[Effect] = []
    for say in says(effects):
        out += coach.handle(UtteranceFinished(say.utterance_id), now)
    return out


def run_until_hold(coach: Coach) -> tuple[float, list[Effect]]:
    """Drive a started session, finishing every utterance at once, until the first count."""
    now = 0.0
    effects = coach.handle(Heard(Command("start", "pelvic tilts")), now)
    for _ in range(200):
        if any(s.kind == "count" for s in says(effects)):
            return now, effects
        follow = finish_all(coach, effects, now)
        if not follow:
            deadline = coach.next_deadline()
            assert deadline is not None
            now = deadline
            follow = coach.on_timer(now)
        effects = follow
    raise AssertionError("no count came")


def test_ready_prompt(content: Content, grammar: Grammar) -> None:
    effects = Coach(content, grammar).start(0.0)
    assert [s.text for s in says(effects)] == [content.session.ready]


def test_counts_are_absolute_deadlines(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, effects = run_until_hold(coach)
    assert [s.text for s in says(effects)] == ["Five."]
    # However late the speaker reports the count finished, the next count keeps its deadline.
    coach.handle(UtteranceFinished(says(effects)[0].utterance_id), origin + 0.9)
    assert coach.next_deadline() == origin + 1
    assert [s.text for s in says(coach.on_timer(origin + 1))] == ["Four."]
    assert coach.next_deadline() == origin + 2


def test_a_late_timer_skips_stale_counts_instead_of_bunching(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    assert [s.text for s in says(coach.on_timer(origin + 3.2))] == ["Two."]
    assert coach.next_deadline() == origin + 4


def test_pause_keeps_what_is_left_of_a_hold(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    coach.on_timer(origin + 1)  # "Four."
    paused = coach.handle(Heard(Command("pause")), origin + 1.25)
    assert isinstance(paused[0], StopSpeaking) and coach.next_deadline() is None
    assert coach.on_timer(origin + 100) == []
    resumed = coach.handle(Heard(Command("resume")), origin + 60)
    coach.handle(UtteranceFinished(says(resumed)[0].utterance_id), origin + 61)
    # 0.75 s were left before "Three." when the pause came.
    assert coach.next_deadline() == origin + 61 + 0.75
    assert [s.text for s in says(coach.on_timer(origin + 61.75))] == ["Three."]


def test_stop_ends_the_session(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    effects = coach.handle(Heard(Command("stop")), origin + 0.5)
    assert isinstance(effects[0], StopSpeaking)
    assert coach.next_deadline() is None and coach.mode == "idle"
    ended = finish_all(coach, effects, origin + 3)
    assert ended == [SessionEnded("stopped")]


def test_pain_speaks_the_advice_and_ends(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    effects = coach.handle(Heard(Command("it hurts")), origin + 0.5)
    assert [s.text for s in says(effects)] == [content.session.pain]
    assert finish_all(coach, effects, origin + 9) == [SessionEnded("pain")]


def test_stale_finish_events_are_ignored(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    effects = coach.handle(Heard(Command("start", "bridge")), 0.0)
    first = says(effects)[0]
    coach.handle(Heard(Command("next")), 1.0)
    assert coach.handle(UtteranceFinished(first.utterance_id), 2.0) == []
    assert coach.next_deadline() is None  # still waiting for the new step to be spoken


def test_rate_changes_apply_to_later_speech(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    coach.handle(Heard(Command("faster")), 0.0)
    effects = coach.handle(Heard(Command("start", "bridge")), 1.0)
    assert all(s.rate == 175 for s in says(effects))


def test_remaining_time_shrinks_as_the_session_goes_on(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    coach.handle(Heard(Command("start", "routine")), 0.0)
    at_start = coach.remaining_seconds()
    coach.handle(Heard(Command("skip")), 1.0)
    coach.handle(Heard(Command("skip")), 2.0)
    assert at_start > 300 and coach.remaining_seconds() < at_start


def test_an_alert_pauses_a_hold_and_resume_goes_on(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    effects = coach.handle(Alert("microphone lost"), origin + 0.5)
    said = [s.text for s in says(effects)]
    assert isinstance(effects[0], StopSpeaking) and said == [content.session.microphone_lost]
    assert coach.mode == "paused" and coach.next_deadline() is None
    resumed = coach.handle(Heard(Command("resume")), origin + 30)
    coach.handle(UtteranceFinished(says(resumed)[0].utterance_id), origin + 31)
    assert coach.next_deadline() == origin + 31 + 0.5  # what was left of "Five." before "Four."


def test_an_alert_when_idle_is_only_said(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    effects = coach.handle(Alert("microphone back"), 0.0)
    assert [type(e) for e in effects] == [Say] and coach.mode == "idle"
    assert [s.text for s in says(effects)] == [content.session.microphone_back]


@pytest.mark.parametrize(("rate", "command", "said"), [
    (RATE_RANGE[1], "faster", "I cannot speak more quickly."),
    (RATE_RANGE[0], "slower", "I cannot speak more slowly."),
])
def test_at_a_bound_the_rate_stays_and_the_coach_says_so(content: Content, grammar: Grammar, rate: int,
                                                         command: str, said: str) -> None:
    # The config once allowed 80 to 300 while the coach clamped to 100 to 225: at 300, "faster" slowed it down.
    coach = Coach(content, grammar, rate=rate)
    assert [s.text for s in says(coach.handle(Heard(Command(command)), 0.0))] == [said]
    assert coach.rate == rate


def test_faster_and_slower_never_do_the_opposite_of_what_they_say(content: Content, grammar: Grammar) -> None:
    low, high = RATE_RANGE
    for rate, command in product(range(low, high + 1), ("faster", "slower")):
        coach = Coach(content, grammar, rate=rate)
        [answer] = says(coach.handle(Heard(Command(command)), 0.0))
        if answer.text.startswith("I will speak"):
            assert (coach.rate > rate) == (command == "faster") and coach.rate != rate and low <= coach.rate <= high
        else:
            assert answer.text.startswith("I cannot") and coach.rate == rate


def test_a_coach_refuses_a_rate_outside_its_range(content: Content, grammar: Grammar) -> None:
    with pytest.raises(ValueError, match="words per minute"):
        Coach(content, grammar, rate=RATE_RANGE[1] + 1)


def test_the_coach_says_the_contents_sentences(content: Content, grammar: Grammar) -> None:
    session = replace(content.session, paused="Stay still.", resumed="Off we go.", nothing_running="Idle here.",
                      help="Try: {commands}!", exercises="We have {exercises}!", time_left="{duration} to go.")
    coach = Coach(replace(content, session=session), grammar)
    assert says(coach.handle(Heard(Command("next")), 0.0))[0].text.startswith("Idle here.")
    assert says(coach.handle(Heard(Command("help")), 0.0))[0].text.startswith("Try: ")
    assert says(coach.handle(Heard(Command("list exercises")), 0.0))[0].text.startswith("We have pelvic tilts, ")
    coach.handle(Heard(Command("start", "bridge")), 1.0)
    assert [s.text for s in says(coach.handle(Heard(Command("pause")), 2.0))] == ["Stay still."]
    assert [s.text for s in says(coach.handle(Heard(Command("resume")), 3.0))] == ["Off we go."]
    [left] = says(coach.handle(Heard(Command("how long")), 4.0))
    assert re.fullmatch(r"About [a-z ]+ (seconds|minutes?) to go\.", left.text)
