"""`voicecoach demo`: a whole spoken session with no microphone or loudspeaker, written to a WAV and a transcript."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voicecoach.audio.espeak import espeak
from voicecoach.audio.tts import Renderer
from voicecoach.audio.wavinput import to_pcm16
from voicecoach.core.coach import Coach
from voicecoach.core.content import Content
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.hearing import HearingPath
from voicecoach.runtime.virtual import Line, VirtualSession

Samples = npt.NDArray[np.float32]
RATE = 16000
CHUNK_S = 0.1  # as the microphone delivers audio
# The coach's voice at the microphone against the person's: the microphone lies by the
# person, the loudspeaker further off (about 10 dB quieter).
ECHO_GAIN = 0.3
LIMIT_S = 900.0
REPEAT_AFTER_S = 4.0  # a person waits this long for a reaction before saying a command again
MAX_TRIES = 3
USER_VOICE = "en-us"  # espeak-ng's voice for the person; the coach speaks with pyttsx3's default voice
# How far ahead of the microphone the echo canceller learns what the loudspeaker plays: more than its
# EchoSettings.lead, as the live loop's speaker is ahead of its microphone by a buffer or more.
ECHO_AHEAD_S = 0.1


@dataclass(frozen=True)
class Cue:
    """The person says `words`, `delay` seconds after the start or end of a coach utterance matching `after`."""

    words: str
    after: str
    at: str = "end"  # "start" | "end"
    delay: float = 1.0


# A session a listener can follow: start an exercise, move on with "next", pause in the middle of a count and
# resume, ask how long, then stop: the commands as people say them, heard by the default recognizer.
SCENARIO = (
    Cue("start rotation", after=r"(?i)\bready\b", delay=0.8),  # the ready prompt, however content words it
    Cue("next", after=r"^Keep both feet flat", delay=0.8),
    Cue("pause", after=r"^Three\.$", at="start", delay=0.4),
    Cue("resume", after=r"^Holding here\.", delay=2.5),
    Cue("how long", after=r"^Return to the starting position", delay=0.8),
    Cue("stop", after=r"^Return to the starting position", delay=1.0),
)


@dataclass
class UserLine:
    """What the person said, and when; and what the recognizer made of it."""

    t: float
    words: str
    audio: Samples
    heard: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class DemoResult:
    """The session: the coach's lines, the person's lines, and the mixed audio."""

    coach_lines: list[Line]
    user_lines: list[UserLine]
    commands: list[tuple[float, str]]  # (commit time, command) as the coach received them
    audio: Samples
    ended: list[str]
    missed: list[str]  # commands not heard after several tries: the demo stopped there

    def transcript(self) -> str:
        rows: list[tuple[float, str]] = []
        for line in self.coach_lines:
            if not line.dropped:
                rows.append((line.start, f"coach: {line.text}" + ("  [cut]" if line.cut else "")))
        for user in self.user_lines:
            rows.append((user.t, f"you  : {user.words}"))
        for t, command in self.commands:
            rows.append((t, f"       (heard: {command})"))
        return "\n".join(f"[{t:7.2f}s] {text}" for t, text in sorted(rows, key=lambda row: row[0])) + "\n"


def run_demo(content: Content, grammar: Grammar, hearing: HearingPath,
             coach_voice: Callable[[str, int], Samples], user_voice: Callable[[str], Samples],
             scenario: Sequence[Cue] = SCENARIO) -> DemoResult:
    """Run a session on a virtual clock, chunk by chunk: what the microphone hears goes through `hearing`, told
    what the loudspeaker plays as the live loop tells it."""
    rendered: dict[tuple[str, int], Samples] = {}

    def voice(text: str, rate: int) -> Samples:
        if (text, rate) not in rendered:
            rendered[text, rate] = coach_voice(text, rate)
        return rendered[text, rate]

    session = VirtualSession(Coach(content, grammar), grammar,
                             duration=lambda text, rate: len(voice(text, rate)) / RATE)
    session.start()
    loudspeaker = _Loudspeaker(hearing, session.coach_lines, voice)
    users: list[UserLine] = []
    missed: list[str] = []  # commands the recognizer never heard, after MAX_TRIES
    commands: list[tuple[float, str]] = []
    cues = list(scenario)
    searched_from, due = 0, None
    unanswered: tuple[str, float, int] | None = None  # words said, when to give up waiting, tries
    last_heard = 0.0  # a cue reacts to what the coach said after the previous command was heard
    t = 0.0
    while t < LIMIT_S:
        session.advance(t)
        if cues and due is None and unanswered is None:
            due, searched_from = _cue_time(cues[0], session.coach_lines, searched_from, t, last_heard)
        if cues and due is not None and due <= t:
            words = cues.pop(0).words
            users.append(UserLine(t, words, user_voice(words)))
            unanswered = (words, t + len(users[-1].audio) / RATE + REPEAT_AFTER_S, 1)
            due = None
        if unanswered and unanswered[1] <= t:
            words, _, tries = unanswered
            if tries >= MAX_TRIES:  # give up on the rest of the scenario, honestly reported
                missed.append(words)
                cues.clear()
                unanswered = None
            else:  # not heard: a person would say it again, a little later
                users.append(UserLine(t, words, user_voice(words)))
                unanswered = (words, t + len(users[-1].audio) / RATE + REPEAT_AFTER_S, tries + 1)
        end = t + CHUNK_S
        hearing.coach_mode(session.coach.listening)
        loudspeaker.report(until=end, ahead=end + ECHO_AHEAD_S)
        mic = to_pcm16(_mix(session.coach_lines, users, t, end, voice, ECHO_GAIN))
        for recognized in hearing.hear(mic, end):
            session.advance(max(session.now, recognized.t))
            line = session.hear(recognized.text, recognized.sure)
            loudspeaker.report(until=session.now, ahead=session.now)  # the command may have cut the coach
            commands.append((recognized.t, line.command or recognized.text))
            last_heard = recognized.t
            if users:
                users[-1].heard.append((recognized.t, recognized.text))
            if session.coach.asked_back is None:
                unanswered = None  # else, asked to say it again, the person does, as if unheard
        t = end
        finished = session.ended or missed
        if finished and not cues and not unanswered and not _speaking(session.coach_lines, t - 3.0, t):
            break
    audio = _mix(session.coach_lines, users, 0.0, t, voice, 1.0)
    return DemoResult(session.coach_lines, users, commands, audio, session.ended, missed)


class _Loudspeaker:
    """Tells the hearing path what the virtual loudspeaker plays, as the live loop relays the speaker's reports."""

    def __init__(self, hearing: HearingPath, lines: list[Line], voice: Callable[[str, int], Samples]) -> None:
        self.hearing, self.lines, self.voice = hearing, lines, voice
        self.fed: dict[int, float] = {}  # coach line index -> until when (seconds) the canceller has its audio
        self.started: set[int] = set()
        self.finished: set[int] = set()

    def report(self, until: float, ahead: float) -> None:
        """Starts and ends up to `until`; the audio played up to `ahead` (the speaker runs ahead of the microphone)."""
        for i in range(max(0, len(self.lines) - 8), len(self.lines)):
            line = self.lines[i]
            if line.dropped:
                continue
            if i not in self.started and line.start < until:
                self.started.add(i)
                self.hearing.playing(line.utterance_id, line.start)
            start, stop = max(line.start, self.fed.get(i, line.start)), min(line.end, ahead)
            if stop > start:
                audio = self.voice(line.text, line.rate)
                self.hearing.loudspeaker(audio[round((start - line.start) * RATE) : round((stop - line.start) * RATE)],
                                         round(start * RATE))
                self.fed[i] = stop
            if i in self.started and i not in self.finished and line.end <= until:
                self.finished.add(i)
                self.hearing.finished(line.utterance_id, line.end, round(line.end * RATE))


