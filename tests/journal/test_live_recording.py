"""The live loop records its sessions through the same recorder, commands heard as the decoder delivers them."""

from __future__ import annotations

import time
from pathlib import Path

from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.audio.speaker import PrintSpeaker
from voicecoach.core.coach import Coach
from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar
from voicecoach.journal.recorder import SessionRecorder
from voicecoach.journal.store import Journal
from voicecoach.runtime.hearing import HearingPath, Recognized
from voicecoach.runtime.live import LiveLoop
from voicecoach.testing.microphone import FedMicrophone


def silence() -> bytes:
    time.sleep(0.1)  # one block per block time, as a microphone delivers
    return b"\0\0" * 1600


def test_a_live_session_is_recorded(tmp_path: Path, content: Content, grammar: Grammar) -> None:
    said: list[str] = []
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        loop = LiveLoop(Coach(content, grammar), HearingPath(PocketSphinxRecognizer(grammar.phrases()), grammar),
                        FedMicrophone(silence),
                        lambda started, finished, played: PrintSpeaker(on_started=started, on_finished=finished,
                                                                       print_fn=said.append),
                        print_fn=lambda text: None, exit_when_session_ends=True, recorder=SessionRecorder(journal))
        for text in ("start bridge", "three", "pause", "stop"):
            command = grammar.match(text)
            assert command is not None
            loop.events.put(Recognized(0.0, command, text))
        assert loop.run() == 0  # returns once the session has ended and its last words are said
        (record,) = journal.sessions()
    assert record.target == "bridge" and record.end_reason == "stopped"
    assert dict(record.said) == {"pause": 1, "stop": 1}  # the check-in's answer is kept as pain, not as said
    assert (record.pain_before, record.pain_after) == (3, None)
    assert record.ended_at is not None and record.ended_at >= record.started_at
