"""Noise references: segments of a real kitchen's noise, cut and embedded as heard segments are, that a segment must
stand farther from than from the take it matches.

`python -m voicecoach.asr.enrolled.noise` rebuilds NOISE_PATH from the first NOISE_SECONDS of the real kitchen
recording (../shared/data/real-speech-negatives, VOICECOACH_REAL_NEGATIVES): the rest of it is noise no choice was
made on (benchmarks/noise_alone.py).
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled.dtw import Frames, unit
from voicecoach.asr.enrolled.recognizer import EnrolledSettings
from voicecoach.asr.enrolled.segments import Segmenter
from voicecoach.asr.enrolled.takes import RATE, around

NOISE_PATH = Path(__file__).with_name("noise_segments.npz")
NOISE_SECONDS = 40
LEVELS = (300.0, 1000.0, 3000.0)
"""Active RMS (int16) the noise is brought to before it is cut: as recorded, and 10 and 0 dB under a voice at
-20 dBFS."""


class NoiseError(Exception):
    """The noise references cannot be read."""


def segments(embedding: SpeechEmbedding, audio: np.ndarray) -> list[Frames]:
    """The speech segments the endpointer cuts from `audio`, each embedded as EnrolledRecognizer embeds one."""
    segmenter = Segmenter(EnrolledSettings().keep)
    pcm = audio.astype("<i2").tobytes()
    cut = [s for at in range(0, len(pcm), 3200) for s in segmenter.feed(pcm[at:at + 3200])] + segmenter.flush()
    return [unit(embedding.embed(around(s.audio, *s.span))) for s in cut]


def build(embedding: SpeechEmbedding, kitchen: np.ndarray) -> list[Frames]:
    from voicecoach.testing import speech

    part = kitchen[: NOISE_SECONDS * RATE]
    return [frames for level in LEVELS for frames in segments(embedding, speech.scale_to_rms(part, level))]


def save(path: Path, references: Sequence[Frames]) -> None:
    arrays = {f"n{i}": frames.astype(np.float16) for i, frames in enumerate(references)}
    with path.open("wb") as file:
        np.savez_compressed(file, **arrays)  # type: ignore[arg-type]


def load(path: Path | None = None) -> list[Frames]:
    """The noise references (NOISE_PATH unless `path`); NoiseError if the file is missing or unreadable."""
    path = path or NOISE_PATH
    try:
        with path.open("rb") as file, np.load(file, allow_pickle=False) as data:
            return [unit(data[f"n{i}"].astype(np.float32)) for i in range(len(data.files))]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise NoiseError(f"the noise references in {path} cannot be read ({error}): rebuild them with "
                         "`python -m voicecoach.asr.enrolled.noise`") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voicecoach.asr.enrolled.noise",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--out", type=Path, default=NOISE_PATH)
    args = parser.parse_args(argv)
    from voicecoach.testing import speech
    from voicecoach.testing.real_talk import negatives_dir

    path = negatives_dir() / "noise" / "kitchen.flac"
    if not path.is_file():
        print(f"{parser.prog}: the kitchen recording is not at {path}: set VOICECOACH_REAL_NEGATIVES to the "
              "real-speech-negatives directory", file=sys.stderr)
        return 2
    references = build(SpeechEmbedding(), speech.read_wav(path))
    save(args.out, references)
    print(f"{len(references)} noise references written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
