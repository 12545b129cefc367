"""The live loop with its real parts, where this machine has no sound card: a real-rate sink and file-fed audio."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from voicecoach.asr.pocketsphinx_asr import PocketSphinxRecognizer
from voicecoach.audio.sinks import RealRateSink
from voicecoach.audio.speaker import Speaker
from voicecoach.audio.tts import Renderer
from voicecoach.coach import Coach
from voicecoach.content import Content
from voicecoach.grammar import Grammar
from voicecoach.live import LiveLoop

CHUNK_S = 0.1


def silence_at_real_rate() -> bytes:
    time.sleep(CHUNK_S)  # as a microphone delivers: one block per block time
    return b"\0\0" * int(16000 * CHUNK_S)


def make_loop(content: Content, grammar: Grammar, sink: RealRateSink) -> LiveLoop:
    renderer = Renderer()
    renderer.start()
    return LiveLoop(
        Coach(content, grammar), grammar, PocketSphinxRecognizer(grammar.phrases()), silence_at_real_rate,
        open_speaker=lambda started, finished: Speaker(sink, renderer, on_started=started, on_finished=finished),
        print_fn=lambda text: None,
    )


def test_sigterm_stops_the_loop_promptly(content: Content, grammar: Grammar) -> None:
    sink = RealRateSink()
    loop = make_loop(content, grammar, sink)
    sent: list[float] = []

    def terminate() -> None:
        time.sleep(1.5)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=terminate, daemon=True).start()
    assert loop.run() == 0
    stopped = time.monotonic()
    # A loose bound: this only shows SIGTERM is honoured rather than measuring it (benchmarks do that).
    assert sent and stopped - sent[0] < 3.0
    assert signal.getsignal(signal.SIGTERM) is not loop._on_sigterm
    assert [p.text for p in sink.played][:1] == [content.session.ready]


def test_a_dead_decoder_is_reported_not_swallowed(content: Content, grammar: Grammar) -> None:
    sink = RealRateSink()
    renderer = Renderer()
    renderer.start()

    def broken_microphone() -> bytes:
        raise OSError("the microphone went away")

    loop = LiveLoop(Coach(content, grammar), grammar, PocketSphinxRecognizer(grammar.phrases()), broken_microphone,
                    open_speaker=lambda s, f: Speaker(sink, renderer, on_started=s, on_finished=f),
                    print_fn=lambda text: None)
    with pytest.raises(OSError, match="went away"):
        loop.run()
