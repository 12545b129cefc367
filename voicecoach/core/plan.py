"""A session as a flat list of steps: what the coach says, and the time each step takes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from voicecoach.core.content import Content, Exercise, SessionText, Step
from voicecoach.core.progression import Load, start_load, times_words
from voicecoach.core.spoken import number_words, sentences, speech_seconds

RELAX = "Relax."


@dataclass(frozen=True)
class PlanStep:
    """One thing the coach says, then the movement time, then an optional counted hold."""

    text: str
    exercise: str | None  # None for the session's opening
    seconds: float
    hold: int | None = None
    hold_text: str = ""
    rest: float = 0.0
    way_out: str = ""
    """How to leave the position this step holds, safely ("" where it holds none)."""
    way_back: str = ""
    """A short cue back into that position."""
    release: str = RELAX
    """Said when the hold's count ends."""

    @property
    def sentences(self) -> list[str]:
        """The text a sentence at a time, as the coach says it: an interruption resumes at the sentence it cut."""
        return sentences(self.text)

    def estimate(self, rate: int, pace: float) -> float:
        """Seconds this step takes, spoken at `rate` and paced by `pace`."""
        total = speech_seconds(self.text, rate) + self.seconds * pace
        if self.hold:
            total += speech_seconds(self.hold_text, rate) + self.hold + speech_seconds(self.release, rate)
            total += self.rest * pace
        return total


def exercise_names(content: Content, target: str) -> list[str]:
    """The exercises a session of `target`, an exercise or a routine, does, in order."""
    return list(content.routines[target].exercises) if target in content.routines else [target]


def build_plan(content: Content, target: str, opening: bool = True,
               loads: Mapping[str, Load] | None = None) -> list[PlanStep]:
    """The steps of a session that runs `target`, an exercise or a routine, opened by the safety advice.

    Without `opening`, no safety advice: for a switch within a session, which heard it. `loads`: each exercise's
    repetitions and hold (progression.py); an exercise not in it starts at the low end of its range.
    """
    plan = [PlanStep(content.session.safety, None, 1.0)] if opening else []
    before: Exercise | None = None
    for name in exercise_names(content, target):
        exercise = content.exercises[name]
        load = (loads or {}).get(name) or start_load(exercise)
        plan.extend(exercise_steps(exercise, content.session, before, load))
        before = exercise
    return plan


def exercise_steps(exercise: Exercise, session: SessionText, before: Exercise | None = None,
                   load: Load | None = None) -> list[PlanStep]:
    """An exercise as plan steps: introduction, set-up, then each repetition and side, as many as `load` says (the
    low end of its range without one).

    After an exercise `before`, the introduction says it is the next one, and first if it changes position.
    """
    load = load or start_load(exercise)
    done = load.repetitions
    heads_up = []
    if before is not None:
        heads_up.append(session.next_exercise)
        if exercise.position and exercise.position != before.position:
            heads_up.append(session.filled("position_change", exercise.position))
    intro = [*heads_up, exercise.intro, *exercise.cautions, _repetition_text(exercise, load)]
    steps = [PlanStep(" ".join(t for t in intro if t), exercise.name, 1.0)]
    steps += [_plan_step(exercise, step, "", None, load) for step in exercise.setup]
    for repetition in range(1, load.repetitions + 1):
        for side in exercise.sides or (None,):
            prefix = _announcement(exercise, repetition, side, load)
            if repetition == done > 1:
                prefix = f"{session.last_one} {prefix}"
            steps += [
                _plan_step(exercise, step, prefix if index == 0 else "", side, load)
                for index, step in enumerate(exercise.steps)
            ]
    return steps


def _plan_step(exercise: Exercise, step: Step, prefix: str, side: str | None, load: Load) -> PlanStep:
    def sided(said: str | None) -> str:
        return said.replace("{side}", side) if said and side else said or ""

    text = sided(step.say)
    # A hold the article gives as a range counts the load's; the longest it allows is said in the introduction.
    hold = None if step.hold is None else load.hold if step.hold[1] > step.hold[0] and load.hold else step.hold[0]
    hold_text = f"Hold for {number_words(hold)} seconds." if hold else ""
    return PlanStep(
        text=f"{prefix} {text}".strip(),
        exercise=exercise.name,
        seconds=step.seconds,
        hold=hold,
        hold_text=hold_text,
        rest=step.rest,
        way_out=sided(step.way_out),
        way_back=sided(step.way_back),
        release=step.release or RELAX,
    )


def _repetition_text(exercise: Exercise, load: Load) -> str:
    most = exercise.repetitions[1]
    text = f"We will do it {times_words(exercise, load.repetitions)}."
    if most > load.repetitions:
        text += f" As your strength increases, you can do it up to {times_words(exercise, most)}."
    holds = [step.hold for step in exercise.steps if step.hold and step.hold[1] > step.hold[0]]
    if holds and max(h[1] for h in holds) > (load.hold or 0):
        text += f" When it feels comfortable, you can hold for up to {number_words(max(h[1] for h in holds))} seconds."
    return text


def _announcement(exercise: Exercise, repetition: int, side: str | None, load: Load) -> str:
    done = load.repetitions
    side_text = f"{side.capitalize()} {exercise.side_word}" if side else ""
    count_text = f"repetition {number_words(repetition)} of {number_words(done)}" if done > 1 else ""
    text = ", ".join(t for t in (side_text, count_text) if t)
    return text[:1].upper() + text[1:] + "." if text else ""
