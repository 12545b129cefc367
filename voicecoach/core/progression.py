"""Each exercise's load within the range its content declares: the ladder of loads, the rule that steps it, and
what the coach says when it changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from voicecoach.core.content import Content, Exercise, Progression, fill
from voicecoach.core.spoken import number_words


@dataclass(frozen=True)
class Load:
    """How much of an exercise a session does."""

    repetitions: int
    hold: int | None = None
    """Seconds counted in each step whose hold the article gives as a range; None where no step has one."""


@dataclass(frozen=True)
class ExerciseLoad:
    """An exercise's load now, and the load before it when that changed since the exercise was last done."""

    load: Load
    previous: Load | None = None


@dataclass(frozen=True)
class Outcome:
    """What one session did of one exercise."""

    whole: bool
    """Every repetition of its load was done."""
    hurt: bool
    """"it hurts" (or another pain phrase) was said during it."""
    pain_before: int | None = None
    pain_after: int | None = None


def ranged_hold(exercise: Exercise) -> tuple[int, int] | None:
    """The (least, most) seconds of the exercise's holds that the article gives as a range, if any."""
    ranges = [step.hold for step in exercise.steps if step.hold and step.hold[1] > step.hold[0]]
    return (min(r[0] for r in ranges), max(r[1] for r in ranges)) if ranges else None


def ladder(exercise: Exercise, hold_step: int) -> list[Load]:
    """Every load of the exercise from the least to the most: one repetition a step, then `hold_step` seconds of hold
    a step (the last one up to the longest)."""
    least, most = exercise.repetitions
    hold = ranged_hold(exercise)
    short = hold[0] if hold else None
    rungs = [Load(repetitions, short) for repetitions in range(least, most + 1)]
    if hold is not None:
        seconds = hold[0]
        while seconds < hold[1]:
            seconds = min(hold[1], seconds + hold_step)
            rungs.append(Load(most, seconds))
    return rungs


def start_load(exercise: Exercise) -> Load:
    """The low end of the range: where every exercise starts."""
    return ladder(exercise, 1)[0]


def within(exercise: Exercise, load: Load, hold_step: int) -> Load:
    """`load` if it is on the exercise's ladder, else the highest rung not above it (content may have changed)."""
    rungs = ladder(exercise, hold_step)
    below = [rung for rung in rungs if (rung.repetitions, rung.hold or 0) <= (load.repetitions, load.hold or 0)]
    return below[-1] if below else rungs[0]


def next_load(exercise: Exercise, rule: Progression, pain_rise: int, current: Load,
              outcomes: Sequence[Outcome]) -> Load:
    """The load after the last of `outcomes`: the sessions that did the exercise since its load last changed, oldest
    first. One step back after "it hurts" during it or a pain rise of `pain_rise` or more in the last; one step up
    after `rule.sessions` in a row done whole with low pain and no hurt; never off the ladder."""
    rungs = ladder(exercise, rule.hold_step)
    at = rungs.index(within(exercise, current, rule.hold_step))
    if not outcomes:
        return rungs[at]
    last = outcomes[-1]
    if last.hurt or _rise(last) >= pain_rise:
        return rungs[max(0, at - 1)]
    recent = outcomes[-rule.sessions:]
    if len(recent) == rule.sessions and all(_easy(outcome, rule.most_pain) for outcome in recent):
        return rungs[min(len(rungs) - 1, at + 1)]
    return rungs[at]


def _rise(outcome: Outcome) -> int:
    if outcome.pain_before is None or outcome.pain_after is None:
        return 0
    return outcome.pain_after - outcome.pain_before


def _easy(outcome: Outcome, most_pain: int) -> bool:
    pains = [p for p in (outcome.pain_before, outcome.pain_after) if p is not None]
    return outcome.whole and not outcome.hurt and all(p <= most_pain for p in pains)


def loads_for(content: Content, loads: Mapping[str, ExerciseLoad]) -> dict[str, Load]:
    """Each exercise's load: the one given (kept on its ladder), else the low end of its range."""
    step = content.progression.hold_step
    return {name: within(exercise, loads[name].load, step) if name in loads else start_load(exercise)
            for name, exercise in content.exercises.items()}


def change_sentence(content: Content, name: str, load: ExerciseLoad) -> str | None:
    """What the coach says of an exercise whose load changed since it was last done ("Today: ..."), or None."""
    exercise, rule, before = content.exercises[name], content.progression, load.previous
    now = loads_for(content, {name: load})[name]
    if before is None or before == now:
        return None
    if now.repetitions != before.repetitions:
        key = "more_repetitions" if now.repetitions > before.repetitions else "fewer_repetitions"
        return fill(getattr(rule, key), exercise=name, times=times_words(exercise, now.repetitions))
    assert now.hold is not None and before.hold is not None  # the ladder's other dimension
    key = "longer_hold" if now.hold > before.hold else "shorter_hold"
    return fill(getattr(rule, key), exercise=name, seconds=number_words(now.hold),
                difference=number_words(abs(now.hold - before.hold)))


def times_words(exercise: Exercise, repetitions: int) -> str:
    """"once", "four times", "three times on each leg"."""
    each = f" on each {exercise.side_word}" if exercise.sides else ""
    return ("once" if repetitions == 1 else f"{number_words(repetitions)} times") + each
