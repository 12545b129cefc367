"""Short replies a person on the floor says to the coach, said alone: none is a command, half of them held out."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import partial

from benchmarks import corpus, heldout
from benchmarks.corpus import ClipSet, Item
from voicecoach.testing import speech

# None of them means a command, nor is among the command model's training phrases (its corpus.py EVERYDAY and
# SOUND_ALIKES): "okay", "yes" or "thanks" are there, so they are not here. Replies that might mean one ("one
# second" for wait, "again" for repeat, "ouch" for it hurts) are left out.
REPLIES = (
    "got it", "ready", "all done", "sure thing", "nope", "that's better", "I'm tired", "my knee", "this one",
    "thank you", "uh huh", "so far so good", "I see", "really", "lovely", "perfect", "maybe", "I think so",
    "not sure", "hi there", "easy", "that was hard", "let me see", "come on", "great", "no problem", "I know",
    "all right then", "sounds good", "fair enough", "oh dear", "phew", "nearly there", "that's it", "well done",
    "I'm ready", "yes please", "no thanks", "it's fine", "feels good", "my legs", "I'm okay", "here we go",
    "oops", "what a day", "hmm", "okay then", "good job", "excellent", "brilliant",
)  # fmt: skip


def held_out_reply(text: str) -> bool:
    """Whether a reply is in the held-out half (a hash of its text: stable, and blind to what it sounds like)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 2 == 1


def replies(held: bool) -> list[str]:
    """The held-out half of REPLIES, or the half a change may be chosen on."""
    return [r for r in REPLIES if held_out_reply(r) == held]


def said_alone(name: str, texts: Sequence[str], quick: bool, held: bool,
               modes: Sequence[str] = ("idle", "running")) -> ClipSet:
    """Each text said alone by each tuning voice (`held`: by each held-out speaker instead), in each of the coach's
    `modes` in turn."""
    who: list[tuple[str, Callable[[str], speech.Audio]]]
    if held:
        who = [(f"{s.name}@{s.pace:g}", s.say) for s in heldout.speakers(quick)]
    else:
        who = [(v, partial(speech.synthesize, voice=v, wpm=160)) for v in corpus.VOICES[: 2 if quick else None]]
    cs = ClipSet(name)
    for vi, (voice, say) in enumerate(who):
        for ti, text in enumerate(texts):
            raw = say(text)
            cs.add(Item(f"{text!r} {voice}", None, "non-command", "clean", None,
                        corpus.PAD_BEFORE + corpus.speech_end(raw), mode=modes[(vi + ti) % len(modes)]),
                   speech.pad(raw, corpus.PAD_BEFORE, corpus.PAD_AFTER))
    return cs
