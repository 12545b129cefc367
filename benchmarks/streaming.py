"""Labelled espeak-ng clips streamed one after another through one recognizer: what it committed in each, and when."""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from benchmarks.corpus import SPEEDS, VOICES, speech_end
from voicecoach.asr.base import Detection, Recognizer
from voicecoach.core.content import load_content
from voicecoach.core.grammar import Grammar, load_grammar
from voicecoach.paths import default_content_dir, default_grammar_dir
from voicecoach.testing import speech


@functools.cache
def shipped_grammar() -> Grammar:
    """The grammar voicecoach ships, over the content it ships."""
    return load_grammar(default_grammar_dir(), load_content(default_content_dir()))


PHRASES: list[str] = shipped_grammar().phrases()
"""Every command phrase of the shipped grammar."""


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


def stream(rec: Recognizer, clips: Sequence[Clip], chunk: int = 1600) -> list[Outcome]:
    """Play clips one after another through one recognizer, as one stream; credit each commit to its clip."""
    bounds: list[tuple[float, float]] = []
    t = 0.0
    for c in clips:
        bounds.append((t, t + len(c.audio) / speech.RATE))
        t = bounds[-1][1]
    outcomes = [Outcome(c, speech_end=b[0] + speech_end(c.audio)) for c, b in zip(clips, bounds, strict=True)]
    detections: list[Detection] = []
    for piece in speech.chunks(np.concatenate([c.audio for c in clips]), chunk):
        detections += rec.accept(piece)
    detections += rec.flush()
    for d in detections:
        for o, (start, end) in zip(outcomes, bounds, strict=True):
            if start <= d.t < end or (o is outcomes[-1] and d.t >= start):
                o.detections.append(d)
                break
    return outcomes


@dataclass(frozen=True)
class Job:
    """Clips to stream through recognizers that a picklable factory makes."""

    factory: Callable[[], Recognizer]
    clips: Sequence[Clip]
    alone: bool = False
    """Each clip through a recognizer of its own, rather than one after another through one."""


def _stream_part(job: Job) -> list[Outcome]:
    if job.alone:
        return [stream(job.factory(), [clip])[0] for clip in job.clips]
    return stream(job.factory(), job.clips) if job.clips else []


def stream_many(jobs: Sequence[Job], workers: int = 0) -> list[list[Outcome]]:
    """Each job split over `workers` processes (one recognizer a part), all in one pool; each job's outcomes in clip
    order."""
    workers = workers or min(4, os.cpu_count() or 1)
    parts = [Job(job.factory, list(job.clips[i::workers]), job.alone) for job in jobs for i in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_stream_part, parts))
    out = []
    for j, job in enumerate(jobs):
        merged: list[Outcome | None] = [None] * len(job.clips)
        for w in range(workers):
            for k, o in enumerate(results[j * workers + w]):
                merged[w + k * workers] = o
        out.append([o for o in merged if o is not None])
    return out


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


def report(outcomes: Sequence[Outcome], limit: int = 40) -> str:
    """The failures, one per line, for an assertion message."""
    bad = [o for o in outcomes if not o.correct]
    lines = [f"{o.clip.label}: got {[d.text for d in o.detections]}" for o in bad[:limit]]
    more = f"\n... and {len(bad) - limit} more" if len(bad) > limit else ""
    return "\n".join(lines) + more
