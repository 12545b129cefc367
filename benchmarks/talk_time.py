"""How much of a session the coach talks, and how much it leaves to move and hold, on the virtual clock.

Run: .venv/bin/python -m benchmarks.talk_time [--pace P] [--rate R]
Reports, for the whole routine: the coach's speech seconds, the counted hold seconds, the silent seconds (moving
and resting), and for each counted hold the seconds the person is in the position (from the instruction that puts
them there to "Relax."); then what questions cost mid-introduction: the knee-to-chest introduction with "how long"
asked every 15 s, 6 times (issue 27 saw six in 100 s), and the seconds until its set-up step starts. Speech is
timed as the virtual clock times it (spoken.speech_seconds: words at the rate, a pause per sentence), not by a
synthesizer. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass

from voicecoach.core.coach import Coach
from voicecoach.core.content import Content, load_content
from voicecoach.core.events import Effect, Say
from voicecoach.core.grammar import Grammar, load_grammar
from voicecoach.core.plan import RELAX
from voicecoach.core.spoken import number_words
from voicecoach.core.tempo import DEFAULT_PACE, DEFAULT_RATE
from voicecoach.paths import default_content_dir, default_grammar_dir
from voicecoach.runtime.virtual import Line, VirtualSession

LIMIT_S = 3600.0  # a routine that takes longer than an hour on the virtual clock is a bug


class _Traced(VirtualSession):
    """A virtual session that remembers which plan step each utterance was said in."""

    def __init__(self, coach: Coach, grammar: Grammar) -> None:
        super().__init__(coach, grammar)
        self.step_of: dict[int, int] = {}

    def _apply(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Say):
                self.step_of[effect.utterance_id] = self.coach.index
        super()._apply(effects)


_COUNTS = {f"{number_words(n).capitalize()}." for n in range(1, 100)}


@dataclass(frozen=True)
class Figures:
    total_s: float
    speech_s: float
    """The coach speaking, the counts and what ends them ("Relax.") left out."""
    counted_s: float
    """The counted holds, from the first count to "Relax."."""
    holds_in_position_s: list[tuple[str, int, float]]  # (exercise, counted seconds, seconds in the position)

    @property
    def moving_s(self) -> float:
        """The rest: silence to move into position, and rest after "Relax."."""
        return self.total_s - self.speech_s - self.counted_s


def routine(content: Content, grammar: Grammar, rate: int, pace: float, target: str = "routine") -> Figures:
    """Run `target` from "start" to its end with no interruption."""
    coach = Coach(content, grammar, rate=rate, pace=pace)
    session = _Traced(coach, grammar)
    session.hear(f"start {target}")
    start = session.now
    while not session.ended and session.now < LIMIT_S:
        session.advance(session.now + 5.0)
    lines = [line for line in session.coach_lines if not line.dropped]
    end = max(line.end for line in lines)
    plan = coach.plan
    releases = {getattr(step, "release", RELAX) for step in plan}  # what ends a count ("Relax.")
    holds, since, counted = [], None, 0.0
    for line in lines:
        index = session.step_of.get(line.utterance_id)
        if index is None or index >= len(plan):  # past the plan: the closing check-in
            continue
        step = plan[index]
        if line.text in releases and step.hold:
            counted += step.hold
            holds.append((step.exercise or "", step.hold, line.start - (since if since is not None else line.start)))
            since = None
        elif step.way_out and since is None and line.text not in releases:
            since = line.start  # the first utterance of a run of steps in a position
        elif not step.way_out:
            since = None
    speech = sum(line.end - line.start for line in lines
                 if line.start >= start and line.text not in _COUNTS | releases)
    return Figures(end - start, speech, counted, holds)


def questions_in_the_introduction(content: Content, grammar: Grammar, rate: int, pace: float) -> tuple[float, float]:
    """"how long" every 15 s, 6 times, from 2 s into the knee-to-chest introduction: the seconds from the start of
    the introduction to the start of its set-up step, and the coach's speech seconds in between."""
    session = _Traced(Coach(content, grammar, rate=rate, pace=pace), grammar)
    session.hear("start knee to chest")

    def introduction() -> list[Line]:  # plan step 1: the safety advice is step 0
        return [line for line in session.transcript() if session.step_of.get(line.utterance_id) == 1]

    while not introduction():
        session.advance(session.now + 0.25)
    intro = introduction()[0]
    setup = content.exercises["knee to chest stretch"].setup[0].say
    session.advance(intro.start + 2.0)
    for _ in range(6):
        session.hear("how long")
        session.advance(session.now + 15.0)
    session.advance(session.now + 300.0)
    first_setup = next(line for line in session.coach_lines if line.text.startswith(setup) and not line.dropped)
    spoken = sum(line.end - line.start for line in session.coach_lines
                 if not line.dropped and intro.start <= line.start < first_setup.start)
    return first_setup.start - intro.start, spoken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=DEFAULT_RATE)
    parser.add_argument("--pace", type=float, default=DEFAULT_PACE)
    args = parser.parse_args()
    content = load_content(default_content_dir())
    grammar = load_grammar(default_grammar_dir(), content)
    figures = routine(content, grammar, args.rate, args.pace)
    print(f"whole routine at {args.rate} words a minute, pace {args.pace:g}: {figures.total_s:.0f} s")
    print(f"  coach speaking {figures.speech_s:.0f} s ({figures.speech_s / figures.total_s:.0%}), counted holds "
          f"{figures.counted_s:.0f} s, silent for moving and resting {figures.moving_s:.0f} s")
    by_exercise: dict[str, list[float]] = {}
    for exercise, hold, seconds in figures.holds_in_position_s:
        by_exercise.setdefault(f"{exercise} ({hold} s counted)", []).append(seconds)
    for name, each in by_exercise.items():
        print(f"  {name}: {len(each)} holds, in the position {statistics.median(each):.1f} s (median), "
              f"{min(each):.1f} to {max(each):.1f} s")
    until_setup, spoken = questions_in_the_introduction(content, grammar, args.rate, args.pace)
    print(f"knee-to-chest introduction with 6 questions 15 s apart: its set-up step starts after {until_setup:.0f} s, "
          f"{spoken:.0f} s of it the coach speaking")


if __name__ == "__main__":
    main()
