"""Short replies said alone to the coach ("all done", "I'm ready"): none is a command (benchmarks/replies.py)."""

from __future__ import annotations

import pytest

from voicecoach.core.grammar import Grammar
from voicecoach.runtime.hearing import HearingPath
from voicecoach.runtime.recognizers import open_general
from voicecoach.testing import speech


@pytest.mark.xfail(strict=True, reason="a reply of two common words is forced onto a command: the decision allows one "
                   "decoy or costly free phones (benchmarks/NOTES-pocketsphinx.md, run_words)")
@pytest.mark.parametrize(("reply", "voice"), [("all done", "en-us"), ("I'm ready", "en-us+m3")])
def test_a_short_reply_said_alone_commits_no_command(grammar: Grammar, reply: str, voice: str) -> None:
    hearing = HearingPath(open_general(None, grammar, None, {}), grammar)
    hearing.coach_mode("idle")
    pcm = speech.pad(speech.synthesize(reply, voice, 160), 3.0, 1.0).astype("<i2").tobytes()
    heard = [r.text for i in range(0, len(pcm), 3200) for r in hearing.hear(pcm[i : i + 3200], (i + 3200) / 32000)]
    assert heard + [r.text for r in hearing.flush()] == []
