"""`voicecoach enroll` by voice: the enrolment conversation on the live loop, its takes cut from the hearing path."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.asr.enrolled.conversation import (
    STOP,
    Action,
    EnrolmentConversation,
    Finished,
    StopHearer,
    TakeMaker,
    in_order,
)
from voicecoach.asr.enrolled.conversation import Say as Ask
from voicecoach.asr.enrolled.matcher import Take
from voicecoach.asr.enrolled.segments import Segment, Segmenter
from voicecoach.asr.enrolled.takes import RATE
from voicecoach.audio.echo import EchoCanceller
from voicecoach.core.events import (
    Alert,
    Command,
    Effect,
    Event,
    Heard,
    Say,
    SessionEnded,
    StopSpeaking,
    UtteranceFinished,
)
from voicecoach.core.grammar import Grammar
from voicecoach.core.tempo import DEFAULT_RATE
from voicecoach.errors import VoicecoachError
from voicecoach.runtime.hearing import HearingPath
from voicecoach.runtime.live import LiveLoop, Microphone, OpenSpeaker

# Theory of operation
# -------------------
# The live loop runs an EnrolmentSession in place of the coach. The microphone's audio goes through the same
# hearing path as in a coaching session (echo canceller, the recognizer restricted to barge-in phrases while
# the coach speaks), where a TakeCutter stands in for the recognizer: it hands the audio on to the general
# recognizer, which hears "stop", and cuts speech segments out of the same audio with the enrolled matcher's
# Segmenter. A segment that began after the coach fell silent (and the hearing path's mute tail) is a take; it
# is posted to the loop's thread, where the conversation embeds it and answers, together with what the general
# recognizer committed about it (those commits travel with the take alone, so a "stop" said as the take of
# "stop" is never also heard as "stop" once the conversation has moved on). "Stop" heard anywhere else, also
# over the coach's voice (a barge-in phrase), ends the enrolment, except while "stop" itself is asked for.
# A segment that began while the coach spoke is no take, but is posted too (`on_over`): once stop has its two
# takes, the conversation hears stop in it by the person's own voice, where the general recognizer, listening
# through the coach's echo, often does not.
# A lost microphone ends it too: the session says so, and the command exits saying what to do next.

TAKE_KEEP_S = 8.0
"""Seconds of audio the cutter keeps. Speech going on for twice as long is talk and never handed on; a take
longer than enrol.MAX_SECONDS is handed on, and the conversation asks for it again."""
HOLD_S = 0.5
"""Seconds of audio a take is held after it ends, unless the general recognizer commits first: so that a
"stop" said for another command is known to be "stop" before the take is handed on."""
BEFORE_S = 0.5
"""A commit this long before a take began is still about it (the recognizer's endpointer runs ahead)."""

TakeCallback = Callable[[npt.NDArray[np.int16], tuple[str, ...]], None]
"""(the take's audio, what the general recognizer committed about it)"""
OverCallback = Callable[[npt.NDArray[np.int16]], None]
"""(the audio of a segment that began while the coach spoke)"""


# The coaching modes. A command heard only for a moment (the check-in's numbers while the coach asks, "not now"
# after a reminder, "more" after help) is left out of the full enrolment, which would otherwise outgrow three
# minutes (30 commands); `voicecoach enroll COMMAND` enrols any one of them.
_COACHING = ("idle", "running", "paused")


NOT_COMMANDS = ("okay", "yes", "no", "thanks", "good", "all set", "not bad", "hello")
"""Words a person says that are no command, enrolled once each after the commands: a segment nearer them than
the commands' takes is no command (matcher.Matcher). None is among the short replies the benchmarks measure
false commands on (benchmarks/replies.py), nor a paraphrase of one."""


def enrolment_phrases(grammar: Grammar, everything: bool = False) -> list[str]:
    """Each command heard while coaching (every command if `everything`) once, as its first phrase (its canonical
    name: "stop", "start bridge"; the check-in's scores as their numbers, "four"), in the grammar's order."""
    first: dict[Command, str] = {}
    for phrase, command in grammar.table.items():
        if everything or any(grammar.listens(command.name, mode) for mode in _COACHING):
            first.setdefault(command, phrase)
    return list(first.values())


class TakeCutter:
    """A Recognizer for the hearing path: `general`'s commits as they are, and each speech segment that began
    while the coach was silent handed to `on_take` (on the decoder's thread), with what `general` heard in it; each
    that began while the coach spoke, to `on_over` as soon as it ends."""

    def __init__(self, general: Recognizer, on_take: TakeCallback, on_over: OverCallback | None = None) -> None:
        if general.sample_rate != RATE:
            raise ValueError(f"takes are cut from {RATE} Hz audio, not {general.sample_rate} Hz")
        self.general = general
        self.on_take = on_take
        self.on_over = on_over
        self.sample_rate = RATE
        self._segments = Segmenter(TAKE_KEEP_S)
        self._muted = False
        self._quiet_from = 0  # the first sample heard after the coach last spoke
        self._held: list[Segment] = []
        self._commits: list[Detection] = []  # the general recognizer's, of the last TAKE_KEEP_S

    def accept(self, pcm: bytes) -> list[Detection]:
        out = self.general.accept(pcm)
        for segment in self._segments.feed(pcm):
            if segment.start >= self._quiet_from:
                self._held.append(segment)
            elif self.on_over is not None:
                self.on_over(segment.audio)
        if self._muted:
            self._quiet_from = self._segments.samples
        return self._release(out, self._segments.samples)

    def flush(self) -> list[Detection]:
        out = self.general.flush()
        self._segments.flush()  # a take cut short by the end of the audio is no take
        return self._release(out, None)

    def restrict(self, phrases: frozenset[str] | None) -> None:
        """The hearing path restricts the recognizer exactly while the coach's voice may be in the audio."""
        self._muted = phrases is not None
        if self._muted:
            self._quiet_from = self._segments.samples
        self.general.restrict(phrases)

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        self.general.listen_for(phrases)

    def _release(self, detections: list[Detection], now: int | None) -> list[Detection]:
        """Hand on each held take the general recognizer has committed about, or has had HOLD_S to; the new
        `detections` that were not handed on with a take."""
        self._commits = [d for d in [*self._commits, *detections]
                         if now is None or d.t * RATE >= now - TAKE_KEEP_S * RATE]
        handed: list[Detection] = []
        for segment in list(self._held):
            about = [d for d in self._commits if d.t * RATE >= segment.start - BEFORE_S * RATE]
            if about or now is None or now >= segment.end + HOLD_S * RATE:
                self._held.remove(segment)
                handed += about
                self.on_take(segment.audio, tuple(d.text for d in about))
        return [d for d in detections if not any(d is h for h in handed)]


class EnrolmentSession:
    """The conversation as the live loop runs a session: its lines as Say effects, its silence timer counted from
    the end of the coach's words, a take taken only while the coach is silent, "stop" heard at any time (over
    the coach's voice too), and a lost microphone the end."""

    listening: str | None = None  # the recognizer listens for every phrase: fewer sounds are forced onto "stop"

    def __init__(self, conversation: EnrolmentConversation, stops: frozenset[str], rate: int = DEFAULT_RATE) -> None:
        self.conversation = conversation
        self.stops = stops
        """The phrases of "stop"."""
        self.rate = rate
        self.finished: Finished | None = None
        self._next_id = 0
        self._speaking: set[int] = set()  # utterances said and not yet finished

    def start(self, now: float) -> list[Effect]:
        return self._effects(self.conversation.start(now))

    def handle(self, event: Event, now: float) -> list[Effect]:
        if isinstance(event, UtteranceFinished) and event.utterance_id in self._speaking:
            self._speaking.discard(event.utterance_id)
            if not self._speaking:
                self.conversation.listening(now)
        elif isinstance(event, Heard) and event.command.name == "stop":
            return self._effects(self.conversation.stop(now))
        elif isinstance(event, Alert) and event.kind == "microphone lost":
            return self._effects(self.conversation.microphone_lost(now))
        return []

    def take(self, audio: npt.NDArray[np.int16], heard: tuple[str, ...], now: float) -> list[Effect]:
        """A take cut from the microphone; `heard`: what the general recognizer committed in it."""
        if self.stops & set(heard) and self.conversation.asking != STOP:
            return self._effects(self.conversation.stop(now))  # the person said stop: no take
        if self._speaking:  # begun in a pause between the coach's lines: no take, but perhaps stop over them
            return self.spoken_over(audio, now)
        return self._effects(self.conversation.heard(audio, now))

    def spoken_over(self, audio: npt.NDArray[np.int16], now: float) -> list[Effect]:
        """A segment of speech that began while the coach spoke (perhaps "stop", said over it)."""
        return self._effects(self.conversation.spoken_over(audio, now))

    def next_deadline(self) -> float | None:
        return None if self._speaking else self.conversation.deadline()

    def on_timer(self, now: float) -> list[Effect]:
        return [] if self._speaking else self._effects(self.conversation.tick(now))

    def _effects(self, actions: list[Action]) -> list[Effect]:
        out: list[Effect] = []
        interrupting = bool(self._speaking)
        for action in actions:
            if isinstance(action, Ask):
                self._next_id += 1
                self._speaking.add(self._next_id)
                out.append(Say(self._next_id, action.text, self.rate))
            else:
                self.finished = action
                if interrupting and action.stopped:
                    out.insert(0, StopSpeaking())  # the coach breaks off its sentence to answer
                out.append(SessionEnded("stopped" if action.stopped else "finished"))
        return out


@dataclass(frozen=True)
class Enrolled:
    """What a spoken enrolment learned, and why it ended early if it did not end by itself or by "stop"."""

    takes: list[Take]
    failure: str | None = None
    """The microphone lost, or the audio or recognizer failing: one line, without what to do next."""


def enrol_by_voice(phrases: Sequence[str], make_take: TakeMaker, general: Recognizer, grammar: Grammar,
                   microphone: Microphone, open_speaker: OpenSpeaker, echo: EchoCanceller | None,
                   clock: Callable[[], float] = time.monotonic, rate: int = DEFAULT_RATE,
                   print_fn: Callable[[str], None] = print, hears_stop: StopHearer | None = None,
                   others: Sequence[str] = ()) -> Enrolled:
    """Run the enrolment of `phrases` (then of `others`, words that are no command) on the microphone and speaker
    until it is done, the person says stop (or Ctrl-C, or SIGTERM), or the microphone is lost or fails; the takes
    learned so far, whatever ended it. Stop is asked for first (in_order); once it has its two takes, `hears_stop`
    hears stop by them too."""
    conversation = EnrolmentConversation(in_order(phrases), make_take, hears_stop=hears_stop, others=others)
    stops = frozenset(phrase for phrase, command in grammar.table.items() if command.name == "stop")
    session = EnrolmentSession(conversation, stops, rate)

    def on_take(audio: npt.NDArray[np.int16], heard: tuple[str, ...]) -> None:
        loop.post(functools.partial(session.take, audio, heard))

    def on_over(audio: npt.NDArray[np.int16]) -> None:
        loop.post(functools.partial(session.spoken_over, audio))

    hearing = HearingPath(TakeCutter(general, on_take, on_over), grammar, echo)
    loop = LiveLoop(session, hearing, microphone, open_speaker, clock=clock, print_fn=print_fn,
                    exit_when_session_ends=True)
    try:
        loop.run()
    except KeyboardInterrupt:
        print_fn("Interrupted: the takes so far are kept.")
    except (VoicecoachError, OSError) as error:  # the decoder's failure, as the live loop reports it
        return Enrolled(list(conversation.takes), str(error))
    if session.finished is not None and session.finished.microphone_lost:
        return Enrolled(list(conversation.takes), "the microphone was lost during the enrolment")
    return Enrolled(list(conversation.takes))
