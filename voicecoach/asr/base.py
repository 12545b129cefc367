"""The recognizer interface every ASR adapter implements, and the errors they raise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from voicecoach.errors import VoicecoachError

Asr = Literal["vosk", "pocketsphinx"]
"""The recognizers voicecoach can listen with."""
Sensitivity = Literal["low", "normal", "high"]
"""How readily speech counts as a command: fewer false commands (low) or fewer missed ones (high)."""
SENSITIVITY_CHOICES: tuple[Sensitivity, ...] = ("low", "normal", "high")


@dataclass(frozen=True)
class Detection:
    """A command the recognizer committed to."""

    t: float
    """Audio time (seconds from stream start) at which the command was committed."""
    text: str
    """The phrase heard: exactly one of the phrases the recognizer was built with."""
    tentative: bool = False
    """Offered for a second opinion to confirm, not committed: only a recognizer built to offer such commits
    (SphinxSettings.tentative) does, and only the second opinion that wraps it (SecondOpinion) takes them."""
    sure: bool = True
    """False: heard only by a way the recognizer trusts less (a vote of the person's takes that stood far from
    them): the coach asks back before it acts on a command that changes the session (core/transitions.py)."""


class Recognizer(Protocol):
    """Streaming command recognizer: 16-bit mono PCM in, committed phrases out."""

    sample_rate: int
    """Rate of the 16-bit mono little-endian PCM that accept() expects."""

    def accept(self, pcm: bytes) -> list[Detection]:
        """Feed a chunk of any size; return the commands committed within it."""
        ...

    def flush(self) -> list[Detection]:
        """End of stream: commit what is pending."""
        ...

    def restrict(self, phrases: frozenset[str] | None) -> None:
        """Barge-in mode: while the coach speaks only these phrases may commit (None = all)."""
        ...

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        """The phrases of the coach's current state (Grammar.phrases_heard; None = all): no other commits."""
        ...


class VocabularyError(VoicecoachError, ValueError):
    """A command phrase uses a word the recognizer's model does not know."""


class ModelNotFoundError(VoicecoachError, FileNotFoundError):
    """No usable speech model was found; the message says what to do next."""
