"""LOUD_DB and INSTEAD of voicecoach/asr/enrolled/stop_over.py tried at other values, on training voices only.

Run: .venv/bin/python -m benchmarks.stop_over_tuning
Writes benchmarks/STOP-OVER-TUNING.md.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import numpy as np

from benchmarks.enrolment_spoken import EMBEDDING, GRAMMAR, coach_voice
from voicecoach.asr.enrolled.conversation import STOP, STOP_LEARNED, in_order
from voicecoach.asr.enrolled.enrol import enrol_take
from voicecoach.asr.enrolled.matcher import Matcher, Take, calibrate
from voicecoach.asr.enrolled.segments import Segmenter
from voicecoach.asr.enrolled.takes import speech_span, take_frames
from voicecoach.audio.echo import EchoCanceller
from voicecoach.runtime.enrolment import TAKE_KEEP_S, enrolment_phrases
from voicecoach.testing import speech

OUT = Path(__file__).resolve().parent / "STOP-OVER-TUNING.md"
LOUD_VOICES = ("en-us", "en-us+f2", "en-us+m3")
INSTEAD_VOICES = (*LOUD_VOICES, "en-us+m1", "en-us+f4")
FLOORS_DB = (10.0, 15.0, 20.0, 30.0)
FACTORS = (0.6, 0.7, 0.8, 0.9, 1.0)
STOP_WPM = (140, 160, 190)
LINES = (STOP_LEARNED, "Again.", "Start bridge.", "Start lower back rotational stretch.", "How long.")
STEP_S = 0.3
"""Moments, this far apart, from the start of a line to its end, at which "stop" begins."""
LEAD = 4800  # samples of quiet before the coach's line


@functools.cache
def takes_of(voice: str) -> tuple[Take, ...]:
    make = functools.partial(enrol_take, EMBEDDING())
    return tuple(make(p, f"{p.replace(' ', '_')}-{i}", speech.synthesize(p, voice, wpm))
                 for p in in_order(enrolment_phrases(GRAMMAR())) for i, wpm in ((1, 160), (2, 175)))


def heard(line: str, person: speech.Audio | None, at: float) -> list[speech.Audio]:
    """The segments the TakeCutter hands to on_over: `person` said `at` seconds into the coach's `line`."""
    coach = coach_voice()(line)
    out = np.concatenate([np.zeros(LEAD), coach.astype(np.float64) * 0.1, np.zeros(16000)])
    if person is not None:
        start = LEAD + round(at * 16000)
        out = np.concatenate([out, np.zeros(max(0, start + len(person) + 16000 - len(out)))])
        out[start:start + len(person)] += person
    out += np.random.default_rng(5).normal(0.0, 20.0, len(out))  # the floor's faint noise
    echo = EchoCanceller(16000)
    echo.play(coach.astype(np.float32) / 32767.0, LEAD)
    pcm = echo.process(speech.to_int16(out / 32767.0).tobytes()) + echo.flush()
    segmenter = Segmenter(TAKE_KEEP_S)
    segments = [s for at in range(0, len(pcm), 1600) for s in segmenter.feed(pcm[at:at + 1600])]
    segments += segmenter.flush()
    # Begun while the coach spoke (and the hearing path's mute tail): what on_over is given.
    return [s.audio for s in segments if s.start < LEAD + len(coach) + 4800]


def ratio(takes: tuple[Take, ...], audio: speech.Audio, floor_db: float) -> float:
    """How far `audio`'s loud part stands from the nearest stop take, in stop's thresholds; inf when another
    command's take is nearer."""
    frames = take_frames(EMBEDDING(), audio, speech_span(audio, floor_db))
    if frames is None:
        return float("inf")
    match = Matcher(takes, 1.0).nearest(frames)
    return match.distance / calibrate([t for t in takes if t.phrase == STOP]) if match.phrase == STOP else np.inf


