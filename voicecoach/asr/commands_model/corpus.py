"""The command model's training examples: commands and everyday talk in the training voices, perturbed, in noise.

Positives are the windows of embedding frames that end just after a command ends, as a streaming recognizer sees
it when the person stops speaking; negatives are every window of speech that is not a command on its own.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voicecoach.asr.commands_model.model import WINDOW_FRAMES, windows
from voicecoach.asr.commands_model.voices import Voice
from voicecoach.asr.embedding import EMBEDDING_DIM, SpeechEmbedding
from voicecoach.asr.embedding.features import STRIDE, WINDOW
from voicecoach.testing import speech
from voicecoach.testing.rooms import Room, from_the_floor

RATE = speech.RATE
POSITIVE_AFTER = (0.0, 0.32)
"""A window is a positive when its last frame ends this long (seconds) after the command's last sound."""
SNR_RANGE = (0.0, 20.0)
NOISY_SHARE = 0.7
"""Of the perturbed copies, how many get noise (the rest stay clean, over a faint noise floor)."""
ROOM_SHARE = 0.5
"""With training rooms (train.py --rooms), how many of the perturbed copies and the noisy negatives are said from the
floor of one (voicecoach/testing/rooms.py)."""
# Everyday sentences, many with a command's word inside them: said in a sentence, a command word is no command.
EVERYDAY = (
    "I need to stop at the shop on the way back from work.", "Can you pass me the remote control, please?",
    "The weather is supposed to be better next weekend.", "We drove over the old bridge to get to the village.",
    "She said the cat had been sleeping on the sofa all day.", "Let me know how long the meeting will take.",
    "My knee still hurts a little when I climb the stairs.", "There is a long queue at the bakery again.",
    "Did you remember to feed the dog before you left?", "Turn left at the next corner and keep going straight.",
    "I will wait for you outside the station at six.", "The kids want pizza for dinner, as usual.",
    "Please put the kettle on, I will be there in a minute.", "That film was much longer than I expected.",
    "We should start planning the holiday soon.", "What can I get you today?", "That really helps, thank you.",
    "My back is fine now, it was just the chair.", "Hold the door for me, would you?", "I will call you later.",
    "Can you help me carry these bags?", "It is too much sugar for me.", "Say that to her face.",
    "How much is a return ticket to the city?", "Go back to the previous page of the book.",
    "Just a moment ago the phone rang.", "Not now, the soup is still too hot.", "Ten minutes, then we leave.",
    "One of us has to drive home.", "Four people came to the party.", "Continue down the road for a mile.",
    "Skip the intro and play the song.", "Slow down, you are driving too fast.", "It is a pain to park here.",
    "Start the car and wait for me.", "Hang on to your ticket until the end.", "Repeat after me, slowly.",
    "More time with the family would be nice.", "That hurts my feelings a bit.", "Stop it, you two.",
)
# Short replies to the coach, said alone: a word or two that is no command ("all set", "not bad"). None is among
# the replies the benchmarks measure (benchmarks/replies.py), nor a paraphrase of one; a test checks the first.
SHORT_REPLIES = (
    "all good", "all set", "all gone", "nice one", "cool", "no worries", "of course", "right then", "not bad",
    "pretty good", "I did it", "my hips", "my shoulder", "bit stiff", "getting there", "almost", "absolutely",
    "definitely", "indeed", "wonderful", "fantastic", "amazing", "super", "awesome", "grand", "cheers", "bless you",
    "good night", "hey", "what's that", "who's there", "how funny", "oh well", "oh no", "oh my", "goodness", "gosh",
    "wow", "yay", "yep", "yeah", "nah", "no way", "why not", "how so", "is that right", "you bet", "not at all",
    "I'm good", "I'm comfy", "comfy", "warm", "cold in here", "my arms", "my feet", "my neck", "the floor",
    "the mat", "the dog", "the door", "the phone", "understood", "okay dokey", "roger", "will do", "on it",
    "I'm here", "I'm back", "love it", "hate it", "not much", "too easy", "sleepy", "hungry", "bedtime",
    "tea time", "lunch", "fine thanks", "very nice", "good good", "marvellous", "splendid", "smashing", "sorry",
    "excuse me", "my word", "dear me", "there we are", "deep breath", "breathe out", "left leg", "right leg",
    "hold still", "all over", "a lot", "well then", "top notch", "ah right",
)  # fmt: skip
# Sound-alikes of command words, said alone.
SOUND_ALIKES = ("stopping", "nest", "text", "cat", "bridges", "pose", "stopped", "whale", "sleep", "helpful",
                "skipping", "backs", "hurting", "starting", "wade", "paint", "neck", "okay", "yes", "no", "thanks",
                "hello", "right", "sure", "fine", "good morning")


@dataclass
class Examples:
    """Windows of embedding frames and their class names, with where each came from (for the data report)."""

    x: list[npt.NDArray[np.float32]] = field(default_factory=list)
    y: list[str] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)

    def add(self, wins: npt.NDArray[np.float32], label: str, source: str) -> None:
        if len(wins):
            self.x.append(wins.astype(np.float16))
            self.y += [label] * len(wins)
            self.sources[source] = self.sources.get(source, 0) + len(wins)

    def arrays(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.str_]]:
        return np.concatenate(self.x).astype(np.float32), np.array(self.y)


