"""The command grammar: every required phrasing, exact matching, and clashes reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar, load_grammar
from voicecoach.errors import ContentError

REQUIRED = {
    "start pelvic tilts": "start pelvic tilts", "start pelvic tilt": "start pelvic tilts",
    "start cat stretch": "start cat stretch", "start cat": "start cat stretch",
    "start lower back rotational stretch": "start lower back rotational stretch",
    "start rotational stretch": "start lower back rotational stretch",
    "start rotation": "start lower back rotational stretch",
    "start knee to chest stretch": "start knee to chest stretch", "start knee to chest": "start knee to chest stretch",
    "start bridge": "start bridge", "start routine": "start routine", "start workout": "start routine",
    "next": "next", "back": "back", "go back": "back", "previous": "back",
    "repeat": "repeat", "say that again": "repeat",
    "pause": "pause", "wait": "pause", "hold on": "pause", "hang on": "pause",
    "resume": "resume", "continue": "resume", "stop": "stop", "stop stop": "stop", "stop please": "stop",
    "please stop": "stop", "skip": "skip",
    "help": "help", "what can i say": "help", "how long": "how long", "how much longer": "how long",
    "slower": "slower", "faster": "faster", "list exercises": "list exercises", "what exercises": "list exercises",
    "it hurts": "it hurts", "that hurts": "it hurts", "ouch": "it hurts",
    "that really hurts": "it hurts", "my back hurts": "it hurts",
    # What people in pain say (issue 27), and how they ask to wait, go on, or have more time.
    "i am in pain": "it hurts", "stop it": "stop", "stop that": "stop", "it hurts a lot": "it hurts",
    "my knee hurts": "it hurts", "too much": "it hurts",
    "pause please": "pause", "wait a second": "pause", "wait a moment": "pause",
    "just a moment": "pause",
    "slow down": "slower", "more time": "slower",
    # Right after help (issue 27, item 7): the rest of the commands.
    "more": "more", "say more": "more",
    # The answers to a reminder that put it off (issue 28).
    "not now": "not now", "later": "not now", "not yet": "not now",
    # The pain check-in's answers (issue 28).
    "zero": "score 0", "one": "score 1", "two": "score 2", "three": "score 3", "four": "score 4", "five": "score 5",
    "six": "score 6", "seven": "score 7", "eight": "score 8", "nine": "score 9", "ten": "score 10",
}


@pytest.mark.parametrize(("said", "command"), sorted(REQUIRED.items()))
def test_required_phrasings(grammar: Grammar, said: str, command: str) -> None:
    matched = grammar.match(said)
    assert matched is not None and matched.canonical == command


def test_the_grammar_is_exactly_the_required_phrases(grammar: Grammar) -> None:
    assert set(grammar.phrases()) == set(REQUIRED)


def test_not_now_is_heard_only_just_after_a_reminder(grammar: Grammar) -> None:
    assert grammar.listens("not now", "reminded")
    assert not any(grammar.listens("not now", state) for state in ("idle", "running", "paused"))
    # Everything heard while idle is heard after a reminder too: "start routine" above all.
    assert grammar.phrases_heard("idle") < grammar.phrases_heard("reminded")


@pytest.mark.parametrize("said", ["What can I say?", "  STOP. ", "It hurts!", "start  bridge", "I'm in pain.",
                                  "I\u2019m in pain!"])
def test_case_and_punctuation_do_not_matter(grammar: Grammar, said: str) -> None:
    assert grammar.match(said) is not None


@pytest.mark.parametrize("said", ["", "start", "stop this", "next we do the bridge", "stopping", "start bridges",
                                  "please pause", "bridge", "cat"])
def test_text_outside_the_grammar_is_ignored(grammar: Grammar, said: str) -> None:
    assert grammar.match(said) is None


def test_two_commands_with_one_phrase(grammar_dir: Path, content: Content) -> None:
    file = grammar_dir / "commands.toml"
    file.write_text(file.read_text().replace('phrases = ["skip"]', 'phrases = ["skip", "next"]'))
    with pytest.raises(ContentError) as caught:
        load_grammar(grammar_dir, content)
    assert "commands.toml" in str(caught.value) and "'next'" in str(caught.value) and "'skip'" in str(caught.value)


def test_unknown_field_and_state(grammar_dir: Path, content: Content) -> None:
    file = grammar_dir / "commands.toml"
    file.write_text(file.read_text().replace('when = ["running", "paused"]', 'when = ["asleep"]', 1))
    with pytest.raises(ContentError) as caught:
        load_grammar(grammar_dir, content)
    assert "unknown state 'asleep'" in str(caught.value) and "command[2].when" in str(caught.value)


def test_every_command_is_listened_for_in_every_mode(grammar: Grammar) -> None:
    # "start NAME" too: it switches exercise mid-session. Only the answers to a reminder wait for one, "more" for
    # help, and the check-in's numbers for its question.
    numbers = {phrase for phrase, command in grammar.table.items() if command.number is not None}
    assert len(numbers) == 11
    every = frozenset(grammar.phrases()) - numbers
    reminder, more = {"not now", "later", "not yet"}, {"more", "say more"}
    assert grammar.phrases_heard("idle") == grammar.phrases_heard("running") == grammar.phrases_heard("paused")
    assert grammar.phrases_heard("reminded") == every - more
    assert grammar.phrases_heard("running") == every - reminder - more
    for mode in ("idle", "running", "paused"):
        assert grammar.phrases_heard(f"{mode} after help") == every - reminder
    assert grammar.phrases_heard("reminded after help") == every
    assert grammar.heard_mid_session("more") == "running after help"  # where the benchmarks say it
    assert grammar.heard_mid_session("stop") == "running"


def test_help_names_at_most_five_first(grammar: Grammar) -> None:
    for mode in ("idle", "running", "paused"):
        first, rest = grammar.help_for(mode)
        assert 0 < len(first) <= 5 and not set(first) & set(rest)
    assert grammar.help_for("running")[0][:3] == ["wait", "stop", "it hurts"]


@pytest.mark.parametrize(("change", "error"), [
    ('running = ["pause", "stop", "it hurts", "repeat", "slower"]',
     'running = ["pause", "stop", "it hurts", "repeat", "slower", "next"]'),
    ('idle = ["start", "list exercises", "slower", "it hurts"]', 'idle = ["start", "resume"]'),
    ('paused = ["resume",', 'asleep = ["resume",'),
    ('after = "help"', 'after = "assist"'),
])
def test_the_help_table_is_checked(grammar_dir: Path, content: Content, change: str, error: str) -> None:
    file = grammar_dir / "commands.toml"
    text = file.read_text()
    assert change in text
    file.write_text(text.replace(change, error))
    with pytest.raises(ContentError) as caught:
        load_grammar(grammar_dir, content)
    message = str(caught.value)
    assert "commands.toml" in message and ("help." in message or "after" in message) and "\n" not in message


def test_while_asking_only_the_numbers_and_a_few_ways_out_are_heard(grammar: Grammar) -> None:
    heard = {command.name for phrase, command in grammar.table.items() if phrase in grammar.phrases_heard("asking")}
    assert heard == {"score", "skip", "stop", "it hurts", "repeat", "help"}


def test_a_number_command_takes_only_numbers(grammar_dir: Path, content: Content) -> None:
    file = grammar_dir / "commands.toml"
    file.write_text(file.read_text().replace('"nine", "ten"]', '"nine", "ten", "eleventy"]', 1))
    with pytest.raises(ContentError) as caught:
        load_grammar(grammar_dir, content)
    assert "'eleventy' is not a number" in str(caught.value) and "\n" not in str(caught.value)


def test_listen_states_are_checked(grammar_dir: Path, content: Content) -> None:
    file = grammar_dir / "commands.toml"
    text = file.read_text()
    file.write_text(text.replace('when = ["idle"]', 'when = ["idle"]\nlisten = ["idle", "asleep"]', 1))
    with pytest.raises(ContentError) as caught:
        load_grammar(grammar_dir, content)
    assert "unknown state 'asleep'" in str(caught.value) and "command[1].listen" in str(caught.value)
    file.write_text(text.replace('when = ["idle"]', 'when = ["idle"]\nlisten = []', 1))
    with pytest.raises(ContentError) as caught:
        load_grammar(grammar_dir, content)
    assert "command[1].listen" in str(caught.value) and "at least one state" in str(caught.value)


def test_pain_stop_and_pause_barge_in(grammar: Grammar) -> None:
    # Every way of saying stop is heard over the coach's voice; pain and pause too, but for the phrasings the
    # coach's own sentences were heard as: "that really hurts", "it hurts a lot", and "hold on" (it says
    # "hold").
    by_command: dict[str, set[str]] = {}
    for phrase, command in grammar.table.items():
        by_command.setdefault(command.name, set()).add(phrase)
    barge_in = grammar.barge_in_phrases()
    assert by_command["stop"] <= barge_in
    assert by_command["it hurts"] - barge_in == {"that really hurts", "it hurts a lot"}
    assert by_command["pause"] - barge_in == {"hold on"}
    assert barge_in <= by_command["it hurts"] | by_command["stop"] | by_command["pause"]
    assert {command.name for command in grammar.barge_in_commands()} == {"stop", "it hurts", "pause"}


def test_a_barge_in_phrase_must_be_the_commands_own(grammar_dir: Path, content: Content) -> None:
    file = grammar_dir / "commands.toml"
    file.write_text(file.read_text().replace('barge_in = ["pause", "wait",', 'barge_in = ["pause", "stop",', 1))
    with pytest.raises(ContentError) as caught:
        load_grammar(grammar_dir, content)
    assert "barge_in" in str(caught.value) and "'stop' is not one of the phrases of command 'pause'" in str(
        caught.value)


def test_a_measurement_says_each_command_where_it_is_heard(grammar: Grammar) -> None:
    # "start" is heard mid-session too (it switches exercise); the numbers only while the coach asks.
    assert (grammar.heard_mid_session("stop"), grammar.heard_mid_session("start"),
            grammar.heard_mid_session("score")) == ("running", "running", "asking")
