"""Each exercise's load within the article's range: the ladder, the rule that steps it, the plan built with it."""

from __future__ import annotations

import pytest

from voicecoach.core.content import Content
from voicecoach.core.plan import build_plan
from voicecoach.core.progression import (
    ExerciseLoad,
    Load,
    Outcome,
    change_sentence,
    ladder,
    next_load,
    start_load,
)

EASY = Outcome(whole=True, hurt=False, pain_before=2, pain_after=2)

# The article's ranges (tests/data/seed-article.txt): repetitions (least, most), and the holds it gives as a range.
# Pelvic tilts: it gives no count ("Gradually increase the number of repetitions"): 3 to 5 is the content's own.
ARTICLE = {
    "cat stretch": ((3, 5), None),  # "Relax and repeat the same exercise 3-5 times."
    "lower back rotational stretch": ((2, 3), (5, 10)),  # "Hold the position for 5-10 seconds." "2-3 times"
    "knee to chest stretch": ((2, 4), None),  # "for 5 seconds" (no range) ... "2-4 times"
    "bridge": ((3, 3), None),  # "Repeat the exercise 3 times."
    "pelvic tilts": ((3, 5), None),  # "Hold the position for 5 seconds", twice: no range
}


@pytest.mark.parametrize("name", sorted(ARTICLE))
def test_every_load_is_within_the_articles_range(content: Content, name: str) -> None:
    exercise = content.exercises[name]
    (least, most), hold = ARTICLE[name]
    rungs = ladder(exercise, content.progression.hold_step)
    assert rungs[0] == start_load(exercise) and rungs[0].repetitions == least
    assert all(least <= r.repetitions <= most for r in rungs) and rungs[-1].repetitions == most
    if hold is None:
        assert all(r.hold is None for r in rungs)
    else:
        assert rungs[0].hold == hold[0] and rungs[-1].hold == hold[1]
        assert all(hold[0] <= (r.hold or 0) <= hold[1] for r in rungs)
    assert len(set(rungs)) == len(rungs)


def test_three_easy_sessions_step_up_one(content: Content) -> None:
    cat, rule = content.exercises["cat stretch"], content.progression
    assert next_load(cat, rule, 2, Load(3), [EASY, EASY]) == Load(3)
    assert next_load(cat, rule, 2, Load(3), [EASY, EASY, EASY]) == Load(4)


@pytest.mark.parametrize("spoiler", [
    Outcome(whole=False, hurt=False, pain_before=1, pain_after=1),  # stopped or skipped before its end
    Outcome(whole=True, hurt=False, pain_before=4, pain_after=2),  # pain above most_pain (3)
    Outcome(whole=True, hurt=False, pain_before=None, pain_after=4),
])
def test_a_session_that_is_not_easy_breaks_the_row(content: Content, spoiler: Outcome) -> None:
    cat, rule = content.exercises["cat stretch"], content.progression
    assert next_load(cat, rule, 2, Load(3), [EASY, spoiler, EASY]) == Load(3)
    assert next_load(cat, rule, 2, Load(3), [spoiler, EASY, EASY, EASY]) == Load(4)


def test_it_hurts_or_a_rise_steps_back_one(content: Content) -> None:
    cat, rule = content.exercises["cat stretch"], content.progression
    hurt = Outcome(whole=False, hurt=True, pain_before=2)
    rose = Outcome(whole=True, hurt=False, pain_before=1, pain_after=3)
    assert next_load(cat, rule, 2, Load(5), [EASY, EASY, hurt]) == Load(4)
    assert next_load(cat, rule, 2, Load(4), [rose]) == Load(3)
    assert next_load(cat, rule, 2, Load(3), [hurt]) == Load(3)  # never below the low end


def test_never_above_the_most_and_the_hold_grows_after_the_repetitions(content: Content) -> None:
    rotation, rule = content.exercises["lower back rotational stretch"], content.progression
    load, seen = start_load(rotation), []
    for _ in range(10):
        load = next_load(rotation, rule, 2, load, [EASY] * rule.sessions)
        seen.append(load)
    assert seen[:4] == [Load(3, 5), Load(3, 7), Load(3, 9), Load(3, 10)]
    assert set(seen[3:]) == {Load(3, 10)}


def test_a_load_off_the_ladder_is_brought_back_onto_it(content: Content) -> None:
    cat, rule = content.exercises["cat stretch"], content.progression
    assert next_load(cat, rule, 2, Load(9), []) == Load(5)  # content that narrowed its range since


def test_the_plan_does_the_load(content: Content) -> None:
    plan = build_plan(content, "routine", loads={"cat stretch": Load(4), "lower back rotational stretch": Load(3, 7)})
    texts = [" ".join(step.sentences) for step in plan]
    assert any("We will do it four times. As your strength increases, you can do it up to five times." in t
               for t in texts)
    assert any("Repetition four of four." in t for t in texts)
    assert not any("of five" in t for t in texts)
    rotation = [step for step in plan if step.exercise == "lower back rotational stretch" and step.hold]
    assert len(rotation) == 6 and {step.hold for step in rotation} == {7}
    assert {step.hold_text for step in rotation} == {"Hold for seven seconds."}
    knee = [step.hold for step in plan if step.exercise == "knee to chest stretch" and step.hold]
    assert set(knee) == {5}  # the article's one hold, not a range: never stepped


def test_what_changed_is_said(content: Content) -> None:
    assert change_sentence(content, "cat stretch", ExerciseLoad(Load(4), Load(3))) == \
        "Today: cat stretch, four times, one more than last time."
    assert change_sentence(content, "knee to chest stretch", ExerciseLoad(Load(2), Load(3))) == \
        "Today: knee to chest stretch, two times on each leg, one fewer than last time, to go easy on your back."
    assert change_sentence(content, "lower back rotational stretch", ExerciseLoad(Load(3, 7), Load(3, 5))) == \
        "Today: lower back rotational stretch, holding for seven seconds, two seconds longer than last time."
    assert change_sentence(content, "cat stretch", ExerciseLoad(Load(4))) is None  # done since it changed
