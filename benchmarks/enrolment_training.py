"""Choosing how takes are enrolled, on training voices only: the noisy variants kept with each take, the margin.

`python -m benchmarks.enrolment_training [--voice V ...]` prints a table; nothing is written. The held-out voices
of benchmarks/enrolment.py (Festival's, espeak-ng's named after people) and the held-out half of the real talk
are never used here. Each voice enrols two takes of each command at 160 words a minute (the second resampled 4 %
higher and faster, as there), and is tested on the commands at 140 and 185, clean, in the kitchen noise and in
babble (four talkers of the training half of the real talk at once) at 10 and 5 dB; on its own everyday
sentences (the general and the article's, 55); and on 100 clips of the training half of the real talk.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import soxr

from benchmarks import heldout
from benchmarks.corpus import GENERAL_SENTENCES, article_sentences
from benchmarks.enrolment import Replay, Track, decode, general_commits, score, track
from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled.enrol import NoiseKind, enrol_take
from voicecoach.asr.enrolled.matcher import CEILING, Matcher, calibrate
from voicecoach.asr.enrolled.recognizer import EnrolledRecognizer
from voicecoach.asr.enrolled.stock import SECOND_TAKE
from voicecoach.cli.main import load
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.enrolment import enrolment_phrases
from voicecoach.testing import speech

RATE = speech.RATE
VOICES = ("en-us", "en-us+m3", "en-us+f2", "en-us+m1", "en-us+f4")
WHITE = (("white", 10.0), ("white", 5.0))
# (the variants, the threshold times this, capped at the ceiling)
CHOICES: dict[str, tuple[tuple[tuple[NoiseKind, float], ...], float]] = {
    "no variants": ((), 1.0),
    "white 10, 5 dB": (WHITE, 1.0),
    "pink 10, 5 dB": ((("pink", 10.0), ("pink", 5.0)), 1.0),
    "brown 10, 5 dB": ((("brown", 10.0), ("brown", 5.0)), 1.0),
    "speech-shaped 10, 5 dB": ((("shaped", 10.0), ("shaped", 5.0)), 1.0),
    "white 10, 5, 0 dB": ((*WHITE, ("white", 0.0)), 1.0),
    "white 10, 5 dB, threshold x 1.15": (WHITE, 1.15),
    "white 10, 5 dB, threshold x 1.3": (WHITE, 1.3),
    "white 10, 5 dB, threshold x 1.5": (WHITE, 1.5),
}
CONDITIONS = ("clean", "kitchen 10 dB", "kitchen 5 dB", "babble 10 dB", "babble 5 dB")


class RememberingEmbedding(SpeechEmbedding):
    """Embeds each distinct clip once: every choice hears the same segments."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[bytes, npt.NDArray[np.float32]] = {}

    def embed(self, pcm: npt.NDArray[np.int16]) -> npt.NDArray[np.float32]:
        key = hashlib.sha1(pcm.tobytes()).digest()
        if key not in self._seen:
            self._seen[key] = super().embed(pcm)
        return self._seen[key]


def tracks(voice: str, phrases: Sequence[str], noises: dict[str, speech.Audio]) -> dict[str, Track]:
    out = {}
    for condition in CONDITIONS:
        kind, _, db = condition.partition(" ")
        clips = []
        for wpm in (140, 185):
            for i, phrase in enumerate(phrases):
                audio = speech.synthesize(phrase, voice, wpm)
                if condition != "clean":
                    bed = noises[kind]
                    offset = (i * 131 + wpm * 17) * RATE % (len(bed) - len(audio))
                    audio = speech.add_noise(audio, np.roll(bed, -offset), float(db.split()[0]))
                clips.append((audio, phrase))
        out[condition] = track(clips)
    out["own"] = track([(speech.synthesize(s, voice, 160), None) for s in [*GENERAL_SENTENCES,
                                                                             *article_sentences(40)]])
    return out


def measure(grammar: Grammar, voices: Sequence[str], log: Any) -> dict[str, dict[str, int]]:
    phrases = enrolment_phrases(grammar)
    embedding = RememberingEmbedding()
    talk = [speech.read_wav(p) for p in sorted((heldout.negatives_dir() / "clips").glob("*.flac"))
            if not heldout.held_out(p.name)]
    mixed = np.concatenate(talk[:60]).astype(np.float64)
    talkers = mixed[: len(mixed) // 4 * 4].reshape(4, -1).sum(axis=0)
    noises = {"kitchen": heldout.kitchen_noise(), "babble": speech.to_int16(talkers / 32767 / 4)}
    real = track([(a, None) for a in talk[60:160]])
    real_general = general_commits(grammar, real.audio)
    totals: dict[str, dict[str, int]] = {name: {} for name in ["general alone", *CHOICES]}
    for voice in voices:
        log(f"{voice}: the general recognizer")
        heard = tracks(voice, phrases, noises)
        commits = {key: general_commits(grammar, tr.audio) for key, tr in heard.items()}
        first = {p: speech.synthesize(p, voice, 160) for p in phrases}
        _add(totals["general alone"], {key: _figure(grammar, tr, commits[key], key) for key, tr in heard.items()}
             | {"real talk": score(grammar, real, real_general)[2]})
        for name, (augment, times) in CHOICES.items():
            takes = []
            for p in phrases:
                again = speech.to_int16(soxr.resample(first[p].astype(np.float32) / 32767, RATE * SECOND_TAKE, RATE))
                for i, audio in enumerate((first[p], again), 1):
                    takes.append(enrol_take(embedding, p, f"{p.replace(' ', '_')}-{i}", audio, augment=augment))
            matcher = Matcher(takes, min(calibrate(takes) * times, CEILING))
            figures = {}
            for key, tr in [*heard.items(), ("real talk", real)]:
                replay = Replay(real_general if key == "real talk" else commits[key])
                found = decode([EnrolledRecognizer(replay, matcher, embedding, spared=grammar.barge_in_commands())],
                               tr.audio)[0]
                figures[key] = _figure(grammar, tr, found, key)
            _add(totals[name], figures)
            log(f"{voice}, {name}: {figures}")
    return totals


def _figure(grammar: Grammar, tr: Track, found: list[Any], key: str) -> int:
    right, _, fired = score(grammar, tr, found)
    return fired if key in ("own", "real talk") else right


def _add(into: dict[str, int], figures: dict[str, int]) -> None:
    for key, value in figures.items():
        into[key] = into.get(key, 0) + value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.enrolment_training", description=__doc__.split("\n")[0])
    parser.add_argument("--voice", action="append", help=f"espeak-ng training voice (default: {', '.join(VOICES)})")
    args = parser.parse_args(argv)
    voices = args.voice or list(VOICES)
    _, grammar = load(None)
    try:
        totals = measure(grammar, voices, lambda message: print(message, file=sys.stderr))
    except heldout.HeldOutError as error:
        print(f"python -m benchmarks.enrolment_training: {error}", file=sys.stderr)
        return 2
    n = 2 * len(enrolment_phrases(grammar)) * len(voices)
    print(f"{len(voices)} training voices ({', '.join(voices)}): commands right of {n} per condition; own "
          f"sentences and real talk clips with a command, of {55 * len(voices)} and {100 * len(voices)}.\n")
    print("| choice | " + " | ".join(CONDITIONS) + " | own sentences | real talk |")
    print("|---|" + "---:|" * (len(CONDITIONS) + 2))
    for name, f in totals.items():
        print(f"| {name} | " + " | ".join(str(f[c]) for c in (*CONDITIONS, "own", "real talk")) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
