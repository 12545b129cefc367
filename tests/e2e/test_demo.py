"""`voicecoach demo`: a whole spoken session through the real recognizer, written to a WAV and a transcript."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed"),
]


def test_demo_writes_a_session_a_person_can_listen_to(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "voicecoach", "demo", "--asr", "pocketsphinx", "--out", str(out)],
                            capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    transcript = (out / "transcript.txt").read_text()
    # Every command of the scenario was heard by the real recognizer, and the coach reacted to each.
    for heard in ("start lower back rotational stretch", "next", "pause", "resume", "how long", "stop"):
        assert f"(heard: {heard})" in transcript
    # Named at once; paused in the hold with the way out of it; back into position on resume.
    for said in ("coach: Lower back rotational stretch.\n", "coach: Before we begin",
                 "coach: Holding here. Slowly bring", "coach: Here we go. Roll your knees", "left.",
                 "coach: We will end here."):
        assert said in transcript
    audio, rate = soundfile.read(str(out / "session.wav"), dtype="float32")
    assert rate == 16000 and audio.ndim == 1 and 60 < len(audio) / rate < 600
    # Both voices are really there: the person's and the coach's, not silence.
    seconds = np.abs(audio[: len(audio) // rate * rate]).reshape(-1, rate).max(axis=1)
    assert (seconds > 0.05).mean() > 0.5


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
