"""Each step of a plan labelled with its exercise, repetition and side, read from the plan's layout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voicecoach.core.content import Content
from voicecoach.core.plan import PlanStep


@dataclass(frozen=True)
class StepLabel:
    """Where a plan step stands in its exercise: its repetition and side, if it is one of them."""

    exercise: str | None
    repetition: int | None = None
    side: str | None = None
    completes_repetition: bool = False  # the repetition's last step, on its last side


def label_plan(content: Content, plan: Sequence[PlanStep]) -> list[StepLabel]:
    """One label per step of `plan`.

    plan.exercise_steps lays an exercise out as its introduction, its set-up steps, then for each repetition and
    each side its steps in order; this reads that layout back (tests/journal/test_labels.py holds the two together).
    A run of steps that does not fit it gets labels with no repetition rather than wrong ones.
    """
    labels: list[StepLabel] = []
    start = 0
    while start < len(plan):
        name = plan[start].exercise
        end = start
        while end < len(plan) and plan[end].exercise == name:
            end += 1
        labels += _label_run(content, name, end - start)
        start = end
    return labels


def _label_run(content: Content, name: str | None, length: int) -> list[StepLabel]:
    exercise = content.exercises.get(name) if name is not None else None
    if exercise is None:
        return [StepLabel(name)] * length
    sides: Sequence[str | None] = exercise.sides or (None,)
    per_side = len(exercise.steps)
    body = length - 1 - len(exercise.setup)
    if per_side == 0 or body < 0 or body % (per_side * len(sides)):
        return [StepLabel(name)] * length
    labels = [StepLabel(name)] * (1 + len(exercise.setup))
    for position in range(body):
        repetition, within = divmod(position, per_side * len(sides))
        labels.append(StepLabel(name, repetition + 1, sides[within // per_side],
                                within == per_side * len(sides) - 1))
    return labels
