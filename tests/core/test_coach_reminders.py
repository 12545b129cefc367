"""The coach's part in reminders: it says one when idle, then hears "not now" for a minute, and answers Snoozed."""

from __future__ import annotations

from voicecoach.core.coach import REMINDED_LISTEN_S, Coach
from voicecoach.core.content import Content
from voicecoach.core.events import Command, Effect, Heard, ReminderDue, Say, Snoozed, UtteranceFinished
from voicecoach.core.grammar import Grammar
from voicecoach.testing.checkin import start_skipping_checkin


def texts(effects: list[Effect]) -> list[str]:
    return [e.text for e in effects if isinstance(e, Say)]


def reminded(content: Content, grammar: Grammar, now: float = 10.0) -> tuple[Coach, Say]:
    coach = Coach(content, grammar)
    [said] = coach.handle(ReminderDue(), now)
    assert isinstance(said, Say)
    return coach, said


def test_an_idle_coach_says_the_reminder(content: Content, grammar: Grammar) -> None:
    coach, said = reminded(content, grammar)
    assert said.text == "It is time for your back exercises. Say start routine when you are ready."
    assert coach.mode == "idle" and coach.listening == "reminded"


def test_not_now_snoozes(content: Content, grammar: Grammar) -> None:
    coach, said = reminded(content, grammar)
    coach.handle(UtteranceFinished(said.utterance_id), 15.0)
    effects = coach.handle(Heard(Command("not now")), 20.0)
    assert texts(effects) == [content.session.snoozed] and Snoozed() in effects
    assert coach.listening == "idle"
    assert coach.handle(Heard(Command("not now")), 21.0) == []  # once: the reminder was answered


def test_not_now_is_heard_for_a_minute_after_the_reminder_ends(content: Content, grammar: Grammar) -> None:
    coach, said = reminded(content, grammar)
    assert coach.next_deadline() is None  # the minute starts when the reminder has been said
    coach.handle(UtteranceFinished(said.utterance_id), 15.0)
    assert coach.next_deadline() == 15.0 + REMINDED_LISTEN_S
    assert coach.on_timer(15.0 + REMINDED_LISTEN_S - 0.1) == [] and coach.listening == "reminded"
    coach.on_timer(15.0 + REMINDED_LISTEN_S)
    assert coach.listening == "idle" and coach.next_deadline() is None
    assert coach.handle(Heard(Command("not now")), 80.0) == []


def test_not_now_without_a_reminder_does_nothing(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    assert coach.handle(Heard(Command("not now")), 1.0) == []


def test_no_reminder_during_a_session(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    coach.handle(Heard(Command("start", "bridge")), 0.0)
    assert coach.handle(ReminderDue(), 0.5) == [] and coach.listening == "asking"  # the pain check-in
    start_skipping_checkin(coach, "bridge", 0.5)
    assert coach.handle(ReminderDue(), 1.0) == [] and coach.listening == "running"


def test_start_after_a_reminder_begins_the_session_and_ends_the_reminded_state(content: Content,
                                                                                grammar: Grammar) -> None:
    coach, said = reminded(content, grammar)
    coach.handle(UtteranceFinished(said.utterance_id), 15.0)
    effects = coach.handle(Heard(Command("start", "routine")), 16.0)
    assert texts(effects)[0] == content.session.filled("starting", "routine") and coach.mode == "asking"
    coach.handle(Heard(Command("stop")), 17.0)
    assert coach.mode == "idle" and coach.listening == "idle"
    assert coach.handle(Heard(Command("not now")), 18.0) == []


def test_idle_commands_still_work_after_a_reminder(content: Content, grammar: Grammar) -> None:
    coach, _ = reminded(content, grammar)
    assert texts(coach.handle(Heard(Command("list exercises")), 11.0))
    assert coach.listening == "reminded"  # asking what there is does not answer the reminder


def test_help_after_a_reminder_names_not_now(content: Content, grammar: Grammar) -> None:
    coach, _ = reminded(content, grammar)
    [answer] = texts(coach.handle(Heard(Command("help")), 11.0))
    assert answer.startswith("You can say: start") and answer.endswith(", or not now.")  # five, as help names first
    assert "not now" not in texts(Coach(content, grammar).handle(Heard(Command("help")), 1.0))[0]
