"""`voicecoach run`: the one runtime loop that joins microphone, recognizer, coach and speaker in real time."""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

import numpy as np
import numpy.typing as npt

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.audio.echo import EchoCanceller
from voicecoach.audio.errors import MicrophoneLost
from voicecoach.audio.mic import Backoff, reconnect
from voicecoach.core.coach import Coach
from voicecoach.core.events import Alert, Effect, Heard, Say, SessionEnded, StopSpeaking, UtteranceFinished
from voicecoach.core.grammar import STATES, Grammar
from voicecoach.errors import VoicecoachError

log = logging.getLogger(__name__)

# Why this mechanism against hearing our own voice: muting outright would stop a
# person from saying "stop" while the coach talks, and Pi OS Lite runs no sound
# server with an echo canceller. So while the loudspeaker plays (real
# start and end times, reported by the speaker from the stream) and for a tail
# after it, the recognizer only accepts the barge-in phrases, and only as a
# whole segment louder than the coach (see asr/pocketsphinx/recognizer.py).
#
# In front of the recognizer, when given one, our own echo canceller (audio/echo.py)
# subtracts the coach's voice as the room brings it to the microphone, so that "stop"
# said no louder than the loudspeaker still stands out. It needs to know what played
# when, in microphone samples: the speaker reports each clip's audio and real start
# (on_played), sample_at() turns that time into the microphone's sample index, and a
# cut clip's end (on_finished) drops the rest of its reference. A reconnected
# microphone counts its samples from 0 again, so a fresh canceller takes over then.
MUTE_TAIL_S = 0.3
POLL_S = 0.2  # the longest the loop sleeps: Ctrl-C and SIGTERM are seen within it
LOST_MICROPHONE = Alert("microphone lost")
MICROPHONE_BACK = Alert("microphone back")


class RecognizerCrashed(VoicecoachError):
    """The decoder thread died; the message says so in one line."""

    exit_code = 1


@dataclass
class _Playback:
    """What the speaker is playing, from its own reports; shared with the decoder thread."""

    playing: set[int] = field(default_factory=set)
    last_end: float = float("-inf")
    lock: threading.Lock = field(default_factory=threading.Lock)

    def started(self, utterance_id: int) -> None:
        with self.lock:
            self.playing.add(utterance_id)

    def finished(self, utterance_id: int, t: float) -> bool:
        """Note the end; True if the utterance had started (it was heard until t)."""
        with self.lock:
            if utterance_id in self.playing:
                self.playing.discard(utterance_id)
                self.last_end = max(self.last_end, t)
                return True
            return False

    def speaking(self, now: float) -> bool:
        with self.lock:
            return bool(self.playing) or now - self.last_end < MUTE_TAIL_S


