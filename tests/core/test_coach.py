"""The dialog engine through its own interface: events and `now` in, effects out."""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import product

import pytest

from voicecoach.core.coach import ASKED_WINDOW_S, MORE_WINDOW_S, Coach, resume_cue
from voicecoach.core.content import Content
from voicecoach.core.events import Alert, Command, Effect, Heard, Say, SessionEnded, StopSpeaking, UtteranceFinished
from voicecoach.core.grammar import Grammar
from voicecoach.core.tempo import PACE_RANGE, RATE_RANGE
from voicecoach.testing.checkin import start_skipping_checkin


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
    effects = start_skipping_checkin(coach, "pelvic tilts", now)
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


def test_pause_in_a_hold_says_the_way_out_and_resume_starts_the_hold_again(content: Content,
                                                                           grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    way_out, way_back = coach.plan[coach.index].way_out, coach.plan[coach.index].way_back
    coach.on_timer(origin + 1)  # "Four."
    paused = coach.handle(Heard(Command("pause")), origin + 1.25)
    assert isinstance(paused[0], StopSpeaking) and coach.next_deadline() is None
    assert [s.text for s in says(paused)] == [content.session.filled("paused", way_out)]
    assert way_out and way_out in says(paused)[0].text
    assert coach.on_timer(origin + 100) == []
    resumed = coach.handle(Heard(Command("resume")), origin + 60)
    assert [s.text for s in says(resumed)] == [f"{content.session.resumed} {way_back}"]
    coach.handle(UtteranceFinished(says(resumed)[0].utterance_id), origin + 61)
    # Time to get back into position, then the hold from its top.
    moved = coach.next_deadline()
    assert moved == origin + 61 + coach.plan[coach.index].seconds
    [hold] = says(coach.on_timer(moved))
    assert hold.text == "Hold for five seconds."
    assert [s.text for s in says(coach.handle(UtteranceFinished(hold.utterance_id), moved + 2))] == ["Five."]


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
    way_out = coach.plan[coach.index].way_out
    effects = coach.handle(Heard(Command("it hurts")), origin + 0.5)
    assert [s.text for s in says(effects)] == [content.session.filled("pain", way_out)]
    assert finish_all(coach, effects, origin + 9) == [SessionEnded("pain")]


def test_stale_finish_events_are_ignored(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    effects = start_skipping_checkin(coach, "bridge", 0.0)
    first = says(effects)[-1]
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
    start_skipping_checkin(coach, "routine", 0.0)
    at_start = coach.remaining_seconds()
    coach.handle(Heard(Command("skip")), 1.0)
    coach.handle(Heard(Command("skip")), 2.0)
    assert at_start > 300 and coach.remaining_seconds() < at_start


def test_an_alert_pauses_a_hold_with_the_way_out_and_resume_starts_it_again(content: Content,
                                                                            grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    step = coach.plan[coach.index]
    effects = coach.handle(Alert("microphone lost"), origin + 0.5)
    said = [s.text for s in says(effects)]
    assert isinstance(effects[0], StopSpeaking) and said == [content.session.filled("microphone_lost", step.way_out)]
    assert coach.mode == "paused" and coach.next_deadline() is None
    resumed = coach.handle(Heard(Command("resume")), origin + 30)
    assert [s.text for s in says(resumed)] == [f"{content.session.resumed} {step.way_back}"]
    coach.handle(UtteranceFinished(says(resumed)[0].utterance_id), origin + 31)
    assert coach.next_deadline() == origin + 31 + step.seconds  # time to move, then the hold from the top


def test_pause_where_no_position_is_held_resumes_where_it_was(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    start_skipping_checkin(coach, "bridge", 0.0)
    [said] = says(coach.handle(Heard(Command("pause")), 1.0))  # during the safety advice
    assert said.text == content.session.filled("paused", "")
    resumed = coach.handle(Heard(Command("resume")), 5.0)
    assert [s.text for s in says(resumed)] == [content.session.resumed]
    assert [s.text for s in says(coach.handle(UtteranceFinished(says(resumed)[0].utterance_id), 6.0))] == \
        coach.plan[0].sentences  # cut in its first sentence: all of it again, a sentence an utterance


def test_an_interruption_resumes_at_the_sentence_it_cut(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    started = says(start_skipping_checkin(coach, "bridge", 0.0))[2:]  # past "Bridge." and the check-in's question
    safety = coach.plan[0].sentences
    assert [s.text for s in started[1:]] == safety and len(safety) > 3
    for said in started[:3]:  # "All right." and the first two sentences of the advice finish
        coach.handle(UtteranceFinished(said.utterance_id), 1.0)
    answer = says(coach.handle(Heard(Command("how long")), 2.0))  # cuts the third
    for said in started[3:]:  # cut and dropped, reported after the question
        coach.handle(UtteranceFinished(said.utterance_id), 2.0)
    resumed = coach.handle(UtteranceFinished(answer[0].utterance_id), 3.0)
    assert [s.text for s in says(resumed)] == safety[2:]


def test_an_alert_when_idle_is_only_said(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    effects = coach.handle(Alert("microphone back"), 0.0)
    assert [type(e) for e in effects] == [Say] and coach.mode == "idle"
    assert [s.text for s in says(effects)] == [content.session.microphone_back]


@pytest.mark.parametrize(("rate", "pace", "command"), [
    (RATE_RANGE[1], PACE_RANGE[0], "faster"),
    (RATE_RANGE[0], PACE_RANGE[1], "slower"),
])
def test_at_the_bounds_nothing_changes_and_the_coach_says_so(content: Content, grammar: Grammar, rate: int,
                                                             pace: float, command: str) -> None:
    # The config once allowed 80 to 300 while the coach clamped to 100 to 225: at 300, "faster" slowed it down.
    coach = Coach(content, grammar, rate=rate, pace=pace)
    said = content.session.fastest if command == "faster" else content.session.slowest
    assert [s.text for s in says(coach.handle(Heard(Command(command)), 0.0))] == [said]
    assert (coach.rate, coach.pace) == (rate, pace)


def test_slower_gives_more_time_to_move_and_faster_less(content: Content, grammar: Grammar) -> None:
    # "slower" on the floor means "give me more time", not only a slower voice.
    for command, more_time in (("slower", True), ("faster", False)):
        coach = Coach(content, grammar)
        [answer] = says(coach.handle(Heard(Command(command)), 0.0))
        assert answer.text == (content.session.slower if more_time else content.session.faster)
        assert (coach.pace > 1.0) == more_time and coach.pace != 1.0
        said = says(start_skipping_checkin(coach, "bridge", 1.0))[-1]  # the name, the question, then the safety advice
        coach.handle(UtteranceFinished(said.utterance_id), 20.0)
        assert coach.next_deadline() == 20.0 + coach.plan[0].seconds * coach.pace


def test_faster_and_slower_never_do_the_opposite_of_what_they_say(content: Content, grammar: Grammar) -> None:
    low, high = RATE_RANGE
    paces = [PACE_RANGE[0], 0.3, 1.0, 1.1, PACE_RANGE[1]]
    for rate, pace, command in product(range(low, high + 1), paces, ("faster", "slower")):
        coach = Coach(content, grammar, rate=rate, pace=pace)
        [answer] = says(coach.handle(Heard(Command(command)), 0.0))
        sign = 1 if command == "faster" else -1
        if answer.text in (content.session.faster, content.session.slower):
            assert (coach.rate - rate) * sign >= 0 and (pace - coach.pace) * sign >= 0
            assert (coach.rate, coach.pace) != (rate, pace)
            assert low <= coach.rate <= high and PACE_RANGE[0] <= coach.pace <= PACE_RANGE[1]
        else:
            assert answer.text in (content.session.fastest, content.session.slowest) and coach.rate == rate


def test_a_coach_refuses_a_rate_or_pace_outside_its_range(content: Content, grammar: Grammar) -> None:
    with pytest.raises(ValueError, match="words per minute"):
        Coach(content, grammar, rate=RATE_RANGE[1] + 1)
    with pytest.raises(ValueError, match="pace"):
        Coach(content, grammar, pace=PACE_RANGE[1] * 2)


def test_the_coach_says_the_contents_sentences(content: Content, grammar: Grammar) -> None:
    session = replace(content.session, paused="Stay still.", resumed="Off we go.", nothing_running="Idle here.",
                      help="Try: {commands}!", exercises="We have {exercises}!", time_left="{duration} to go.")
    coach = Coach(replace(content, session=session), grammar)
    assert says(coach.handle(Heard(Command("next")), 0.0))[0].text.startswith("Idle here.")
    assert says(coach.handle(Heard(Command("help")), 0.0))[0].text.startswith("Try: ")
    assert says(coach.handle(Heard(Command("list exercises")), 0.0))[0].text.startswith("We have pelvic tilts, ")
    start_skipping_checkin(coach, "bridge", 1.0)
    assert [s.text for s in says(coach.handle(Heard(Command("pause")), 2.0))] == ["Stay still."]
    assert [s.text for s in says(coach.handle(Heard(Command("resume")), 3.0))] == ["Off we go."]
    [left] = says(coach.handle(Heard(Command("how long")), 4.0))
    assert re.fullmatch(r"About [a-z ]+ (seconds|minutes?) to go\.", left.text)


# --- commands heard unsure (Heard.sure): asked back before the session changes ---------------------------------


def unsure(name: str, target: str | None = None) -> Heard:
    return Heard(Command(name, target), sure=False)


def test_an_unsure_skip_is_asked_back_and_the_hold_goes_on_after_a_moment(content: Content,
                                                                          grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    index = coach.index
    effects = coach.handle(unsure("skip"), origin + 0.5)
    assert isinstance(effects[0], StopSpeaking) and [s.text for s in says(effects)] == [content.session.asked_back]
    assert coach.index == index and coach.mode == "running"
    finish_all(coach, effects, origin + 2)
    assert coach.next_deadline() == origin + 2 + MORE_WINDOW_S * coach.pace  # time to say it again
    coach.on_timer(origin + 2 + MORE_WINDOW_S * coach.pace)
    deadline = coach.next_deadline()
    assert deadline is not None and deadline <= origin + 3 + MORE_WINDOW_S * coach.pace  # the count, picked up
    assert [s.kind for s in says(coach.on_timer(deadline))] == ["count"] and coach.index == index


@pytest.mark.parametrize("again", [True, False], ids=["unsure again", "sure again"])
def test_an_unsure_skip_said_again_in_time_skips(content: Content, grammar: Grammar, again: bool) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    finish_all(coach, coach.handle(unsure("skip"), origin + 0.5), origin + 2)
    assert coach.asked_back == "skip"
    coach.handle(Heard(Command("skip"), sure=not again), origin + 2 + ASKED_WINDOW_S * coach.pace)
    assert coach.mode == "asking" and coach.asked_back is None  # the one exercise skipped: the check-in after it


def test_an_unsure_skip_said_again_too_late_is_asked_back_again(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    index = coach.index
    finish_all(coach, coach.handle(unsure("skip"), origin + 0.5), origin + 2)
    late = coach.handle(unsure("skip"), origin + 2.5 + ASKED_WINDOW_S * coach.pace)
    assert [s.text for s in says(late)] == [content.session.asked_back] and coach.index == index


def test_another_command_unsure_is_asked_back_not_taken_as_the_answer(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    index = coach.index
    finish_all(coach, coach.handle(unsure("skip"), origin + 0.5), origin + 2)
    other = coach.handle(unsure("next"), origin + 3)
    assert [s.text for s in says(other)] == [content.session.asked_back] and coach.index == index


def test_unsure_pain_holds_with_the_way_out_and_asks(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    way_out = coach.plan[coach.index].way_out
    effects = coach.handle(unsure("it hurts"), origin + 0.5)
    assert [s.text for s in says(effects)] == [content.session.filled("pain_asked", way_out)]
    assert coach.mode == "paused" and coach.next_deadline() is None
    finish_all(coach, effects, origin + 6)
    again = coach.handle(unsure("it hurts"), origin + 7)
    assert [s.text for s in says(again)] == [content.session.filled("pain", way_out)]
    assert finish_all(coach, again, origin + 12) == [SessionEnded("pain")]


def test_unsure_pain_then_resume_goes_back_into_the_hold(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    index = coach.index
    finish_all(coach, coach.handle(unsure("it hurts"), origin + 0.5), origin + 6)
    resumed = coach.handle(Heard(Command("resume")), origin + 7)
    assert coach.mode == "running" and coach.index == index
    assert says(resumed)[0].text == resume_cue(content.session, coach.plan[index])


@pytest.mark.parametrize("name", ["stop", "pause"])
def test_what_halts_is_done_at_once_however_it_was_heard(content: Content, grammar: Grammar, name: str) -> None:
    coach = Coach(content, grammar)
    origin, _ = run_until_hold(coach)
    coach.handle(unsure(name), origin + 0.5)
    assert coach.mode == ("idle" if name == "stop" else "paused")


def test_an_unsure_start_when_idle_is_asked_back_then_starts(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    asked = coach.handle(unsure("start", "bridge"), 0.0)
    assert [s.text for s in says(asked)] == [content.session.asked_back] and coach.mode == "idle"
    finish_all(coach, asked, 2.0)
    coach.handle(unsure("start", "bridge"), 4.0)
    assert coach.mode == "asking"


def test_the_checkin_takes_an_unsure_answer_as_it_is(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    coach.handle(Heard(Command("start", "bridge")), 0.0)
    assert coach.mode == "asking"
    coach.handle(unsure("skip"), 1.0)
    assert coach.mode == "running"