def coach_voice_of(renderer: Renderer) -> Callable[[str, int], Samples]:
    """The coach's voice as the demo plays it: `renderer`'s speech of (text, words per minute), at RATE."""
    import soxr

    def coach_voice(text: str, rate: int) -> Samples:
        audio = renderer.render(text, rate)
        samples = np.asarray(audio.samples, dtype=np.float32)
        return np.asarray(soxr.resample(samples, audio.sample_rate, RATE), dtype=np.float32)

    return coach_voice


def user_voice(words: str) -> Samples:
    """The person's voice: espeak-ng's USER_VOICE saying `words`, at RATE."""
    return espeak(words, voice=USER_VOICE, wpm=150, rate=RATE).astype(np.float32) / 32768.0


def write_demo(result: DemoResult, out_dir: Path) -> tuple[Path, Path]:
    """Write session.wav (both voices on one timeline) and transcript.txt into `out_dir`."""
    import soundfile

    out_dir.mkdir(parents=True, exist_ok=True)
    wav, text = out_dir / "session.wav", out_dir / "transcript.txt"
    soundfile.write(str(wav), np.clip(result.audio, -1, 1), RATE, subtype="PCM_16")
    text.write_text(result.transcript(), encoding="utf-8")
    return wav, text


def _cue_time(cue: Cue, lines: list[Line], searched_from: int, now: float,
              not_before: float) -> tuple[float | None, int]:
    pattern = re.compile(cue.after, re.IGNORECASE)
    for index in range(searched_from, len(lines)):
        line = lines[index]
        if line.start > now:
            break
        if not line.dropped and line.start >= not_before and pattern.search(line.text):
            anchor = line.start if cue.at == "start" else line.end
            return anchor + cue.delay, index + 1
    return None, searched_from


def _speaking(lines: list[Line], start: float, end: float) -> bool:
    return any(not line.dropped and line.start < end and line.end > start for line in reversed(lines[-8:]))


def _mix(lines: list[Line], users: list[UserLine], start: float, end: float,
         voice: Callable[[str, int], Samples], coach_gain: float) -> Samples:
    """The audio between `start` and `end`: the coach's voice as played (cut where it was cut) plus the person's."""
    first = round(start * RATE)
    out = np.zeros(round(end * RATE) - first, dtype=np.float32)

    def add(audio: Samples, at: float, until: float, gain: float) -> None:
        begin = round(at * RATE)
        stop = min(begin + len(audio), round(until * RATE))
        lo, hi = max(begin, first), min(stop, first + len(out))
        if lo < hi:
            out[lo - first:hi - first] += gain * audio[lo - begin:hi - begin]

    for line in lines:
        if not line.dropped and line.start < end and line.end > start:
            add(voice(line.text, line.rate), line.start, line.end, coach_gain)
    for user in users:
        add(user.audio, user.t, user.t + len(user.audio) / RATE, 1.0)
    return out

