"""Property: any sequence of commands, finished utterances and clock steps raises nothing and keeps deadlines ahead."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from voicecoach.core.coach import Coach
from voicecoach.core.content import Content
from voicecoach.core.events import Effect, Heard, Say, StopSpeaking, UtteranceFinished
from voicecoach.core.grammar import Grammar
from voicecoach.paths import default_content_dir, default_grammar_dir

_CONTENT: Content | None = None
_GRAMMAR: Grammar | None = None


def shipped() -> tuple[Content, Grammar]:
    global _CONTENT, _GRAMMAR
    if _CONTENT is None or _GRAMMAR is None:
        from voicecoach.core.content import load_content
        from voicecoach.core.grammar import load_grammar

        _CONTENT = load_content(default_content_dir())
        _GRAMMAR = load_grammar(default_grammar_dir(), _CONTENT)
    return _CONTENT, _GRAMMAR


phrases = st.sampled_from(sorted(shipped()[1].phrases()))
steps = st.lists(
    st.one_of(
        st.tuples(st.just("say"), phrases),
        st.tuples(st.just("tick"), st.floats(min_value=0, max_value=30, allow_nan=False)),
        st.tuples(st.just("finish"), st.integers(min_value=0, max_value=3)),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_any_sequence_is_handled_and_deadlines_stay_ahead(ops: list[tuple[str, object]]) -> None:
    content, grammar = shipped()
    coach = Coach(content, grammar)
    now = 0.0
    playing: list[int] = []

    def apply(effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, StopSpeaking):
                cut, playing[:] = list(playing), []
                for utterance_id in cut:
                    apply(coach.handle(UtteranceFinished(utterance_id), now))
            elif isinstance(effect, Say):
                assert effect.text.strip()
                playing.append(effect.utterance_id)
        deadline = coach.next_deadline()
        assert deadline is None or deadline >= now, f"deadline {deadline} is before now {now}"

    apply(coach.start(now))
    for op, arg in ops:
        if op == "say":
            command = grammar.match(str(arg))
            assert command is not None
            apply(coach.handle(Heard(command), now))
        elif op == "finish" and playing:
            utterance_id = playing.pop(min(int(str(arg)), len(playing) - 1))
            apply(coach.handle(UtteranceFinished(utterance_id), now))
        elif op == "tick":
            target = now + float(str(arg))
            while (deadline := coach.next_deadline()) is not None and deadline <= target:
                now = max(now, deadline)
                apply(coach.on_timer(now))
            now = target
            apply(coach.on_timer(now))
        after = coach.next_deadline()
        assert after is None or after > now or op != "tick"
