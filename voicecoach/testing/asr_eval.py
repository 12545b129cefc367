"""Scoring recognizers on labelled espeak-ng clips: the corpus, streaming, recall and false triggers."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.testing import speech

PHRASES = [
    "next", "back", "go back", "previous", "repeat", "say that again", "pause", "wait", "hold on", "hang on", "resume",
    "continue",
    "stop", "stop stop", "stop please", "please stop", "skip", "help", "what can i say", "how long",
    "how much longer", "slower", "faster",
    "list exercises", "what exercises", "it hurts", "that hurts", "pain", "ouch", "that really hurts",
    "my back hurts", "start pelvic tilts",
    "start pelvic tilt", "start cat stretch", "start cat", "start lower back rotational stretch",
    "start rotational stretch", "start rotation", "start knee to chest stretch", "start knee to chest",
    "start bridge", "start routine", "start workout",
]  # fmt: skip
VOICES = ["en-us", "en-gb", "en+f3", "en-us+m3", "en-gb-x-rp", "en-029", "en-us+f2"]
SPEEDS = [130, 160, 200]
BARGE_IN = frozenset({"stop", "pause", "wait", "it hurts", "that hurts", "pain"})
COACH_VOICE, COACH_WPM = "en-us", 150
COACH_SENTENCES = [
    "Next, we do the bridge.",
    "Say stop at any time, or pause if you need a rest.",
    "Hold for five seconds.",
    "Repeat the exercise three times.",
    "Now the knee to chest stretch. Lie down with your back towards the floor.",
    "If it hurts, stop and rest for a while.",
    "Slowly breathe in, and breathe out. Keep going.",
    "Good. Now relax and wait for the next one.",
    "We will start with pelvic tilts. Then the cat stretch.",
    "That was the last one. Well done, you can rest now.",
]
SOUND_ALIKES = [
    "stopping", "nest", "text", "bridges", "pose", "repeat after me", "stopped", "paws", "pane", "whale",
    "sleep", "helpful", "skipping", "backs", "hurting", "starting", "wade", "paint", "neck",
]
# Sound-alikes that are exact homophones of a command word in the CMU dictionary ("pane" P EY N is "pain"):
# no recognizer can tell them apart by sound, so they are scored apart from the false triggers.
HOMOPHONES = {"pane": "pain", "paws": "pause"}
# The article the content comes from, read aloud: ordinary speech that must yield no command.
SEED_ARTICLE = Path(__file__).resolve().parents[2] / "tests" / "data" / "seed-article.txt"


@dataclass(frozen=True)
class Clip:
    """One labelled utterance: what a recognizer should commit for it (None: nothing)."""

    audio: speech.Audio
    expect: str | None
    label: str


@dataclass
class Outcome:
    """What the recognizer committed during one clip, and when its speech ended."""

    clip: Clip
    detections: list[Detection] = field(default_factory=list)
    speech_end: float = 0.0

    @property
    def correct(self) -> bool:
        if self.clip.expect is None:
            return not self.detections
        return [d.text for d in self.detections] == [self.clip.expect]


def speech_end(audio: speech.Audio, rate: int = speech.RATE) -> float:
    """Seconds into a clip where its speech ends: the last 10 ms within 35 dB of the loudest."""
    hop = rate // 100
    x = audio[: len(audio) // hop * hop].astype(np.float64).reshape(-1, hop)
    db = 10 * np.log10((x**2).mean(axis=1) + 1.0)
    loud = np.nonzero(db >= db.max() - 35.0)[0]
    return float((loud[-1] + 1) * hop / rate) if len(loud) else 0.0


def stream(rec: Recognizer, clips: Sequence[Clip], chunk: int = 1600) -> list[Outcome]:
    """Play clips one after another through one recognizer, as one stream; credit each commit to its clip."""
    bounds: list[tuple[float, float]] = []
    t = 0.0
    for c in clips:
        bounds.append((t, t + len(c.audio) / speech.RATE))
        t = bounds[-1][1]
    outcomes = [Outcome(c, speech_end=b[0] + speech_end(c.audio)) for c, b in zip(clips, bounds, strict=True)]
    detections: list[Detection] = []
    audio = np.concatenate([c.audio for c in clips])
    for piece in speech.chunks(audio, chunk):
        detections += rec.accept(piece)
    detections += rec.flush()
    for d in detections:
        for o, (start, end) in zip(outcomes, bounds, strict=True):
            if start <= d.t < end or (o is outcomes[-1] and d.t >= start):
                o.detections.append(d)
                break
    return outcomes


def _stream_job(args: tuple[Callable[[], Recognizer], list[Clip]]) -> list[Outcome]:
    factory, clips = args
    return stream(factory(), clips)


def stream_parallel(factory: Callable[[], Recognizer], clips: Sequence[Clip], workers: int = 0) -> list[Outcome]:
    """stream() split over processes (one recognizer each), outcomes in clip order."""
    workers = workers or min(4, os.cpu_count() or 1)
    parts = [list(clips[i::workers]) for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(_stream_job, [(factory, p) for p in parts]))
    out: list[Outcome | None] = [None] * len(clips)
    for w, res in enumerate(results):
        for k, o in enumerate(res):
            out[w + k * workers] = o
    return [o for o in out if o is not None]


def command_clips(snr_db: float | None, voices: Sequence[str] = VOICES, speeds: Sequence[int] = SPEEDS,
                  phrases: Sequence[str] = PHRASES) -> list[Clip]:
    """Every phrase in every voice at every speed, padded with pauses, optionally in white noise."""
    clips = []
    for i, (voice, wpm, phrase) in enumerate((v, w, p) for v in voices for w in speeds for p in phrases):
        raw = speech.synthesize(phrase, voice, wpm)
        clips.append(Clip(_condition(raw, snr_db, i), phrase, f"{phrase!r} {voice}@{wpm}"))
    return clips


def sentence_clips(sentences: Sequence[str], voices: Sequence[str], snr_db: float | None = None,
                   wpm: int = 160) -> list[Clip]:
    """Non-command speech: every sentence in each voice, expecting no command."""
    clips = []
    for i, (voice, text) in enumerate((v, t) for v in voices for t in sentences):
        clips.append(Clip(_condition(speech.synthesize(text, voice, wpm), snr_db, i), None, f"{text!r} {voice}"))
    return clips


def _condition(raw: speech.Audio, snr_db: float | None, seed: int) -> speech.Audio:
    padded = speech.pad(raw, 0.6, 1.0)
    if snr_db is None:
        return padded
    return speech.add_white_noise(padded, snr_db, seed=seed, speech_rms=speech.active_rms(raw))


def article_sentences(limit: int = 40) -> list[str]:
    """Plain sentences from the seed article (a stand-in for ordinary talk in the room)."""
    text = SEED_ARTICLE.read_text(encoding="utf-8") if SEED_ARTICLE.exists() else ""
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    out = []
    for p in parts:
        p = re.sub(r"[^A-Za-z0-9 ,.'-]", " ", p).strip()
        if 4 <= len(p.split()) <= 25 and p not in out:
            out.append(p)
    return out[:limit]


def report(outcomes: Sequence[Outcome], limit: int = 40) -> str:
    """The failures, one per line, for an assertion message."""
    bad = [o for o in outcomes if not o.correct]
    lines = [f"{o.clip.label}: got {[d.text for d in o.detections]}" for o in bad[:limit]]
    more = f"\n... and {len(bad) - limit} more" if len(bad) > limit else ""
    return "\n".join(lines) + more


def per_phrase_recall(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """Recall of each expected phrase over its clips."""
    tally: dict[str, list[int]] = {}
    for o in outcomes:
        if o.clip.expect is not None:
            tally.setdefault(o.clip.expect, [0, 0])
            tally[o.clip.expect][0] += o.correct
            tally[o.clip.expect][1] += 1
    return {p: ok / n for p, (ok, n) in tally.items()}