def trim(audio: speech.Audio, floor_db: float = 35.0) -> speech.Audio:
    """The clip from its first to its last 10 ms frame within `floor_db` of its loudest."""
    n = RATE // 100
    frames = audio[: len(audio) // n * n].astype(np.float64).reshape(-1, n)
    power = (frames**2).mean(axis=1)
    if not len(power) or power.max() <= 0:
        return audio
    loud = np.flatnonzero(power >= power.max() * 10 ** (-floor_db / 10))
    return audio[loud[0] * n : (loud[-1] + 1) * n]


def perturb(audio: speech.Audio, rng: np.random.Generator) -> speech.Audio:
    """sox: vocal-tract length (speed with the pitch put back), pitch and tempo, each drawn at random."""
    vtl = float(rng.uniform(0.88, 1.12))
    cents = float(rng.uniform(-250, 250)) - 1200 * np.log2(vtl)
    tempo = float(rng.uniform(0.85, 1.2))
    raw = ["-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1"]
    proc = subprocess.run(["sox", *raw, "-", *raw, "-", "speed", f"{vtl:.3f}", "pitch", f"{cents:.0f}",
                           "tempo", "-s", f"{tempo:.3f}", "rate", str(RATE)],
                          input=audio.astype("<i2").tobytes(), capture_output=True, check=True)
    return np.frombuffer(proc.stdout, dtype="<i2").astype(np.int16)


class Noises:
    """The noise beds: the first minute of the real kitchen recording, training-voice babble and white noise."""

    def __init__(self, kitchen: speech.Audio, babble: speech.Audio) -> None:
        self.beds = [kitchen, babble, speech.white_noise(30.0, 1000.0, seed=7)]

    def mix(self, clip: speech.Audio, level: float, rng: np.random.Generator) -> speech.Audio:
        bed = self.beds[int(rng.integers(len(self.beds)))]
        start = int(rng.integers(0, max(1, len(bed) - len(clip))))
        snr = float(rng.uniform(*SNR_RANGE))
        return speech.add_noise(clip, np.roll(bed, -start), snr, speech_rms=level)


def babble(voices: Sequence[Voice], seconds: float = 30.0) -> speech.Audio:
    """Each voice reading the everyday sentences, all at once: talk in the background."""
    tracks = [speech.concatenate([v.say(s) for s in EVERYDAY[i :: len(voices)]], 0.1) for i, v in enumerate(voices)]
    return speech.scale_to_rms(speech.timeline([(0.0, t) for t in tracks], seconds), 3000.0)


def floor(clip: speech.Audio, rng: np.random.Generator) -> speech.Audio:
    """A faint noise floor (-75 to -55 dBFS), as a microphone never gives digital silence."""
    rms = 10 ** (float(rng.uniform(-75, -55)) / 20) * 32767
    noise = rng.normal(0.0, rms, len(clip))
    return speech.to_int16((clip.astype(np.float64) + noise) / 32767.0)


def frame_end(k: int) -> float:
    """Seconds from the clip's start to the end of the audio embedding frame k sees."""
    return (k * STRIDE + WINDOW) / 100


def positive_windows(embedding: SpeechEmbedding, raw: speech.Audio, rng: np.random.Generator,
                     noises: Noises | None, room: Room | None = None) -> npt.NDArray[np.float32]:
    """The windows ending just after the command, in `raw` padded with pauses, said from the floor of `room` if
    given, in noise if `noises`."""
    core = trim(raw)
    # Enough pause before that the window ending with the command holds only this clip.
    before = max(float(rng.uniform(0.3, 1.2)), frame_end(WINDOW_FRAMES - 1) - len(core) / RATE)
    clip = speech.pad(core, before, float(rng.uniform(0.5, 0.9)))
    clip = from_the_floor(clip, room)[: len(clip)] if room is not None else clip
    level = speech.active_rms(core) * float(10 ** (rng.uniform(-15, 10) / 20))
    clip = speech.scale_to_rms(clip, level) if level > 0 else clip
    clip = noises.mix(clip, speech.active_rms(clip), rng) if noises is not None else clip
    frames = embedding.embed(floor(clip, rng))
    end = before + len(core) / RATE
    keep = [k - WINDOW_FRAMES + 1 for k in range(WINDOW_FRAMES - 1, len(frames))
            if POSITIVE_AFTER[0] <= frame_end(k) - end <= POSITIVE_AFTER[1]]
    return windows(frames)[keep] if keep else np.zeros((0, WINDOW_FRAMES, EMBEDDING_DIM), np.float32)


def negative_windows(embedding: SpeechEmbedding, clip: speech.Audio, rng: np.random.Generator,
                     noises: Noises | None, step: int = 2, room: Room | None = None) -> npt.NDArray[np.float32]:
    """Every `step`-th window of a clip that holds no command, from the floor of `room` if given, in noise if
    `noises`."""
    clip = speech.pad(clip, 0.3, 0.3)
    clip = from_the_floor(clip, room)[: len(clip)] if room is not None else clip
    if noises is not None:
        clip = noises.mix(clip, speech.active_rms(clip), rng)
    frames = embedding.embed(floor(clip, rng))
    return windows(frames, step) if len(frames) else np.zeros((0, WINDOW_FRAMES, EMBEDDING_DIM), np.float32)


def render_all(jobs: Sequence[tuple[Voice, str]], log: Callable[[str], None]) -> list[speech.Audio]:
    """Every (voice, text) rendered, two synthesizer processes at a time (they are cached, so reruns are quick)."""
    log(f"synthesizing {len(jobs)} clips")
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda job: job[0].say(job[1]), jobs))


def article_sentences(path: Path) -> list[str]:
    """The sentences of the seed article (ordinary speech about the exercises), if the file is there."""
    if not path.exists():
        return []
    text = " ".join(path.read_text().split())
    return [s.strip() for s in text.replace("!", ".").replace("?", ".").split(".") if len(s.split()) >= 4]
