"""Stock takes: the commands said by training voices, matched like a person's takes (not shipped: COMMAND_MODEL.md).

Build the file (about a minute here; espeak-ng and flite needed): python -m voicecoach.asr.enrolled.stock
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soxr

from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled.enrol import AUGMENT, STOCK_AUGMENT, NoiseKind, enrol_take
from voicecoach.asr.enrolled.matcher import Matcher, Take
from voicecoach.asr.enrolled.profile import FEATURES
from voicecoach.asr.enrolled.takes import RATE

STOCK_PATH = Path(__file__).with_name("stock_takes.npz")
FORMAT = "voicecoach stock takes"
VERSION = 1
ESPEAK_VOICES = ("en-us", "en-us+m3", "en-us+f2", "en-us+m1", "en-us+f4", "en-gb+m2", "en-029+f3", "en-gb-x-rp+m5",
                 "en-us-nyc+f1")
"""Training voices only: never Festival's or espeak-ng's variants named after people (held out for evaluation)."""
FLITE_VOICES = ("rms", "awb")
"""Not flite's kal16 or slt: they are built from the recordings of Festival's held-out kal and slt."""
SECOND_TAKE = 1.04
"""The second take of each command: the first resampled, so 4 % higher and faster (a synthesizer says a text the same
way every time; a person never does)."""


class StockError(ValueError):
    """The stock takes file cannot be read; the message names it and how to rebuild it."""


def two_takes(embedding: SpeechEmbedding, say: Callable[[str], npt.NDArray[np.int16]],
              phrases: Sequence[str], prefix: str = "",
              augment: Sequence[tuple[NoiseKind, float]] = AUGMENT) -> list[Take]:
    """Two takes of each phrase: as `say` says it, and the same resampled SECOND_TAKE higher and faster; `augment`:
    their noisy variants (enrol_take)."""
    from voicecoach.testing import speech

    takes = []
    for phrase in phrases:
        first = say(phrase)
        second = speech.to_int16(soxr.resample(first.astype(np.float32) / 32767, RATE * SECOND_TAKE, RATE))
        for i, audio in enumerate((first, second), 1):
            takes.append(enrol_take(embedding, phrase, f"{prefix}{phrase.replace(' ', '_')}-{i}", audio, augment))
    return takes


def save(path: Path, takes: Sequence[Take], threshold: float) -> None:
    """The takes as float16 frames with their variants (not the calibration copies: the threshold is stored)."""
    header = {"format": FORMAT, "version": VERSION, "features": FEATURES, "threshold": threshold,
              "takes": [{"phrase": t.phrase, "name": t.name, "variants": len(t.variants)} for t in takes]}
    arrays = {"header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}
    for i, take in enumerate(takes):
        arrays[f"frames{i}"] = take.frames.astype(np.float16)
        for j, variant in enumerate(take.variants):
            arrays[f"variant{i}_{j}"] = variant.astype(np.float16)
    with path.open("wb") as file:
        np.savez_compressed(file, **arrays)  # type: ignore[arg-type]


def load(path: Path | None = None) -> Matcher:
    """The stock takes (STOCK_PATH unless `path`) as a Matcher with their stored threshold; StockError if the file
    is missing, foreign or damaged."""
    path = path or STOCK_PATH
    rebuild = "build it with `python -m voicecoach.asr.enrolled.stock`"
    try:
        with path.open("rb") as file, np.load(file, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode())
            if header.get("format") != FORMAT or header.get("version") != VERSION or \
                    header.get("features") != FEATURES:
                raise StockError(f"{path}: stock takes of another kind or version; {rebuild}")
            takes = [Take(str(entry["phrase"]), str(entry["name"]), data[f"frames{i}"].astype(np.float32), (),
                          tuple(data[f"variant{i}_{j}"].astype(np.float32) for j in range(int(entry["variants"]))))
                     for i, entry in enumerate(header["takes"])]
            return Matcher(takes, threshold=float(header["threshold"]))
    except StockError:
        raise
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as error:
        raise StockError(f"{path}: cannot be read ({error}); {rebuild}") from None


def build(phrases: Sequence[str], espeak: Sequence[str] = ESPEAK_VOICES, flite: Sequence[str] = FLITE_VOICES,
          log: Callable[[str], None] = lambda text: None) -> tuple[list[Take], float]:
    """Two takes of each phrase by each voice, and the threshold their calibration copies give."""
    from voicecoach.asr.commands_model.voices import Voice

    embedding = SpeechEmbedding()
    takes: list[Take] = []
    voices = [Voice("espeak", name, 160.0) for name in espeak] + [Voice("flite", name, 1.0) for name in flite]
    for voice in voices:
        takes += two_takes(embedding, voice.say, phrases, prefix=f"{voice.label}/", augment=STOCK_AUGMENT)
        log(f"{voice.label}: {len(phrases) * 2} takes")
    return takes, Matcher(takes).threshold


def main(argv: Sequence[str] | None = None) -> int:
    from voicecoach.cli.main import load as load_grammar
    from voicecoach.runtime.enrolment import enrolment_phrases

    parser = argparse.ArgumentParser(prog="python -m voicecoach.asr.enrolled.stock", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=STOCK_PATH)
    parser.add_argument("--phrases", type=int, default=0, help="only the first N commands (0: all; a smoke run)")
    parser.add_argument("--voices", type=int, default=0, help="only the first N espeak-ng voices, no flite (0: all)")
    args = parser.parse_args(argv)
    _, grammar = load_grammar(None)
    phrases = enrolment_phrases(grammar)[: args.phrases or None]
    espeak = ESPEAK_VOICES[: args.voices or None]
    takes, threshold = build(phrases, espeak, () if args.voices else FLITE_VOICES,
                             log=lambda text: print(text, file=sys.stderr))
    save(args.out, takes, threshold)
    print(f"{args.out}: {len(takes)} takes of {len(phrases)} commands, threshold {threshold:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
