"""Stream every clip set through every approach on a pool of worker processes, one fresh recognizer per job."""

from __future__ import annotations

import bisect
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.approaches import Approach
from benchmarks.corpus import (
    BARGE_IN,
    COACH,
    COACH_UNMUTED,
    FLITE,
    FLITE_NON_COMMANDS,
    LEVEL_PREFIX,
    NOISY_NON_COMMANDS,
    NON_COMMANDS_RUNNING,
    RATE,
    ClipSet,
)
from voicecoach.audio.echo import EchoCanceller
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.hearing import HearingPath

CHUNK = RATE // 10  # 100 ms per accept(), about what a microphone delivers
JOB_SECONDS = 400.0  # audio per job: long enough that building the recognizer is a small overhead
# voicecoach.runtime.live keeps the recognizer restricted for this long after the loudspeaker stops.
# Relative decoding cost, to start the longest jobs first.
_COST = {"open-vocabulary": 3.0, "shipped-pocketsphinx": 1.0, "shipped-vosk": 1.0, "grammar-only": 0.2,
         "command-model": 0.05}


@dataclass(frozen=True)
class Job:
    """A contiguous run of one set's items, streamed through a fresh recognizer of one approach."""

    approach: Approach
    set_name: str
    track: str
    start: int
    end: int
    speaking: tuple[tuple[float, float], ...]
    """Intervals (seconds from the job's start) during which the coach's loudspeaker plays."""
    grammar: Grammar
    """What the recognizer is built from, and what the hearing path listens for in each mode and while speaking."""
    played: str | None = None
    """The loudspeaker's track (.npy, aligned with `track`), or None: the shipped approaches cancel its echo."""
    modes: tuple[tuple[float, str | None], ...] = ()
    """(seconds from the job's start, the coach's mode) from each clip on: the recognizer listens for its phrases."""


@dataclass
class JobResult:
    approach: str
    set_name: str
    offset: float
    detections: list[tuple[float, str]]
    cpu_s: float
    audio_s: float


@dataclass
class Decoded:
    """Everything one approach committed, per set and per item, and what decoding cost."""

    per_item: dict[str, list[list[tuple[float, str]]]] = field(default_factory=dict)
    cpu_s: float = 0.0
    audio_s: float = 0.0


