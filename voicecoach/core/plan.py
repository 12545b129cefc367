"""A session as a flat list of steps: what the coach says, and the time each step takes."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.core.content import Content, Exercise, SessionText, Step
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


def build_plan(content: Content, target: str, opening: bool = True) -> list[PlanStep]:
    """The steps of a session that runs `target`, an exercise or a routine, opened by the safety advice.

    Without `opening`, no safety advice: for a switch within a session, which heard it.
    """
    names = list(content.routines[target].exercises) if target in content.routines else [target]
    plan = [PlanStep(content.session.safety, None, 1.0)] if opening else []
    before: Exercise | None = None
    for name in names:
        exercise = content.exercises[name]
        plan.extend(exercise_steps(exercise, content.session, before))
        before = exercise
    return plan


def exercise_steps(exercise: Exercise, session: SessionText, before: Exercise | None = None) -> list[PlanStep]:
    """An exercise as plan steps: introduction, set-up, then each repetition and side.

    After an exercise `before`, the introduction says it is the next one, and first if it changes position.
    """
    done = exercise.repetitions[0]
    heads_up = []
    if before is not None:
        heads_up.append(session.next_exercise)
        if exercise.position and exercise.position != before.position:
            heads_up.append(session.filled("position_change", exercise.position))
    intro = [*heads_up, exercise.intro, *exercise.cautions, _repetition_text(exercise)]
    steps = [PlanStep(" ".join(t for t in intro if t), exercise.name, 1.0)]
    steps += [_plan_step(exercise, step, "", None) for step in exercise.setup]
    for repetition in range(1, done + 1):
        for side in exercise.sides or (None,):
            prefix = _announcement(exercise, repetition, side)
            if repetition == done > 1:
                prefix = f"{session.last_one} {prefix}"
            steps += [
                _plan_step(exercise, step, prefix if index == 0 else "", side)
                for index, step in enumerate(exercise.steps)
            ]
    return steps


def _plan_step(exercise: Exercise, step: Step, prefix: str, side: str | None) -> PlanStep:
    def sided(said: str | None) -> str:
        return said.replace("{side}", side) if said and side else said or ""

    text = sided(step.say)
    # The hold counted is the one announced: the longest the article allows is said in the introduction instead.
    hold_text = f"Hold for {number_words(step.hold[0])} seconds." if step.hold else ""
    return PlanStep(
        text=f"{prefix} {text}".strip(),
        exercise=exercise.name,
        seconds=step.seconds,
        hold=step.hold[0] if step.hold else None,
        hold_text=hold_text,
        rest=step.rest,
        way_out=sided(step.way_out),
        way_back=sided(step.way_back),
        release=step.release or RELAX,
    )


def _repetition_text(exercise: Exercise) -> str:
    done, most = exercise.repetitions
    each = f" on each {exercise.side_word}" if exercise.sides else ""
    times = "once" if done == 1 else f"{number_words(done)} times"
    text = f"We will do it {times}{each}."
    if most > done:
        text += f" As your strength increases, you can do it up to {number_words(most)} times{each}."
    holds = [step.hold for step in exercise.steps if step.hold and step.hold[1] > step.hold[0]]
    if holds:
        text += f" When it feels comfortable, you can hold for up to {number_words(max(h[1] for h in holds))} seconds."
    return text


def _announcement(exercise: Exercise, repetition: int, side: str | None) -> str:
    done = exercise.repetitions[0]
    side_text = f"{side.capitalize()} {exercise.side_word}" if side else ""
    count_text = f"repetition {number_words(repetition)} of {number_words(done)}" if done > 1 else ""
    text = ", ".join(t for t in (side_text, count_text) if t)
    return text[:1].upper() + text[1:] + "." if text else ""