class LiveLoop:
    """Runs the coach live. Threads: the microphone's callback, the decoder, the speaker; this loop owns the coach.

    open_speaker(on_started, on_finished) opens the speaker; with an echo canceller it is called with a third
    callback, on_played(samples, start) (see audio/speaker.py), which it must wire to the speaker.
    """

    def __init__(self, coach: Coach, grammar: Grammar, recognizer: Recognizer, read_audio: Callable[[], bytes],
                 open_speaker: Callable[..., object],
                 clock: Callable[[], float] = time.monotonic, print_fn: Callable[[str], None] = print,
                 reopen_audio: Callable[[], object] | None = None, backoff: Backoff | None = None,
                 refresh_devices: Callable[[object], object] | None = None, exit_when_session_ends: bool = False,
                 echo: EchoCanceller | None = None, sample_at: Callable[[float], int | None] | None = None):
        if (echo is None) != (sample_at is None):
            raise ValueError("LiveLoop needs both echo and sample_at (the microphone's sample index at a clock "
                             "time) to cancel echo, or neither")
        self.coach, self.grammar, self.recognizer = coach, grammar, recognizer
        # A service keeps listening after "stop" or the end of a routine (the coach says "Say start
        # routine..." and goes idle): exiting would leave systemd's Restart=on-failure with a clean exit
        # and the person on the floor with a deaf device. Harnesses that run one session pass True.
        self.exit_when_session_ends = exit_when_session_ends
        self.read_audio = read_audio
        self.reopen_audio = reopen_audio
        # refresh_devices(speaker): make PortAudio re-read its device list before a retry, closing the
        # speaker's output around it (audio/output.py refresh_devices_around); None: never. It frees every
        # PortAudio stream, so reopen_audio must leave none open when it fails (Microphone.reopen closes first).
        self.refresh_devices = refresh_devices
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.print = print_fn
        self.events: queue.Queue[tuple[str, object, float]] = queue.Queue()
        self.stopping = threading.Event()
        self.playback = _Playback()
        # The canceller is used by the decoder and fed by the speaker's thread: always under echo_lock.
        # sample_at maps the speaker's times (on `clock`) to sample indexes of what read_audio delivers.
        self.echo = echo
        self.echo_lock = threading.Lock()
        self.sample_at = sample_at
        self._barge_in = grammar.barge_in_phrases()
        # The phrases of the coach's mode (Grammar.phrases_heard): set by this loop after every change, handed
        # to the recognizer by the decoder thread, which alone calls the recognizer.
        self._heard = {state: grammar.phrases_heard(state) for state in STATES}
        self._listening = self._heard[coach.mode]
        if echo is None:
            self.speaker = open_speaker(self._on_started, self._on_finished)
        else:
            self.speaker = open_speaker(self._on_started, self._on_finished, self._on_played)

    # --- callbacks from other threads: only queue, or hand the canceller its reference ------------------

    def _on_started(self, utterance_id: int, t: float) -> None:
        self.playback.started(utterance_id)

    def _on_finished(self, utterance_id: int, t: float) -> None:
        if self.playback.finished(utterance_id, t):
            # Heard until t: if it was cut short, the canceller must not go on subtracting words never played
            # (after a natural end there is nothing left to drop).
            self._to_canceller(t, lambda echo, at: echo.silence_from(at))
        self.events.put(("finished", utterance_id, t))

    def _on_played(self, samples: npt.NDArray[np.float32], start: float) -> None:
        self._to_canceller(start, lambda echo, at: echo.play(samples, at))

    def _to_canceller(self, t: float, act: Callable[[EchoCanceller, int], None]) -> None:
        """act(canceller, microphone sample index of t), if there is a canceller and the microphone has a timeline."""
        if self.echo is None or self.sample_at is None:
            return
        try:
            at = self.sample_at(t)
            if at is None:  # no microphone block yet (or it is being reopened): nothing to line the clip up with
                return
            with self.echo_lock:
                if self.echo is not None:
                    act(self.echo, at)
        except Exception:  # the speaker's thread must go on; the barge-in rule still guards the recognizer
            log.exception("could not tell the echo canceller what the loudspeaker plays")

    def _decode(self) -> None:
        try:
            listening = None
            while not self.stopping.is_set():
                try:
                    pcm = self.read_audio()
                except MicrophoneLost as lost:
                    if self.reopen_audio is None:
                        raise
                    self._reconnect(lost)
                    continue
                if self.echo is not None:
                    pcm = self._cancel_echo(pcm)
                if not pcm:
                    continue
                if listening != self._listening:  # paused's phrases are running's: no new search for them
                    listening = self._listening
                    self.recognizer.listen_for(listening)
                self.recognizer.restrict(self._barge_in if self.playback.speaking(self.clock()) else None)
                for detection in self.recognizer.accept(pcm):
                    self.events.put(("heard", detection, self.clock()))
        except Exception as error:  # the loop reports it; a dead decoder must not leave a silent coach
            self.events.put(("error", error, self.clock()))

    def _cancel_echo(self, pcm: bytes) -> bytes:
        """The microphone's audio with the coach's echo removed: whole 16 ms blocks, the rest at the next read."""
        with self.echo_lock:
            if self.echo is None:
                return pcm
            try:
                return self.echo.process(pcm)
            except Exception:  # a bug there must not end the session: the barge-in rule still guards
                log.exception("the echo canceller failed: the recognizer hears the microphone as it is from now on")
                self.echo = None
                return pcm

    def _reconnect(self, lost: MicrophoneLost) -> None:
        """Say once that the microphone is gone, then reopen it by name with backoff until it is back.

        Before every retry (not the first try: a stalled stream may reopen as it is) PortAudio re-reads
        its device list, since on plain ALSA it would otherwise never see the microphone plugged in again.
        """
        assert self.reopen_audio is not None
        log.warning("microphone lost: %s", lost)
        self.events.put(("alert", LOST_MICROPHONE, self.clock()))
        reopen = self.reopen_audio
        tries = 0

        def attempt() -> None:
            nonlocal tries
            if self.stopping.is_set():
                return
            if tries:
                self._refresh_devices()
            tries += 1
            reopen()

        reconnect(attempt, backoff=self.backoff, give_up_after=None, sleep=self._sleep)
        with self.echo_lock:
            if self.echo is not None:
                # The reopened microphone counts its samples from 0: the old canceller's position, reference and
                # filter belong to the old stream. A clip playing across the reconnect goes uncancelled.
                self.echo = EchoCanceller(self.echo.sample_rate, self.echo.settings)
        if not self.stopping.is_set():
            log.warning("microphone back")
            self.events.put(("alert", MICROPHONE_BACK, self.clock()))

    def _refresh_devices(self) -> None:
        if self.refresh_devices is None:
            return
        try:
            if self.refresh_devices(self.speaker) is False:
                log.info("the coach was speaking: the sound devices are re-read at the next try")
        except Exception as error:  # the retry goes on regardless: opening the microphone says what is wrong
            log.warning("could not re-read the sound devices: %s", error)

    def _sleep(self, seconds: float) -> None:
        self.stopping.wait(seconds)  # a stop during the backoff ends it at once

    # --- the loop --------------------------------------------------------------

    def run(self) -> int:
        """Run until Ctrl-C or SIGTERM (or the session's end, if asked); returns the exit status."""
        previous = signal.signal(signal.SIGTERM, self._on_sigterm)
        decoder = threading.Thread(target=self._decode, name="decoder", daemon=True)
        decoder.start()
        ending = False
        try:
            self._apply(self.coach.start(self.clock()))
            while not self.stopping.is_set():
                deadline = self.coach.next_deadline()
                timeout = POLL_S if deadline is None else min(POLL_S, max(0.0, deadline - self.clock()))
                try:
                    kind, payload, _ = self.events.get(timeout=timeout)
                except queue.Empty:
                    kind, payload = "", None
                now = self.clock()
                effects: list[Effect] = []
                if kind == "finished":
                    assert isinstance(payload, int)
                    effects += self.coach.handle(UtteranceFinished(payload), now)
                elif kind == "heard":
                    assert isinstance(payload, Detection)
                    command = self.grammar.match(payload.text)
                    if command is not None:
                        self.print(f"heard: {command.canonical}")
                        effects += self.coach.handle(Heard(command), now)
                elif kind == "alert":
                    assert isinstance(payload, Alert)
                    effects += self.coach.handle(payload, now)
                elif kind == "error":
                    if isinstance(payload, VoicecoachError | OSError):
                        raise payload
                    # One clear line, not a traceback: under systemd the service restarts us.
                    raise RecognizerCrashed(f"the speech recognizer failed ({type(payload).__name__}: {payload}); "
                                            "restart voicecoach (the service does so by itself)") from None
                effects += self.coach.on_timer(now)
                ending = (self._apply(effects) and self.exit_when_session_ends) or ending
                if ending and not getattr(self.speaker, "busy", False):
                    break
            return 0
        finally:
            self.stopping.set()
            signal.signal(signal.SIGTERM, previous)
            stop = getattr(self.speaker, "stop", None)
            if stop:
                stop()
            close = getattr(self.speaker, "close", None)
            if close:
                close()

    def _apply(self, effects: list[Effect]) -> bool:
        self._listening = self._heard[self.coach.mode]
        ended = False
        for effect in effects:
            if isinstance(effect, Say | StopSpeaking):
                self.speaker.handle(effect)  # type: ignore[attr-defined]
            elif isinstance(effect, SessionEnded):
                log.info("session ended: %s", effect.reason)
                ended = True
        return ended

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()
