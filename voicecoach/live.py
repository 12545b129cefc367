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

from .asr.base import Detection, Recognizer
from .audio.errors import MicrophoneLost
from .audio.mic import Backoff, reconnect
from .coach import Coach
from .errors import VoicecoachError
from .events import Alert, Effect, Heard, Say, SessionEnded, StopSpeaking, UtteranceFinished
from .grammar import Grammar

log = logging.getLogger(__name__)

# Why this mechanism against hearing our own voice: muting outright would stop a
# person from saying "stop" while the coach talks, and echo cancellation needs a
# sound server Pi OS Lite does not run. So while the loudspeaker plays (real
# start and end times, reported by the speaker from the stream) and for a tail
# after it, the recognizer only accepts the barge-in phrases, and only as a
# whole segment louder than the coach (see asr/pocketsphinx_asr.py).
MUTE_TAIL_S = 0.3
POLL_S = 0.2  # the longest the loop sleeps: Ctrl-C and SIGTERM are seen within it
LOST_MICROPHONE = "I lost the microphone. I will wait here until it is back."
MICROPHONE_BACK = "The microphone is back. Say resume to go on."


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

    def finished(self, utterance_id: int, t: float) -> None:
        with self.lock:
            if utterance_id in self.playing:
                self.playing.discard(utterance_id)
                self.last_end = max(self.last_end, t)

    def speaking(self, now: float) -> bool:
        with self.lock:
            return bool(self.playing) or now - self.last_end < MUTE_TAIL_S


class LiveLoop:
    """Runs the coach live. Threads: the microphone's callback, the decoder, the speaker; this loop owns the coach."""

    def __init__(self, coach: Coach, grammar: Grammar, recognizer: Recognizer, read_audio: Callable[[], bytes],
                 open_speaker: Callable[[Callable[[int, float], None], Callable[[int, float], None]], object],
                 clock: Callable[[], float] = time.monotonic, print_fn: Callable[[str], None] = print,
                 reopen_audio: Callable[[], object] | None = None, backoff: Backoff | None = None,
                 refresh_devices: Callable[[object], object] | None = None, exit_when_session_ends: bool = False):
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
        self.speaker = open_speaker(self._on_started, self._on_finished)
        self._barge_in = grammar.barge_in_phrases()

    # --- callbacks from other threads: only queue ---------------------------

    def _on_started(self, utterance_id: int, t: float) -> None:
        self.playback.started(utterance_id)

    def _on_finished(self, utterance_id: int, t: float) -> None:
        self.playback.finished(utterance_id, t)
        self.events.put(("finished", utterance_id, t))

    def _decode(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    pcm = self.read_audio()
                except MicrophoneLost as lost:
                    if self.reopen_audio is None:
                        raise
                    self._reconnect(lost)
                    continue
                if not pcm:
                    continue
                self.recognizer.restrict(self._barge_in if self.playback.speaking(self.clock()) else None)
                for detection in self.recognizer.accept(pcm):
                    self.events.put(("heard", detection, self.clock()))
        except Exception as error:  # the loop reports it; a dead decoder must not leave a silent coach
            self.events.put(("error", error, self.clock()))

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
                    effects += self.coach.handle(Alert(str(payload)), now)
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
