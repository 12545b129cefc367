"""A microphone for tests and harnesses: audio from a function, with the reopen and timeline a test gives it."""

from __future__ import annotations

from collections.abc import Callable


class FedMicrophone:
    """Satisfies the live loop's Microphone: read() returns `read()`'s next block (or raises what it raises)."""

    def __init__(self, read: Callable[[], bytes], reopen: Callable[[], object] | None = None,
                 sample_at: Callable[[float], int | None] | None = None) -> None:
        self._read, self._reopen, self._sample_at = read, reopen, sample_at

    def read(self, timeout: float) -> bytes:
        return self._read()

    def reopen(self) -> object:
        """Calls the test's `reopen` (which may raise AudioUnavailable, as an unplugged device does)."""
        return self._reopen() if self._reopen is not None else None

    def sample_at(self, t: float) -> int | None:
        """The test's timeline, or None: no echo reference can be lined up."""
        return self._sample_at(t) if self._sample_at is not None else None
