"""The live loop with its real parts, where this machine has no sound card: a real-rate sink and file-fed audio."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

import pytest

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.audio.errors import AudioUnavailable, DeviceNotFound, MicrophoneLost
from voicecoach.audio.mic import Backoff
from voicecoach.audio.output import refresh_devices_around
from voicecoach.audio.sinks import RealRateSink
from voicecoach.audio.speaker import PrintSpeaker, Speaker
from voicecoach.audio.tts import Renderer
from voicecoach.core.coach import Coach
from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar, load_grammar
from voicecoach.core.reminders import ReminderSettings
from voicecoach.runtime.hearing import HearingPath, Recognized
from voicecoach.runtime.live import LiveLoop, OpenSpeaker, RecognizerCrashed
from voicecoach.runtime.reminding import Reminding
from voicecoach.testing.microphone import FedMicrophone

CHUNK_S = 0.1


def silence_at_real_rate() -> bytes:
    time.sleep(CHUNK_S)  # as a microphone delivers: one block per block time
    return b"\0\0" * int(16000 * CHUNK_S)


def speaker_on(sink: RealRateSink) -> OpenSpeaker:
    """The real speaker on `sink`, reporting to the loop."""
    renderer = Renderer()
    renderer.start()
    return lambda started, finished, played: Speaker(sink, renderer, on_started=started, on_finished=finished)


def printing(said: list[str] | None = None) -> OpenSpeaker:
    """A PrintSpeaker whose lines go to `said`."""
    out = said.append if said is not None else lambda text: None
    return lambda started, finished, played: PrintSpeaker(on_started=started, on_finished=finished, print_fn=out)


def hearing(grammar: Grammar, recognizer: Recognizer | None = None) -> HearingPath:
    return HearingPath(recognizer or PocketSphinxRecognizer(grammar.phrases()), grammar)


def recognized(grammar: Grammar, text: str) -> Recognized:
    """`text` as the decoder thread delivers what the recognizer committed."""
    command = grammar.match(text)
    assert command is not None
    return Recognized(0.0, command, text)


def make_loop(content: Content, grammar: Grammar, sink: RealRateSink) -> LiveLoop:
    return LiveLoop(Coach(content, grammar), hearing(grammar), FedMicrophone(silence_at_real_rate), speaker_on(sink),
                    print_fn=lambda text: None)


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
    def broken_microphone() -> bytes:
        raise OSError("the microphone went away")

    loop = LiveLoop(Coach(content, grammar), hearing(grammar), FedMicrophone(broken_microphone),
                    speaker_on(RealRateSink()), print_fn=lambda text: None)
    with pytest.raises(OSError, match="went away"):
        loop.run()


def test_a_lost_microphone_pauses_the_session_and_it_is_reopened(content: Content, grammar: Grammar) -> None:
    sink = RealRateSink()
    state = {"reads": 0, "opens": 0}

    def flaky_microphone() -> bytes:
        state["reads"] += 1
        if state["reads"] == 5 or (state["opens"] == 1 and state["reads"] == 6):
            raise MicrophoneLost("no callback for 1.2 s: the microphone stopped")  # as Microphone.read does
        return silence_at_real_rate()

    def reopen() -> None:
        state["opens"] += 1
        if state["opens"] < 3:  # the first tries find no device yet, as after an unplug
            raise DeviceNotFound("no input device matches 'USB'")

    coach = Coach(content, grammar)
    loop = LiveLoop(coach, hearing(grammar), FedMicrophone(flaky_microphone, reopen), speaker_on(sink),
                    print_fn=lambda text: None, backoff=Backoff(first=0.05, maximum=0.1))
    # A session under way: "start bridge" arrives as the decoder would deliver it, then "skip" for the check-in.
    loop.events.put(recognized(grammar, "start bridge"))
    loop.events.put(recognized(grammar, "skip"))

    def stop_when_back() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and content.session.microphone_back not in [p.text for p in sink.played]:
            time.sleep(0.05)
        loop.stopping.set()

    threading.Thread(target=stop_when_back, daemon=True).start()
    loop.run()
    said = [p.text for p in sink.played]
    # Lost during the safety advice, where no position is held: no way out to say.
    lost, back = content.session.filled("microphone_lost", ""), content.session.microphone_back
    assert said.count(lost) == 1 and back in said and said.index(lost) < said.index(back)
    assert coach.mode == "paused" and state["opens"] >= 3
    assert content.checkin.skipped in said  # the session had begun before the microphone went (its name was cut)


@pytest.mark.parametrize("refresh_fails", [False, True], ids=["refresh", "refresh-fails"])
def test_the_device_list_is_reread_between_reconnect_tries(content: Content, grammar: Grammar,
                                                           refresh_fails: bool) -> None:
    calls: list[str] = []
    state = {"reads": 0}

    def lost_once() -> bytes:
        state["reads"] += 1
        if state["reads"] == 3:
            raise MicrophoneLost("no callback for 1.2 s: the microphone stopped")
        return silence_at_real_rate()

    def reopen() -> None:  # the microphone opener: no device by that name for the first two tries
        calls.append("open")
        if calls.count("open") < 3:
            raise DeviceNotFound("no input device matches 'USB'")

    def refresh(speaker: object) -> object:
        calls.append("refresh")
        assert speaker is loop.speaker  # so the refresh can close the speaker's output around it
        if refresh_fails:
            raise AudioUnavailable("PortAudio could not re-read the sound devices: Error initializing PortAudio")
        return refresh_devices_around(speaker)  # the real one: PortAudio restarts in this process

    loop = LiveLoop(Coach(content, grammar), hearing(grammar), FedMicrophone(lost_once, reopen),
                    speaker_on(RealRateSink()), print_fn=lambda text: None, backoff=Backoff(first=0.05, maximum=0.1),
                    refresh_devices=refresh)

    def stop_when_reopened() -> None:  # what is said then is the test above's business
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and calls.count("open") < 3:
            time.sleep(0.05)
        loop.stopping.set()

    threading.Thread(target=stop_when_reopened, daemon=True).start()
    assert loop.run() == 0
    # Not before the first try (a stalled stream may reopen as it is), then before every retry.
    assert calls == ["open", "refresh", "open", "refresh", "open"]


def test_record_writes_exactly_what_the_microphone_heard(tmp_path: Path) -> None:
    import numpy as np
    import soundfile

    from voicecoach.runtime.recording import RecordingMicrophone

    blocks = [np.full(1600, value, dtype="<i2").tobytes() for value in (0, 1000, -1000)]
    feed = iter([*blocks, b""])
    microphone = RecordingMicrophone(FedMicrophone(lambda: next(feed)), tmp_path / "rec")
    assert [microphone.read(0.2) for _ in range(4)] == [*blocks, b""]
    (wav,) = (tmp_path / "rec").glob("mic-*.wav")
    samples, rate = soundfile.read(str(wav), dtype="int16")
    assert rate == 16000 and samples.tobytes() == b"".join(blocks)


class CrashingRecognizer(PocketSphinxRecognizer):
    """The real recognizer, which then fails as a native library can: the loop must report it in one line."""

    def accept(self, pcm: bytes) -> list[Detection]:
        raise RuntimeError("ps_process_raw returned -1")


def test_a_crashed_recognizer_is_one_clear_error(content: Content, grammar: Grammar) -> None:
    loop = LiveLoop(Coach(content, grammar), hearing(grammar, CrashingRecognizer(grammar.phrases())),
                    FedMicrophone(silence_at_real_rate), speaker_on(RealRateSink()), print_fn=lambda text: None)
    with pytest.raises(RecognizerCrashed) as caught:
        loop.run()
    message = str(caught.value)
    assert "\n" not in message and "ps_process_raw returned -1" in message and "restart" in message
    assert caught.value.exit_code == 1


@pytest.mark.parametrize("exit_when_session_ends", [False, True], ids=["service", "one-session"])
def test_the_loop_keeps_listening_after_stop(content: Content, grammar: Grammar, exit_when_session_ends: bool) -> None:
    """After "stop" the coach goes idle and still listens (a service must not exit); a harness may ask to exit."""
    coach = Coach(content, grammar)
    said: list[str] = []
    seen: dict[str, object] = {}
    loop = LiveLoop(coach, hearing(grammar), FedMicrophone(silence_at_real_rate), printing(said),
                    print_fn=lambda text: None, exit_when_session_ends=exit_when_session_ends)
    loop.events.put(recognized(grammar, "start bridge"))
    loop.events.put(recognized(grammar, "stop"))

    def stopped_said() -> bool:
        # PrintSpeaker adds "coach: "; stopped during the safety advice, where no position is held
        return any(content.session.filled("stopped", "") in line for line in said)

    def after_the_stop() -> None:  # run() needs the main thread (it installs a SIGTERM handler)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not stopped_said():
            time.sleep(0.05)
        time.sleep(6.0)  # longer than the closing words take to say
        seen["idle"] = coach.mode
        loop.events.put(recognized(grammar, "start bridge"))  # heard after the stop
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and coach.mode == "idle":
            time.sleep(0.05)
        seen["after"] = coach.mode
        seen["stopped by the test"] = True
        loop.stopping.set()

    helper = threading.Thread(target=after_the_stop, daemon=True)
    helper.start()
    assert loop.run() == 0
    ended_by_itself = "stopped by the test" not in seen
    helper.join(timeout=20)
    assert stopped_said() and seen["idle"] == "idle"
    if exit_when_session_ends:
        assert ended_by_itself and seen["after"] == "idle"  # nobody heard the second start
    else:
        assert not ended_by_itself
        assert seen["after"] != "idle"  # still listening: the second "start bridge" began a session


class StateRecordingRecognizer(PocketSphinxRecognizer):
    """The real recognizer, noting each set of phrases the loop listens for."""

    def __init__(self, phrases: list[str]) -> None:
        super().__init__(phrases)
        self.listened: list[frozenset[str] | None] = []

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        self.listened.append(phrases)
        super().listen_for(phrases)


def test_the_recognizer_listens_for_the_coach_modes_phrases(content: Content, grammar_dir: Path) -> None:
    """With a grammar whose "start" is listened for only when idle (commands.toml `listen`; the shipped one listens
    for every command outside the check-in): every phrase idle, the check-in's while it asks, no "start ..." while a
    session runs, all again after stop."""
    file = grammar_dir / "commands.toml"
    file.write_text(file.read_text().replace('when = ["idle"]', 'when = ["idle"]\nlisten = ["idle"]', 1))
    grammar = load_grammar(grammar_dir, content)
    assert grammar.phrases_heard("running") != grammar.phrases_heard("idle")
    coach = Coach(content, grammar)
    recognizer = StateRecordingRecognizer(grammar.phrases())
    loop = LiveLoop(coach, hearing(grammar, recognizer), FedMicrophone(silence_at_real_rate), printing(),
                    print_fn=lambda text: None)
    modes: list[str] = []

    def drive() -> None:
        for text, mode in (("start bridge", "asking"), ("skip", "running"), ("pause", "paused"), ("stop", "idle")):
            time.sleep(0.5)  # several microphone blocks: the decoder thread takes up the new phrases
            loop.events.put(recognized(grammar, text))
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and coach.mode != mode:
                time.sleep(0.02)
            time.sleep(0.5)
            modes.append(coach.mode)
        loop.stopping.set()

    threading.Thread(target=drive, daemon=True).start()
    assert loop.run() == 0
    assert modes == ["asking", "running", "paused", "idle"]
    heard = {state: grammar.phrases_heard(state) for state in ("idle", "asking", "running")}
    assert recognizer.listened == [heard["idle"], heard["asking"], heard["running"], heard["idle"]]  # paused: running's


def test_the_loop_says_a_reminder_on_its_wall_clock_and_hears_not_now(content: Content, grammar: Grammar) -> None:
    """The wall clock is the loop's: unset at first (1970, never a reminder), then 08:00 (said once, and the
    recognizer takes up the phrases heard just after a reminder), "not now", and 08:31 (said again)."""
    wall = [datetime(1970, 1, 1, 8, 0, tzinfo=UTC)]
    reminding = Reminding(ReminderSettings((dtime(8),)), wall=lambda: wall[0])
    recognizer = StateRecordingRecognizer(grammar.phrases())
    said: list[str] = []
    loop = LiveLoop(Coach(content, grammar), hearing(grammar, recognizer), FedMicrophone(silence_at_real_rate),
                    printing(said), print_fn=lambda text: None, reminding=reminding)
    reminder, snoozed = content.session.reminder, content.session.snoozed
    seen: dict[str, int] = {}

    def until(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not condition():
            time.sleep(0.05)

    def count(text: str) -> int:
        return sum(text in line for line in said)

    def drive() -> None:
        until(lambda: count(content.session.ready) == 1)
        time.sleep(1.0)
        seen["unset clock"] = count(reminder)
        wall[0] = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
        until(lambda: count(reminder) == 1)
        time.sleep(0.5)  # several microphone blocks: the decoder thread takes up the new phrases
        loop.events.put(recognized(grammar, "not now"))
        until(lambda: count(snoozed) == 1)
        time.sleep(0.5)
        seen["before the snooze ends"] = count(reminder)
        wall[0] = datetime(2027, 3, 1, 8, 31, tzinfo=UTC)
        until(lambda: count(reminder) == 2)
        loop.stopping.set()

    threading.Thread(target=drive, daemon=True).start()
    assert loop.run() == 0
    assert seen == {"unset clock": 0, "before the snooze ends": 1} and count(reminder) == 2, said
    assert grammar.phrases_heard("reminded") in recognizer.listened
    assert recognizer.listened[-1] == grammar.phrases_heard("reminded")  # said again: "not now" heard again


def test_a_command_heard_unsure_is_asked_back_not_done(content: Content, grammar: Grammar) -> None:
    coach = Coach(content, grammar)
    said: list[str] = []
    printed: list[str] = []
    loop = LiveLoop(coach, hearing(grammar), FedMicrophone(silence_at_real_rate), printing(said),
                    print_fn=printed.append)
    start = recognized(grammar, "start bridge")
    loop.events.put(Recognized(start.t, start.command, start.text, sure=False))

    def asked() -> bool:
        return any(content.session.asked_back in line for line in said)

    def until_asked() -> None:  # run() needs the main thread (it installs a SIGTERM handler)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not asked():
            time.sleep(0.05)
        loop.stopping.set()

    helper = threading.Thread(target=until_asked, daemon=True)
    helper.start()
    assert loop.run() == 0
    helper.join(timeout=20)
    assert asked() and coach.mode == "idle" and coach.asked_back == "start bridge"
    assert "heard: start bridge (unsure)" in printed
