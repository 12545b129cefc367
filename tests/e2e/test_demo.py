"""`voicecoach demo`'s hearing path: the coach's echo cancelled as the live loop cancels it."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed"),
]


# The demo run as a user starts it, its transcript and its session.wav: tests/ops/test_offline.py's
# test_demo_runs_offline_and_writes_a_session_a_person_can_listen_to, which runs it with every socket blocked
# (one run of the demo serves both).


def test_the_demo_cancels_the_coach_echo_as_the_live_loop_does(content: Content, grammar: Grammar) -> None:
    """With the echo canceller the recognizer hears the coach's voice far quieter, and every command said.

    Without the canceller the coach's own voice is at full level, the worst case: there, after other tests had
    rendered speech in this process (espeak-ng's output then differs by a few samples), "Say start routine, or
    start and ..." once committed "stop" and "Do not push through strong pain" "it hurts". Only the levels are
    compared with that run, not what it heard.
    """
    from voicecoach.audio.echo import EchoCanceller
    from voicecoach.runtime.demo import RATE, SCENARIO, run_demo, user_voice
    from voicecoach.runtime.hearing import HearingPath
    from voicecoach.runtime.recognizers import open_general
    from voicecoach.testing.coach_voice import fresh_voice

    levels, heard = [], []
    # The coach's voice from a new process: rendered here, it depended on what other tests had rendered before
    # ("wait" during a count was heard as "it hurts" with the canceller after some orders of the suite, not alone).
    with fresh_voice() as coach_voice:
        for echo in (None, EchoCanceller(RATE)):
            # The default recognizer, as `voicecoach demo` opens it: PocketSphinx with the command model.
            recognizer = _Listening(open_general("pocketsphinx", grammar, None, {}))
            result = run_demo(content, grammar, HearingPath(recognizer, grammar, echo), coach_voice, user_voice)
            heard.append([command for _, command in result.commands])
            said = np.frombuffer(b"".join(recognizer.pieces), "<i2").astype(np.float64)
            person = [(u.t, u.t + len(u.audio) / RATE) for u in result.user_lines]
            coach_only = [said[round(line.start * RATE) : round(line.end * RATE)] for line in result.coach_lines
                          if not line.dropped and not any(a < line.end and b > line.start for a, b in person)]
            levels.append(float(np.sqrt(np.mean(np.concatenate(coach_only) ** 2))))
    assert 20 * np.log10(levels[0] / levels[1]) >= 10.0, f"coach's voice at the recognizer: {levels}"
    meant = [grammar.match(text) for text in heard[1]]
    assert meant == [grammar.match(cue.words) for cue in SCENARIO], heard


class _Listening:
    """A recognizer that also keeps what it was given."""

    def __init__(self, recognizer: Recognizer) -> None:
        self.recognizer, self.sample_rate, self.pieces = recognizer, recognizer.sample_rate, list[bytes]()

    def accept(self, pcm: bytes) -> list[Detection]:
        self.pieces.append(pcm)
        return self.recognizer.accept(pcm)

    def flush(self) -> list[Detection]:
        return self.recognizer.flush()

    def restrict(self, phrases: frozenset[str] | None) -> None:
        self.recognizer.restrict(phrases)

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        self.recognizer.listen_for(phrases)
