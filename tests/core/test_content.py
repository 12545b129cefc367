"""Content validation: the shipped content is faithful to the article, and bad content is named precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from voicecoach.core.content import Content, load_content
from voicecoach.errors import ContentError
from voicecoach.paths import default_content_dir


def test_shipped_exercises_follow_the_article(content: Content) -> None:
    ex = content.exercises
    assert list(content.routines["routine"].exercises) == [
        "pelvic tilts", "cat stretch", "lower back rotational stretch", "knee to chest stretch", "bridge",
    ]
    holds = {name: [s.hold for s in e.steps if s.hold] for name, e in ex.items()}
    assert holds["pelvic tilts"] == [(5, 5), (5, 5)]
    assert holds["knee to chest stretch"] == [(5, 5)]
    assert holds["lower back rotational stretch"] == [(5, 10)]
    assert holds["cat stretch"] == []
    assert holds["bridge"] == [(5, 5)]  # the squeeze, as long as it was given in silence: every hold said is counted
    assert ex["cat stretch"].repetitions == (3, 5)
    assert ex["lower back rotational stretch"].repetitions == (2, 3)
    assert ex["knee to chest stretch"].repetitions == (2, 4)
    assert ex["bridge"].repetitions == (3, 3)
    assert ex["lower back rotational stretch"].sides == ("left", "right")
    assert ex["knee to chest stretch"].sides == ("right", "left")
    assert "medical expert" in content.session.safety and "pain" in content.session.safety
    assert "heavy workouts" in content.session.safety and "stress on the back muscles" in content.session.safety
    assert "medical expert" in content.session.pain


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(default_content_dir(), root)
    return root


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text()
    assert old in text, f"{old!r} not in {file}"
    file.write_text(text.replace(old, new, 1))


def error_for(root: Path) -> str:
    with pytest.raises(ContentError) as caught:
        load_content(root)
    return str(caught.value)


def test_adding_a_file_adds_an_exercise(tree: Path) -> None:
    (tree / "exercises" / "neck-roll.toml").write_text(
        'name = "neck roll"\n[[steps]]\nsay = "Roll your neck gently."\nhold = 3\n'
        'way_out = "Bring your head back to the middle."\nway_back = "Roll your neck again."\n'
    )
    assert "neck roll" in load_content(tree).exercises


def test_syntax_error_names_the_file(tree: Path) -> None:
    edit(tree / "exercises" / "bridge.toml", 'name = "bridge"', 'name = "bridge')
    message = error_for(tree)
    assert "bridge.toml" in message and "not valid TOML" in message


def test_unknown_field_names_exercise_and_field(tree: Path) -> None:
    edit(tree / "exercises" / "bridge.toml", "seconds = 3", "secs = 3")
    message = error_for(tree)
    assert "bridge.toml" in message and "exercise 'bridge'" in message and "'setup[2].secs'" in message


def test_missing_name(tree: Path) -> None:
    edit(tree / "exercises" / "bridge.toml", 'name = "bridge"', "")
    message = error_for(tree)
    assert "bridge.toml" in message and "'name'" in message and "missing" in message


def test_missing_steps(tree: Path) -> None:
    file = tree / "exercises" / "cat-stretch.toml"
    file.write_text(file.read_text().split("[[steps]]")[0])
    message = error_for(tree)
    assert "exercise 'cat stretch'" in message and "'steps'" in message


@pytest.mark.parametrize("hold", ["0", "-5", "601", "[10, 5]", "\"five\""])
def test_bad_hold(tree: Path, hold: str) -> None:
    edit(tree / "exercises" / "pelvic-tilts.toml", "hold = 5", f"hold = {hold}")
    message = error_for(tree)
    assert "exercise 'pelvic tilts'" in message and "'steps[1].hold'" in message


@pytest.mark.parametrize(("old", "new", "says"), [
    ("seconds = 5", 'seconds = 5\nrelease = "Let go."', ["'steps[2].release'", "no hold"]),  # a release ends a hold
    ('position = "onto your hands and knees"', "position = 4", ["'position'", "non-empty text"]),
])
def test_release_and_position_are_checked(tree: Path, old: str, new: str, says: list[str]) -> None:
    edit(tree / "exercises" / "cat-stretch.toml", old, new)
    message = error_for(tree)
    assert "exercise 'cat stretch'" in message and all(part in message for part in says), message


def test_routine_naming_a_missing_exercise(tree: Path) -> None:
    edit(tree / "routines" / "routine.toml", '"bridge"', '"bridges"')
    message = error_for(tree)
    assert "routine.toml" in message and "'bridges'" in message and "'exercises'" in message


def test_two_exercises_with_one_name(tree: Path) -> None:
    shutil.copy(tree / "exercises" / "bridge.toml", tree / "exercises" / "zz-bridge-copy.toml")
    message = error_for(tree)
    assert "zz-bridge-copy.toml" in message and "exercise 'bridge'" in message and "already used" in message


def test_alias_clash_between_exercises(tree: Path) -> None:
    edit(tree / "exercises" / "bridge.toml", 'name = "bridge"', 'name = "bridge"\naliases = ["cat"]')
    message = error_for(tree)
    assert "'cat'" in message and "already a name" in message


def test_unknown_placeholder(tree: Path) -> None:
    edit(tree / "exercises" / "bridge.toml", "Squeeze the buttocks", "Squeeze the {muscle}")
    assert "unknown placeholder {muscle}" in error_for(tree)


def test_side_placeholder_needs_sides(tree: Path) -> None:
    edit(tree / "exercises" / "bridge.toml", "Squeeze the buttocks", "Squeeze the {side} buttock")
    assert "no 'sides'" in error_for(tree)


def test_name_must_be_speakable_words(tree: Path) -> None:
    edit(tree / "exercises" / "bridge.toml", 'name = "bridge"', 'name = "Bridge #2"')
    assert "lower-case words" in error_for(tree)


def test_missing_session_file(tree: Path) -> None:
    (tree / "session.toml").unlink()
    assert "session.toml" in error_for(tree)


def test_missing_directory(tmp_path: Path) -> None:
    assert "no such content directory" in error_for(tmp_path / "nowhere")


def test_every_sentence_of_the_coach_is_in_session_toml(tree: Path) -> None:
    edit(tree / "session.toml", 'resumed = "Here we go."\n', "")
    message = error_for(tree)
    assert "session.toml" in message and "field 'resumed'" in message and "missing" in message


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('help = "You can say: {commands}."', 'help = "You can say: {command}."', "unknown placeholder {command}"),
    ('help = "You can say: {commands}."', 'help = "You can say these."', "must say {commands}"),
    ('time_left = "{duration} left."', 'time_left = "Not long."', "must say {duration}"),
    ('resumed = "Here we go."', 'resumed = "Here we go with {exercises}."', "this sentence takes none"),
])
def test_session_placeholders_are_checked(tree: Path, old: str, new: str, expected: str) -> None:
    edit(tree / "session.toml", old, new)
    message = error_for(tree)
    assert "session.toml" in message and expected in message and "\n" not in message


@pytest.mark.parametrize(("old", "new", "field"), [
    ('way_out = "Slowly bring your knees back to the middle."\n', "", "way_out"),
    ('way_back = "Roll your knees to the {side} side again."\n', "", "way_back"),
])
def test_a_hold_says_how_to_leave_the_position_and_how_to_get_back(tree: Path, old: str, new: str,
                                                                   field: str) -> None:
    edit(tree / "exercises" / "lower-back-rotational-stretch.toml", old, new)
    message = error_for(tree)
    assert "exercise 'lower back rotational stretch'" in message and f"steps[1].{field}" in message
    assert "missing" in message


def test_way_out_and_way_back_come_together(tree: Path) -> None:
    edit(tree / "exercises" / "bridge.toml", 'seconds = 5\nway_out = "Slowly lower the buttocks to the ground."\n'
         'way_back = "Raise the buttocks again, slowly."\n', 'seconds = 5\nway_back = "Raise the buttocks again."\n')
    assert "steps[1].way_out" in error_for(tree)
