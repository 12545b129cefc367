"""A recognizer stand-in for tests of what surrounds recognition (the hearing path, the live loop), never of hearing."""

from __future__ import annotations

from collections.abc import Sequence

from voicecoach.asr.base import Detection


class ScriptedRecognizer:
    """Commits each scripted phrase once the audio it was given reaches the phrase's time, if the phrase is allowed
    then (restrict, listen_for), and keeps every call it had."""

    def __init__(self, script: Sequence[tuple[float, str] | tuple[float, str, bool]], sample_rate: int = 16000) -> None:
        """`script`: (time, phrase), or (time, phrase, sure) for a commit with Detection.sure as given."""
        self.sample_rate = sample_rate
        self.script: list[tuple[float, str, bool]] = sorted((item[0], item[1], item[2] if len(item) > 2 else True)
                                                             for item in script)
        self.samples = 0
        self.restricted: frozenset[str] | None = None
        self.listening: frozenset[str] | None = None
        self.calls: list[tuple[str, frozenset[str] | None]] = []  # ("restrict" | "listen_for", phrases)
        self.accepted: list[bytes] = []

    def accept(self, pcm: bytes) -> list[Detection]:
        self.accepted.append(pcm)
        self.samples += len(pcm) // 2
        now = self.samples / self.sample_rate
        out = []
        while self.script and self.script[0][0] <= now:
            _, phrase, sure = self.script.pop(0)
            if all(allowed is None or phrase in allowed for allowed in (self.restricted, self.listening)):
                out.append(Detection(round(now, 3), phrase, sure=sure))
        return out

    def flush(self) -> list[Detection]:
        return []

    def restrict(self, phrases: frozenset[str] | None) -> None:
        self.restricted = phrases
        self.calls.append(("restrict", phrases))

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        self.listening = phrases
        self.calls.append(("listen_for", phrases))
