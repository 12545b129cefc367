"""`voicecoach run`: the one runtime loop that joins microphone, hearing path, coach and speaker in real time."""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Protocol

import numpy as np
import numpy.typing as npt

from voicecoach.audio.errors import MicrophoneLost
from voicecoach.audio.mic import Backoff, reconnect
from voicecoach.core.coach import Coach
from voicecoach.core.events import Alert, Effect, Event, Heard, Say, SessionEnded, StopSpeaking, UtteranceFinished
from voicecoach.errors import VoicecoachError
from voicecoach.journal.recorder import SessionRecorder
from voicecoach.runtime.hearing import HearingPath, Recognized
from voicecoach.runtime.reminding import Reminding

log = logging.getLogger(__name__)

# Threads: the microphone's callback fills its queue; the decoder thread reads it and alone drives the hearing
# path (audio/echo.py and the recognizer); the speaker's thread plays and reports; this loop owns the coach.
# The speaker's reports reach the hearing path through `_to_hearing`, drained by the decoder before each block
# of audio, so the speaker's thread never waits for a decode. What the loop must act on comes through `events`.
POLL_S = 0.2  # the longest the loop sleeps: Ctrl-C and SIGTERM are seen within it
LOST_MICROPHONE = Alert("microphone lost")
MICROPHONE_BACK = Alert("microphone back")

TimeCallback = Callable[[int, float], None]
PlayedCallback = Callable[[npt.NDArray[np.float32], float], None]


class Microphone(Protocol):
    """Where the audio comes from: voicecoach.audio.mic.Microphone, or a test's stand-in."""

    def read(self, timeout: float) -> bytes:
        """The next 16-bit mono PCM at the hearing path's rate, b"" if none came; raises MicrophoneLost."""
        ...

    def reopen(self) -> object:
        """Open the same device again; raises AudioUnavailable while it is not back."""
        ...

    def sample_at(self, t: float) -> int | None:
        """The index of the sample read() delivers that was captured at `t` on the loop's clock, if known."""
        ...


class Speaker(Protocol):
    """Where the coach's words go: voicecoach.audio.speaker.Speaker and PrintSpeaker."""

    @property
    def busy(self) -> bool:
        """True while an utterance is playing or queued."""
        ...

    def handle(self, effect: Say | StopSpeaking) -> None: ...

    def close(self) -> None:
        """Cut what plays and close the output."""
        ...


OpenSpeaker = Callable[[TimeCallback, TimeCallback, PlayedCallback], Speaker]
"""Opens the speaker with its three reports: on_started(id, t), on_finished(id, t), on_played(samples, t)."""


class Session(Protocol):
    """What the loop runs, sans I/O: the Coach, or the spoken enrolment (runtime/enrolment.py)."""

    @property
    def listening(self) -> str | None:
        """What the recognizer listens for (Grammar.phrases_heard: a mode, or "running after help"); None: every
        phrase."""
        ...

    def start(self, now: float) -> list[Effect]: ...

    def handle(self, event: Event, now: float) -> list[Effect]: ...

    def next_deadline(self) -> float | None: ...

    def on_timer(self, now: float) -> list[Effect]: ...


class RecognizerCrashed(VoicecoachError):
    """The decoder thread died; the message says so in one line."""

    exit_code = 1


@dataclass(frozen=True)
class DecoderFailed:
    """The decoder thread stopped on `error`."""

    error: Exception


@dataclass(frozen=True)
class Posted:
    """Work for the session from another thread (the decoder's), run on the loop's thread at `now`."""

    run: Callable[[float], list[Effect]]


@dataclass(frozen=True)
class AudioHeard:
    """The decoder took in a block of audio: the loop checks its timers. On a clock that is the microphone's own
    (the simulated floor, which hands out audio as fast as it is read), a timer waited for in wall time would
    fire many seconds of audio late."""


AUDIO_HEARD = AudioHeard()
LoopEvent = UtteranceFinished | Recognized | Alert | DecoderFailed | Posted | AudioHeard


