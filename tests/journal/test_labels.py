"""The labels the journal gives plan steps agree with the plan that core/plan.py lays out."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from voicecoach.core.content import Content
from voicecoach.core.plan import build_plan
from voicecoach.core.spoken import number_words
from voicecoach.journal.labels import StepLabel, label_plan


def test_every_exercise_and_routine_is_labelled_repetition_by_repetition(content: Content) -> None:
    for target in [*content.exercises, *content.routines]:
        plan = build_plan(content, target)
        labels = label_plan(content, plan)
        assert len(labels) == len(plan)
        assert [label.exercise for label in labels] == [step.exercise for step in plan]
        for name in dict.fromkeys(step.exercise for step in plan if step.exercise):
            exercise = content.exercises[name]
            mine = [label for label in labels if label.exercise == name]
            done = exercise.repetitions[0]
            completing = [label.repetition for label in mine if label.completes_repetition]
            assert completing == list(range(1, done + 1)), (target, name)
            sides = [label.side for label in mine if label.repetition == 1]
            assert sides == [side for side in exercise.sides or (None,) for _ in exercise.steps], (target, name)
        # Where a step announces its repetition ("Left side, repetition two of three."), the label agrees.
        for step, label in zip(plan, labels, strict=True):
            said = re.search(r"repetition (\w+) of", step.text)
            if said:
                assert label.repetition is not None and said.group(1) == number_words(label.repetition), step.text
                announced = step.text.removeprefix(f"{content.session.last_one} ")  # "Last one. Left side, ..."
                assert announced.startswith((label.side or "").capitalize()), step.text


def test_more_repetitions_than_the_content_says_are_still_labelled(content: Content) -> None:
    """A plan with four cat stretches (as the progression will make) reads as four repetitions."""
    cat = content.exercises["cat stretch"]
    more = replace(content, exercises={**content.exercises, "cat stretch": replace(cat, repetitions=(4, 5))})
    labels = label_plan(content, build_plan(more, "cat stretch"))
    assert [label.repetition for label in labels if label.completes_repetition] == [1, 2, 3, 4]


def test_a_run_that_does_not_fit_the_layout_gets_no_repetitions(content: Content) -> None:
    plan = build_plan(content, "bridge")[:-1]  # the last step missing
    labels = label_plan(content, plan)
    assert all(label.repetition is None for label in labels)
    assert labels[1:] == [StepLabel("bridge")] * (len(plan) - 1)


@pytest.mark.parametrize("name", ["no such exercise"])
def test_an_exercise_the_content_lacks_is_labelled_by_name_only(content: Content, name: str) -> None:
    plan = [replace(step, exercise=name) for step in build_plan(content, "bridge")]
    assert label_plan(content, plan) == [StepLabel(name)] * len(plan)
