"""The one hearing path: microphone audio in, commands out, told what the coach says and when it plays."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.audio.echo import EchoCanceller
from voicecoach.core.events import Command
from voicecoach.core.grammar import STATES, Grammar

log = logging.getLogger(__name__)

# Theory of operation
# -------------------
# Every caller that turns audio into commands drives this one object: the live loop on the wall clock, the
# demo, `voicecoach recognize` and the benchmarks on audio time. It is sans-I/O: the caller reports what the
# loudspeaker plays and when (`playing`, `finished`, `loudspeaker`), what the coach's mode is (`coach_mode`),
# and hands it the microphone's audio with the time it was heard (`hear`).
#
# Why the coach does not hear itself: muting outright would stop a person from saying "stop" while the coach
# talks, and Pi OS Lite runs no sound server with an echo canceller. So
#   - the echo canceller (audio/echo.py), fed what the loudspeaker plays in microphone samples, subtracts the
#     coach's voice as the room brings it to the microphone, so that "stop" said no louder than the loudspeaker
#     still stands out; a clip cut short drops the rest of its reference;
#   - while the loudspeaker plays, and for `mute_tail` after it, the recognizer is restricted to the grammar's
#     barge-in phrases (Recognizer.restrict): the recognizer decides how such a phrase must stand out;
#   - in each mode of the coach the recognizer listens only for the phrases the grammar says it hears then
#     (Recognizer.listen_for), so nothing said is forced onto a command the coach would not act on.
# Only this object calls the recognizer, so the recognizer needs no lock; the live loop calls it from its
# decoder thread alone and hands it the speaker's reports through a queue.


@dataclass(frozen=True)
class HearingSettings:
    """How the hearing path keeps the coach from hearing itself."""

    mute_tail: float = 0.3
    """Seconds after the loudspeaker stops during which only barge-in phrases may commit: the room's echo and
    the loudspeaker's buffer outlast the clip."""


@dataclass(frozen=True)
class Recognized:
    """A command heard: the phrase the recognizer committed, the command it means, and the audio time of the commit."""

    t: float
    command: Command
    text: str
    sure: bool = True
    """Detection.sure: False, the coach asks back before it acts on a command that changes the session."""


@dataclass
class _Playback:
    playing: set[int] = field(default_factory=set)
    last_end: float = float("-inf")


class HearingPath:
    """Audio to commands through `recognizer`, after `echo` (if any) has removed what the loudspeaker played."""

    def __init__(self, recognizer: Recognizer, grammar: Grammar, echo: EchoCanceller | None = None,
                 settings: HearingSettings | None = None) -> None:
        self.recognizer = recognizer
        self.grammar = grammar
        self.echo = echo
        self.settings = settings or HearingSettings()
        self._barge_in = grammar.barge_in_phrases()
        self._heard = {state: grammar.phrases_heard(state) for state in STATES}  # and others as they come
        self._playback = _Playback()
        self._wanted: frozenset[str] | None = None  # the coach's mode's phrases (None: every phrase)
        self._told: frozenset[str] | None = None  # what the recognizer was last told to listen for
        self._restricted = False

    @property
    def sample_rate(self) -> int:
        """The rate of the 16-bit mono PCM that hear() takes."""
        return self.recognizer.sample_rate

    # --- what the coach does --------------------------------------------------

    def coach_mode(self, mode: str | None) -> None:
        """The coach now listens as `mode` says (Coach.listening: idle, running, paused, reminded, or "running after
        help" and the like); None: listen for every phrase (audio files)."""
        if mode is not None and mode not in self._heard:
            self._heard[mode] = self.grammar.phrases_heard(mode)
        self._wanted = None if mode is None else self._heard[mode]

    def playing(self, utterance_id: int, t: float) -> None:
        """The loudspeaker started playing utterance `utterance_id` at time `t`."""
        self._playback.playing.add(utterance_id)

    def finished(self, utterance_id: int, t: float, sample: int | None = None) -> None:
        """Utterance `utterance_id` stopped at `t` (ended, cut or dropped); `sample`: that moment in microphone
        samples, if known, from which the echo canceller's reference is dropped (a cut clip's words never played)."""
        if utterance_id not in self._playback.playing:
            return  # dropped before it started: it never played
        self._playback.playing.discard(utterance_id)
        self._playback.last_end = max(self._playback.last_end, t)
        if self.echo is not None and sample is not None:
            self.echo.silence_from(sample)

    def loudspeaker(self, samples: npt.NDArray[np.float32], sample: int) -> None:
        """The loudspeaker plays `samples` (float32 at the microphone's rate) from microphone sample `sample` on."""
        if self.echo is not None:
            self.echo.play(samples, sample)

    def speaking(self, now: float) -> bool:
        """Whether the coach's voice may be in what the microphone hears at `now`."""
        playback = self._playback
        return bool(playback.playing) or now - playback.last_end < self.settings.mute_tail

    def new_microphone(self) -> None:
        """The microphone was reopened and counts its samples from 0: the canceller starts afresh (a clip playing
        across the reconnect goes uncancelled)."""
        if self.echo is not None:
            self.echo = EchoCanceller(self.echo.sample_rate, self.echo.settings)

    # --- what the microphone hears -------------------------------------------------

    def hear(self, pcm: bytes, now: float) -> list[Recognized]:
        """Take the microphone's next 16-bit mono PCM, heard at `now`; return the commands committed in it."""
        pcm = self._cancel_echo(pcm)
        if not pcm:
            return []
        if self._wanted != self._told:  # paused's phrases are running's: no new search for them
            self._told = self._wanted
            self.recognizer.listen_for(self._wanted)
        speaking = self.speaking(now)
        if speaking != self._restricted:
            self._restricted = speaking
            self.recognizer.restrict(self._barge_in if speaking else None)
        return self._commands(self.recognizer.accept(pcm))

    def flush(self) -> list[Recognized]:
        """The end of the audio: decide what is pending."""
        tail = b""
        if self.echo is not None:
            tail = self.echo.flush()
        detections = self.recognizer.accept(tail) if tail else []
        return self._commands([*detections, *self.recognizer.flush()])

    def _cancel_echo(self, pcm: bytes) -> bytes:
        if self.echo is None:
            return pcm
        try:
            return self.echo.process(pcm)
        except Exception:  # a bug there must not end the session: the barge-in rule still guards
            log.exception("the echo canceller failed: the recognizer hears the microphone as it is from now on")
            self.echo = None
            return pcm

    def _commands(self, detections: list[Detection]) -> list[Recognized]:
        out = []
        for detection in detections:
            command = self.grammar.match(detection.text)
            if command is None:  # a recognizer is built from the grammar's phrases: this is a bug, say so
                log.warning("the recognizer returned %r, which is not a command phrase", detection.text)
                continue
            out.append(Recognized(detection.t, command, detection.text, detection.sure))
        return out


def hear_stream(hearing: HearingPath, blocks: Iterable[bytes]) -> list[Recognized]:
    """Every command in a stream of audio blocks, on the audio's own time (files, the benchmarks' audio), then
    what is pending at its end."""
    heard: list[Recognized] = []
    samples = 0
    for block in blocks:
        samples += len(block) // 2
        heard += hearing.hear(block, samples / hearing.sample_rate)
    return heard + hearing.flush()
