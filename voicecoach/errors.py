"""Errors a person can act on: each carries one message that names what to fix."""

from __future__ import annotations


class VoicecoachError(Exception):
    """Base of every error voicecoach reports as one clear line instead of a traceback."""

    exit_code = 2


class ContentError(VoicecoachError):
    """Content or grammar that cannot be used: names the file, the exercise and the field."""

    def __init__(self, file: object, message: str, *, exercise: str | None = None, field: str | None = None):
        self.file = str(file)
        self.exercise = exercise
        self.field = field
        where = [self.file]
        if exercise:
            where.append(f"exercise '{exercise}'")
        if field:
            where.append(f"field '{field}'")
        super().__init__(f"{': '.join(where)}: {message}")


class DialogError(VoicecoachError):
    """A .dialog file that cannot be parsed: names the file and the line."""

    def __init__(self, file: object, line: int, message: str):
        super().__init__(f"{file}:{line}: {message}")
