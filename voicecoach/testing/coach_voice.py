"""The coach's voice from the shipped renderer in a fresh process, so a test hears the same audio in any order; kept
on disk with the test speech."""

# Why a fresh process: espeak-ng carries state from one utterance to the next within a process, so the same text
# at the same rate comes out slightly different after different earlier renders (measured: every one of the 134
# utterances differed after four renders at other rates; two fresh processes rendering the same sequence agree
# sample for sample). Rendered in the test process, the coach's voice depended on which tests ran before.

from __future__ import annotations

import contextlib
import functools
import hashlib
import multiprocessing
import random
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soxr

from voicecoach.audio import tts
from voicecoach.core.tempo import reachable_rates
from voicecoach.testing import speech

RATE = 16000
# The count words the coach says between its sentences, at the rates "slower" and "faster" give.
_COUNT_RATES = reachable_rates()


def render_session(texts: Sequence[str], rate: int, history: int | None = None) -> list[npt.NDArray[np.float32]]:
    """Each text at `rate`, 16 kHz float32, rendered in order in a new process (or read from the cache, where the
    same renderer rendered the same texts in the same order at the same rate and history).

    `history` None renders the texts alone; a number seeds count words at other rates rendered before about half
    of them, as a live session interleaves them, so each seed is another of the voice's variations.
    """
    # What one render depends on: the renderer and this recipe, espeak-ng, and everything rendered before it.
    key = "\x1f".join([renderer_recipe(), str(rate), str(history), *texts])
    return speech.cached_list(key, lambda: _in_fresh_process(list(texts), rate, history), prefix="coach-")


@contextlib.contextmanager
def fresh_voice() -> Iterator[Callable[[str, int], npt.NDArray[np.float32]]]:
    """The coach's voice as the demo plays it, (text, words per minute) -> 16 kHz float32, from the shipped renderer
    in a new process: what it renders depends only on what was asked of it before, not on the test process."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        yield lambda text, rate: pool.submit(_render_one, text, rate).result()


_one: list[tts.Renderer] = []  # the new process's renderer, made on its first render


def _render_one(text: str, rate: int) -> npt.NDArray[np.float32]:
    if not _one:
        _one.append(tts.Renderer())
        _one[0].start()
    audio = _one[0].render(text, rate)  # count words cached, as the demo's renderer does
    return np.asarray(soxr.resample(np.asarray(audio.samples, dtype=np.float32), audio.sample_rate, RATE),
                      dtype=np.float32)


@functools.cache
def renderer_recipe() -> str:
    """What makes the coach's voice besides the texts: the source of the renderer and of this module, the versions
    of pyttsx3 and soxr, and the espeak-ng installed; when one changes, cached renders are not reused."""
    sources = hashlib.sha256(Path(tts.__file__).read_bytes() + Path(__file__).read_bytes()).hexdigest()[:16]
    espeak = "no espeak-ng"
    if (program := shutil.which("espeak-ng")) is not None:
        espeak = subprocess.run([program, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return "|".join((sources, version("pyttsx3"), version("soxr"), espeak))


def _in_fresh_process(texts: list[str], rate: int, history: int | None) -> list[npt.NDArray[np.float32]]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(_render, texts, rate, history).result()


def _render(texts: list[str], rate: int, history: int | None) -> list[npt.NDArray[np.float32]]:
    from voicecoach.audio.tts import COUNT_WORDS, Renderer

    renderer = Renderer()
    renderer.start()
    rng = random.Random(history)
    out = []
    for text in texts:
        if history is not None and rng.random() < 0.5:
            renderer.render(rng.choice(COUNT_WORDS), rng.choice(_COUNT_RATES), cache=False)
        audio = renderer.render(text, rate, cache=False)
        out.append(soxr.resample(np.asarray(audio.samples, dtype=np.float32), audio.sample_rate, RATE))
    return out