def said_as_takes(phrase: str, voice: str) -> list[speech.Audio]:
    """`phrase` at 140 and 190 words a minute, in quiet and under white noise 10 and 5 dB below it."""
    clips = [speech.pad(speech.synthesize(phrase, voice, wpm), 0.3, 0.3) for wpm in (140, 190)]
    return [*clips, *(speech.add_white_noise(c, snr, seed=wpm) for c in clips for snr, wpm in ((10, 1), (5, 2)))]


def loud_rows() -> list[str]:
    rows = []
    for voice in LOUD_VOICES:
        takes = takes_of(voice)
        stops = [heard(line, speech.synthesize(STOP, voice, wpm), float(at)) for line in LINES for wpm in STOP_WPM
                 for at in np.arange(0.0, len(coach_voice()(line)) / 16000, STEP_S)]
        coach = [a for line in LINES for a in heard(line, None, 0.0)]
        others = [heard(line, speech.synthesize(p, voice, 160), at) for p in dict.fromkeys(t.phrase for t in takes)
                  if p != STOP for line in (STOP_LEARNED, "Again.") for at in (0.0, 0.6)]
        for floor_db in FLOORS_DB:
            hit = sum(any(ratio(takes, a, floor_db) <= 1.0 for a in segments) for segments in stops)
            false = sum(ratio(takes, a, floor_db) <= 1.0 for a in coach)
            wrong = sum(any(ratio(takes, a, floor_db) <= 1.0 for a in segments) for segments in others)
            rows.append(f"| {voice} | {floor_db:g} dB | {hit} of {len(stops)} | {false} of {len(coach)} | "
                        f"{wrong} of {len(others)} |")
            print(rows[-1], file=sys.stderr)
    return rows


def instead_rows() -> list[str]:
    rows = []
    for voice in INSTEAD_VOICES:
        takes = takes_of(voice)
        stops = [ratio(takes, said, 30.0) for said in said_as_takes(STOP, voice)]
        others = [ratio(takes, said, 30.0) for p in dict.fromkeys(t.phrase for t in takes) if p != STOP
                  for said in said_as_takes(p, voice)]
        for factor in FACTORS:
            rows.append(f"| {voice} | {factor:g} | {sum(r <= factor for r in stops)} of {len(stops)} | "
                        f"{sum(r <= factor for r in others)} of {len(others)} |")
            print(rows[-1], file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stop_over_tuning", description=__doc__.split("\n")[0])
    parser.parse_args(argv)
    loud, instead = loud_rows(), instead_rows()
    OUT.write_text("\n".join([
        "# Stop over the coach: its two numbers tried",
        "",
        "`python -m benchmarks.stop_over_tuning`, on espeak-ng training voices only. Each voice's takes are enrolled "
        "straight from its synthesized commands (160 and 175 words a minute).",
        "",
        f"**LOUD_DB**: \"stop\" ({', '.join(map(str, STOP_WPM))} words a minute) begins every {STEP_S:g} s of each "
        f"of {len(LINES)} coach lines ({', '.join(LINES)}), as the floor has it: the coach a tenth as loud at the "
        "microphone, the echo canceller given its audio, the segments begun while the coach speaks cut as the "
        "enrolment's TakeCutter cuts them. Heard: one of those segments nearest a stop take and within stop's "
        "threshold. Coach: the segments of those lines alone (of all segments) heard as stop. Another command: "
        f"each other command (160 words a minute) begun 0 and 0.6 s into \"{STOP_LEARNED}\" and \"Again.\", "
        "heard as stop.",
        "",
        "| voice | floor | stop heard | coach heard as stop | another command heard as stop |",
        "|---|---|---|---|---|",
        *loud,
        "",
        "**INSTEAD**: said in place of a take, at 140 and 190 words a minute, in quiet and under white noise 10 and "
        "5 dB below the speech. Stop caught: \"stop\" nearest a stop take and within the factor times stop's "
        "threshold. Another command taken for stop: every other command, said so.",
        "",
        "| voice | factor | stop caught | another command taken for stop |",
        "|---|---|---|---|",
        *instead,
        "",
    ]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