def run_job(job: Job) -> JobResult:
    """Stream the job's audio in 100 ms chunks through the coach's hearing path, told when the loudspeaker plays
    and what the coach's mode is, as the live loop tells it."""
    audio = np.load(job.track, mmap_mode="r")[job.start : job.end]
    pcm = np.ascontiguousarray(audio, dtype="<i2").tobytes()
    rec = job.approach.build(job.grammar.phrases(), job.grammar.table)
    played = None
    echo = None
    if job.played is not None and job.approach.kind.startswith("shipped"):
        played = np.load(job.played, mmap_mode="r")[job.start : job.end]
        echo = EchoCanceller(RATE)  # one for the job, as voicecoach.live keeps one: the room stays the room
    hearing = HearingPath(rec, job.grammar, echo)
    found: list[tuple[float, str]] = []
    t0 = time.process_time()
    modes = list(job.modes)
    speaking = list(enumerate(job.speaking))
    for i in range(0, len(pcm), CHUNK * 2):
        while modes and modes[0][0] <= i / 2 / RATE:  # as the live loop: the coach's mode, at the clip's start
            hearing.coach_mode(modes.pop(0)[1])
        now = min(len(pcm), i + CHUNK * 2) / 2 / RATE
        while speaking and speaking[0][1][0] <= now:  # the loudspeaker's starts and ends, as the speaker reports
            uid, (start, end) = speaking[0]
            hearing.playing(uid, start)
            if end > now:
                break
            hearing.finished(uid, end)
            speaking.pop(0)
        if played is not None:
            # The loudspeaker's next 100 ms reach the canceller before the microphone's, as in the live loop.
            first = 0 if i == 0 else i // 2 + CHUNK
            ahead = np.asarray(played[first : i // 2 + 2 * CHUNK])
            if ahead.any():
                hearing.loudspeaker(ahead, first)
        found += [(r.t, r.text) for r in hearing.hear(pcm[i : i + CHUNK * 2], now)]
    found += [(r.t, r.text) for r in hearing.flush()]
    cpu = time.process_time() - t0
    return JobResult(job.approach.key, job.set_name, job.start / RATE, found, cpu, len(audio) / RATE)


def decodes(kind: str, set_name: str) -> bool:
    """Whether an approach decodes a set: the comment above corpus.LEVEL_PREFIX says why some do not."""
    if kind.startswith("shipped"):
        return True
    whole = (BARGE_IN, COACH_UNMUTED, NON_COMMANDS_RUNNING)
    if set_name in whole or set_name.startswith((LEVEL_PREFIX, NOISY_NON_COMMANDS)):
        return False
    if set_name in (f"commands@{FLITE}", FLITE_NON_COMMANDS):  # and the grammar-only baseline
        return kind == "grammar-only"
    return not (kind == "open-vocabulary" and set_name == COACH)


def plan_jobs(approaches: Sequence[Approach], sets: Sequence[ClipSet], tracks: dict[str, Path], grammar: Grammar,
              played: dict[str, Path] | None = None) -> list[Job]:
    """Jobs of about JOB_SECONDS of audio, costliest first."""
    jobs = []
    for cs in sets:
        bounds = cs.bounds()
        groups: list[list[int]] = [[]]
        for i, (_, b) in enumerate(bounds):
            if groups[-1] and (b - bounds[groups[-1][0]][0]) / RATE > JOB_SECONDS:
                groups.append([])
            groups[-1].append(i)
        for g in groups:
            start, end = bounds[g[0]][0], bounds[g[-1]][1]
            speaking = tuple((bounds[i][0] / RATE - start / RATE + s, bounds[i][0] / RATE - start / RATE + e)
                             for i in g if (sp := cs.items[i].speaking) is not None for s, e in [sp])
            modes = tuple(((bounds[i][0] - start) / RATE, cs.items[i].mode) for i in g)
            for ap in approaches:
                if not decodes(ap.kind, cs.name):
                    continue
                ref = (played or {}).get(cs.name)
                jobs.append(Job(ap, cs.name, str(tracks[cs.name]), start, end, speaking, grammar,
                                None if ref is None else str(ref), modes))
    return costliest_first(jobs)


def costliest_first(jobs: Sequence[Job]) -> list[Job]:
    """The jobs in the order to start them: the longest decoding first, so that no long one is left for last."""
    return sorted(jobs, key=lambda j: -(j.end - j.start) * _COST.get(j.approach.kind, 1.0))


def decode_all(jobs: Sequence[Job], sets: Sequence[ClipSet], workers: int,
               progress: Callable[[int, int], None] | None = None) -> dict[str, Decoded]:
    """Run the jobs on `workers` processes; detections credited to the item whose audio holds their time."""
    by_name = {cs.name: cs for cs in sets}
    starts = {cs.name: [a / RATE for a, _ in cs.bounds()] for cs in sets}
    out: dict[str, Decoded] = {}
    ctx = multiprocessing.get_context("spawn")  # the parent may run espeak's thread: never fork it
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        futures = [pool.submit(run_job, j) for j in jobs]
        for n, fut in enumerate(as_completed(futures), 1):
            res = fut.result()
            dec = out.setdefault(res.approach, Decoded())
            per = dec.per_item.setdefault(res.set_name, [[] for _ in by_name[res.set_name].items])
            dec.cpu_s += res.cpu_s
            dec.audio_s += res.audio_s
            first = bisect.bisect_right(starts[res.set_name], res.offset + 1e-9) - 1
            last = bisect.bisect_right(starts[res.set_name], res.offset + res.audio_s - 1e-9) - 1
            for t, text in res.detections:
                at = res.offset + t
                i = min(last, max(first, bisect.bisect_right(starts[res.set_name], at) - 1))
                per[i].append((at, text))
            if progress:
                progress(n, len(jobs))
    return out
