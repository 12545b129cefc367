"""Numbers and durations as words the coach speaks, and how long speech takes."""

from __future__ import annotations

import functools
import re

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]
MAX_SPOKEN = 999  # number_words spells up to this
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

# A pause at each sentence end, as espeak-ng makes one: it matters for short
# counts and for how long a paragraph of instructions takes.
_SENTENCE_PAUSE_S = 0.25
_LEAD_S = 0.1


def number_words(n: int) -> str:
    """Spell a whole number from 0 to 999, e.g. 125 -> "one hundred twenty five"."""
    if not 0 <= n <= MAX_SPOKEN:
        raise ValueError(f"cannot spell {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    return f"{_ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")


def spoken_list(items: list[str], conjunction: str) -> str:
    """Items as a person lists them: "a", "a or b", "a, b, or c" (with `conjunction` "or")."""
    if len(items) < 3:
        return f" {conjunction} ".join(items)
    return ", ".join(items[:-1]) + f", {conjunction} {items[-1]}"


@functools.cache
def word_numbers() -> dict[str, int]:
    """Each number number_words spells, by its words: "twenty five" -> 25."""
    return {number_words(n): n for n in range(MAX_SPOKEN + 1)}


def duration_words(seconds: float) -> str:
    """Say a remaining time roughly, the way a person would: "about three minutes"."""
    if seconds < 55:  # from 55 s on, "about one minute" is the natural answer
        tens = max(10, round(seconds / 10) * 10)
        return f"about {number_words(int(tens))} seconds"
    minutes = round(seconds / 60)
    return f"about {number_words(minutes)} minute" + ("s" if minutes != 1 else "")


def sentences(text: str) -> list[str]:
    """`text` cut after each sentence's full stop, question or exclamation mark: "A. B." -> ["A.", "B."]."""
    return [part for part in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip()) if part]


def speech_seconds(text: str, rate_wpm: int) -> float:
    """Estimate how long `text` takes to speak at `rate_wpm` words per minute."""
    words = len(text.split())
    sentences = max(1, len(re.findall(r"[.!?:;]", text)))
    return _LEAD_S + words * 60.0 / rate_wpm + sentences * _SENTENCE_PAUSE_S