class LiveLoop:
    """Runs a session (the coach, or the spoken enrolment) live, on the wall clock (`clock`)."""

    def __init__(self, coach: Session, hearing: HearingPath, microphone: Microphone, open_speaker: OpenSpeaker, *,
                 clock: Callable[[], float] = time.monotonic, print_fn: Callable[[str], None] = print,
                 backoff: Backoff | None = None, refresh_devices: Callable[[Speaker], object] | None = None,
                 exit_when_session_ends: bool = False, recorder: SessionRecorder | None = None,
                 reminding: Reminding | None = None):
        self.coach, self.hearing, self.microphone = coach, hearing, microphone
        # A service keeps listening after "stop" or the end of a routine (the coach says "Say start
        # routine..." and goes idle): exiting would leave systemd's Restart=on-failure with a clean exit
        # and the person on the floor with a deaf device. Harnesses that run one session pass True.
        self.exit_when_session_ends = exit_when_session_ends
        # Writes each coaching session to the journal; says a reminder when one is due, on the wall clock.
        self._journal = (recorder, coach) if recorder is not None and isinstance(coach, Coach) else None
        self._reminding = (reminding, coach) if reminding is not None and isinstance(coach, Coach) else None
        # refresh_devices(speaker): make PortAudio re-read its device list before a retry, closing the
        # speaker's output around it (audio/output.py refresh_devices_around); None: never. It frees every
        # PortAudio stream, so the microphone's reopen must leave none open when it fails (Microphone.reopen).
        self.refresh_devices = refresh_devices
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.print = print_fn
        self.events: queue.Queue[LoopEvent] = queue.Queue()
        self.stopping = threading.Event()
        self._to_hearing: queue.SimpleQueue[Callable[[HearingPath], None]] = queue.SimpleQueue()
        self._mode = self._listening()
        hearing.coach_mode(self._mode)
        self.speaker = open_speaker(self._on_started, self._on_finished, self._on_played)

    def post(self, run: Callable[[float], list[Effect]]) -> None:
        """Have the loop's thread call `run(now)` and apply its effects (safe from any thread)."""
        self.events.put(Posted(run))

    # --- the speaker's reports, on its thread: only queue -------------------------------------------

    def _on_started(self, utterance_id: int, t: float) -> None:
        self._to_hearing.put(lambda hearing: hearing.playing(utterance_id, t))

    def _on_finished(self, utterance_id: int, t: float) -> None:
        self.events.put(UtteranceFinished(utterance_id))
        sample = self._sample_at(t)
        self._to_hearing.put(lambda hearing: hearing.finished(utterance_id, t, sample))

    def _on_played(self, samples: npt.NDArray[np.float32], start: float) -> None:
        at = self._sample_at(start)
        if at is not None:  # no microphone block yet (or it is being reopened): nothing to line the clip up with
            self._to_hearing.put(lambda hearing: hearing.loudspeaker(samples, at))

    def _sample_at(self, t: float) -> int | None:
        try:
            return self.microphone.sample_at(t)
        except Exception:  # the speaker's thread must go on; the barge-in rule still guards the recognizer
            log.exception("could not tell the echo canceller what the loudspeaker plays")
            return None

    # --- the decoder thread -------------------------------------------------------------------------

    def _decode(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    pcm = self.microphone.read(POLL_S)
                except MicrophoneLost as lost:
                    self._reconnect(lost)
                    continue
                self._drain_reports()
                for recognized in self.hearing.hear(pcm, self.clock()):
                    self.events.put(recognized)
                if self.events.empty():
                    self.events.put(AUDIO_HEARD)
        except Exception as error:  # the loop reports it; a dead decoder must not leave a silent coach
            self.events.put(DecoderFailed(error))

    def _drain_reports(self) -> None:
        while True:
            try:
                report = self._to_hearing.get_nowait()
            except queue.Empty:
                return
            report(self.hearing)

    def _reconnect(self, lost: MicrophoneLost) -> None:
        """Say once that the microphone is gone, then reopen it by name with backoff until it is back.

        Before every retry (not the first try: a stalled stream may reopen as it is) PortAudio re-reads
        its device list, since on plain ALSA it would otherwise never see the microphone plugged in again.
        """
        log.warning("microphone lost: %s", lost)
        self.events.put(LOST_MICROPHONE)
        tries = 0

        def attempt() -> None:
            nonlocal tries
            if self.stopping.is_set():
                return
            if tries:
                self._refresh_devices()
            tries += 1
            self.microphone.reopen()

        reconnect(attempt, backoff=self.backoff, give_up_after=None, sleep=self._sleep)
        self._drain_reports()  # what played before the reconnect belongs to the old stream's samples
        self.hearing.new_microphone()
        if not self.stopping.is_set():
            log.warning("microphone back")
            self.events.put(MICROPHONE_BACK)

    def _sleep(self, seconds: float) -> None:
        self.stopping.wait(seconds)  # a stop during the backoff ends it at once

    def _refresh_devices(self) -> None:
        if self.refresh_devices is None:
            return
        try:
            if self.refresh_devices(self.speaker) is False:
                log.info("the coach was speaking: the sound devices are re-read at the next try")
        except Exception as error:  # the retry goes on regardless: opening the microphone says what is wrong
            log.warning("could not re-read the sound devices: %s", error)

    # --- the loop --------------------------------------------------------------------------------------

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
                    event: LoopEvent | None = self.events.get(timeout=timeout)
                except queue.Empty:
                    event = None
                now = self.clock()
                effects = self._handle(event, now) if event is not None else []
                effects += self.coach.on_timer(now)
                if not effects and self._reminding is not None:
                    reminding, coach = self._reminding
                    for due in reminding.poll(coach, speaking=self.speaker.busy):
                        effects += coach.handle(due, now)
                ending = (self._apply(effects) and self.exit_when_session_ends) or ending
                if ending and not self.speaker.busy:
                    break
            return 0
        finally:
            self.stopping.set()
            signal.signal(signal.SIGTERM, previous)
            self.speaker.close()

    def _handle(self, event: LoopEvent, now: float) -> list[Effect]:
        if isinstance(event, DecoderFailed):
            if isinstance(event.error, VoicecoachError | OSError):
                raise event.error
            # One clear line, not a traceback: under systemd the service restarts us.
            raise RecognizerCrashed(f"the speech recognizer failed ({type(event.error).__name__}: {event.error}); "
                                    "restart voicecoach (the service does so by itself)") from None
        if isinstance(event, Posted):
            return event.run(now)
        if isinstance(event, AudioHeard):
            return []  # the timers are checked after every event
        if isinstance(event, Recognized):
            self.print(f"heard: {event.command.canonical}{'' if event.sure else ' (unsure)'}")
            effects = self.coach.handle(Heard(event.command, event.sure), now)
            if self._journal is not None:
                self._journal[0].heard(event.command, effects)
            return effects
        return self.coach.handle(event, now)

    def _apply(self, effects: list[Effect]) -> bool:
        if self._listening() != self._mode:
            mode = self._mode = self._listening()
            self._to_hearing.put(lambda hearing: hearing.coach_mode(mode))
        ended = False
        for effect in effects:
            if isinstance(effect, Say | StopSpeaking):
                self.speaker.handle(effect)
            elif isinstance(effect, SessionEnded):
                log.info("session ended: %s", effect.reason)
                ended = True
        if self._journal is not None:  # after the speaker has its part: a commit's fsync never delays speech
            recorder, coach = self._journal
            recorder.applied(effects, coach)
        if self._reminding is not None:
            self._reminding[0].applied(effects)
        return ended

    def _listening(self) -> str | None:
        """The state whose phrases the recognizer listens for: the session's (the coach's mode, "reminded" just after
        a reminder, "... after help" while "more" may be said; None for every phrase)."""
        return self.coach.listening

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()
