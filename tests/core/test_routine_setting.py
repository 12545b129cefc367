"""The `routine` setting: which routine "start routine" begins, shown by dialogs on a virtual clock."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from voicecoach.cli.config import CLI_SOURCE, ConfigError, Settings, apply_routine
from voicecoach.core.content import Content, load_content
from voicecoach.core.grammar import load_grammar
from voicecoach.paths import default_content_dir, default_grammar_dir
from voicecoach.testing.dialog import DialogResult, DialogRunner, parse_dialog


@pytest.fixture(scope="module")
def two_routines(tmp_path_factory: pytest.TempPathFactory) -> Content:
    """The shipped content plus a second, shorter routine: bridge, then cat stretch."""
    root = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(default_content_dir(), root)
    (root / "routines" / "short.toml").write_text('name = "short"\nexercises = ["bridge", "cat stretch"]\n')
    return load_content(root)


def run_dialog(content: Content, text: str) -> DialogResult:
    return DialogRunner(content, load_grammar(default_grammar_dir(), content)).run(parse_dialog(text))


def coach_said(result: DialogResult) -> list[str]:
    return [line.text for line in result.transcript if line.who == "coach" and not line.dropped]


WHOLE_SESSION = """
> {words}
wait until Before we begin
wait until That is the end of the session. Well done.
"""


@pytest.mark.parametrize("words", ["start routine", "start workout"])
def test_the_chosen_routine_is_what_start_routine_runs(two_routines: Content, words: str) -> None:
    result = run_dialog(two_routines.with_routine("short"), WHOLE_SESSION.format(words=words))
    assert result.passed, result.report()
    names = [text for text in coach_said(result) if text in
             ("Bridge.", "Next exercise.", "Cat stretch.", "Pelvic tilts.")]
    assert names == ["Bridge.", "Next exercise.", "Cat stretch."]  # the introductions, a sentence an utterance
    assert not any("Pelvic tilts" in text for text in coach_said(result))


def test_without_a_choice_start_routine_runs_session_toml_default(two_routines: Content) -> None:
    assert two_routines.start_routine == two_routines.session.default_routine == "routine"
    result = run_dialog(two_routines.with_routine(None), "> start routine\nwait until Pelvic tilts.\n")
    assert result.passed, result.report()


def test_the_chosen_routine_can_still_be_started_by_its_own_name(two_routines: Content) -> None:
    result = run_dialog(two_routines.with_routine("short"),
                        "> start short\nwait until Before we begin\nwait until Bridge.\n")
    assert result.passed, result.report()


def test_list_exercises_follows_the_chosen_routine(two_routines: Content) -> None:
    result = run_dialog(two_routines.with_routine("short"),
                        "> list exercises\nwait until The exercises are: bridge, cat stretch, knee to chest stretch,")
    assert result.passed, result.report()


def test_a_routine_the_content_lacks_names_the_setting_and_the_routines(two_routines: Content, tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    with pytest.raises(ConfigError) as from_file:
        apply_routine(two_routines, Settings(routine="morning"), False, env)
    assert str(from_file.value) == (f"{tmp_path / 'cfg' / 'voicecoach' / 'config.toml'}: key 'routine': no routine "
                                    f"named 'morning' in {two_routines.root} (routines: routine, short)")
    with pytest.raises(ConfigError, match=rf"^{CLI_SOURCE}: key '--routine': no routine named 'bridge'"):
        apply_routine(two_routines, Settings(routine="bridge"), True, env)  # an exercise is not a routine
    assert apply_routine(two_routines, Settings(), False, env).start_routine == "routine"
