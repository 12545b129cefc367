"""Soak: 10 minutes of audio time through the live loop, faster than real time; memory stays flat, no queue grows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.audio.speaker import PrintSpeaker
from voicecoach.core.coach import Coach
from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.hearing import HearingPath
from voicecoach.runtime.live import LiveLoop
from voicecoach.testing import speech
from voicecoach.testing.microphone import FedMicrophone

RATE = 16000
CHUNK = RATE // 10
AUDIO_MINUTES = 10
# Resident memory is flat once the first minutes have been decoded, but the allocator takes a step of up to ~5 MB
# once, at a minute that varies from run to run with the threads' timing (a new malloc arena), then stays flat again.
# A leak grows every minute, so: at most two minutes from minute 3 on may grow by more than 0.3 MB (a leak of 0.3 MB a
# minute grows in all six), and the whole growth stays under 10 MB.
FROM_MINUTE = 3
GROWING_MINUTE_MB = 0.3
MOST_GROWING_MINUTES = 2
MOST_GROWTH_MB = 10.0
pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed"),
]


def rss_mb() -> float:
    """Resident memory of this process now (not the peak), from /proc."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def one_minute() -> np.ndarray:
    """A minute of a person's voice and room noise: commands, chatter and silence."""
    clips = [
        (2.0, speech.synthesize("start routine", voice="en-us")),
        (8.0, speech.synthesize("Where did I put the remote control this morning?", voice="en-gb")),
        (20.0, speech.synthesize("pause", voice="en-us+m3")),
        (30.0, speech.synthesize("resume", voice="en-us")),
        (40.0, speech.synthesize("The weather is lovely today, we should go for a walk.", voice="en-us+f2")),
        (52.0, speech.synthesize("stop", voice="en-us")),
    ]
    voices = speech.timeline(clips, seconds=60.0)
    return speech.add_white_noise(voices, snr_db=20.0, speech_rms=speech.active_rms(voices))


def test_ten_minutes_of_audio_keep_memory_flat(content: Content, grammar: Grammar) -> None:
    minute = one_minute().astype("<i2").tobytes()
    chunks_per_minute = len(minute) // (2 * CHUNK)
    rss: dict[int, float] = {}
    fed = {"chunks": 0}
    done = threading.Event()
    loop_holder: list[LiveLoop] = []

    def audio() -> Iterator[bytes]:
        for m in range(AUDIO_MINUTES):
            rss[m] = rss_mb()
            for i in range(chunks_per_minute):
                yield minute[i * 2 * CHUNK:(i + 1) * 2 * CHUNK]

    feed = audio()

    def read() -> bytes:
        try:
            fed["chunks"] += 1
            return next(feed)
        except StopIteration:
            done.set()
            loop_holder[0].stopping.set()
            return b""

    loop = LiveLoop(Coach(content, grammar), HearingPath(PocketSphinxRecognizer(grammar.phrases()), grammar),
                    FedMicrophone(read),
                    lambda s, f, p: PrintSpeaker(on_started=s, on_finished=f, print_fn=lambda text: None),
                    print_fn=lambda text: None)
    loop_holder.append(loop)
    assert loop.run() == 0
    assert done.is_set(), "the loop stopped before all the audio was decoded"
    assert fed["chunks"] >= AUDIO_MINUTES * chunks_per_minute
    minutes = range(FROM_MINUTE, AUDIO_MINUTES)
    series = ", ".join(f"{rss[m]:.1f}" for m in minutes)
    growing = [m for m in minutes[1:] if rss[m] - rss[m - 1] > GROWING_MINUTE_MB]
    assert len(growing) <= MOST_GROWING_MINUTES, (f"resident memory grew in minutes {growing} (MB from minute "
                                                  f"{FROM_MINUTE}: {series})")
    growth = rss[AUDIO_MINUTES - 1] - rss[FROM_MINUTE]
    assert growth < MOST_GROWTH_MB, f"resident memory grew {growth:.1f} MB (MB from minute {FROM_MINUTE}: {series})"
    assert loop.events.qsize() < 100, "events piled up instead of being handled"
