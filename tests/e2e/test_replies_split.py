"""The short replies said alone (benchmarks/replies.py): none a command, none the model trained on, split in two."""

from __future__ import annotations

from benchmarks.replies import REPLIES, replies
from voicecoach.asr.commands_model import corpus as training
from voicecoach.core.grammar import Grammar, normalize


def test_no_reply_is_a_command_or_a_phrase_the_command_model_trained_on(grammar: Grammar) -> None:
    commands = {normalize(p) for p in grammar.phrases()}
    trained = {normalize(t) for t in (*training.EVERYDAY, *training.SOUND_ALIKES, *training.SHORT_REPLIES)}
    assert not {normalize(r) for r in REPLIES} & (commands | trained)


def test_no_short_reply_the_command_model_trains_on_is_a_command(grammar: Grammar) -> None:
    assert not [r for r in training.SHORT_REPLIES if grammar.match(r)]


def test_the_replies_split_into_two_halves_that_share_none() -> None:
    tuning, held = replies(held=False), replies(held=True)
    assert set(tuning).isdisjoint(held) and sorted(tuning + held) == sorted(REPLIES)
    assert min(len(tuning), len(held)) >= len(REPLIES) // 3
