"""The nearest enrolled take to a heard segment, and whether it is near enough to be that command."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from voicecoach.asr.enrolled.dtw import Frames, dtw_distances

MARGIN = 1.2
"""The threshold is this times the farthest a noisy take stood from its command's other takes..."""
CEILING = 0.135
"""...but never above this. A voice whose takes vary much under noise got a threshold its own everyday
sentences fell within; on two training voices (espeak-ng en-us+m3, en-us+f2) the pieces of their own
sentences stood 0.146 or farther from every take, their commands at 5 dB within 0.113."""

NOISE_MARGIN = 0.9
"""A segment nearer a noise reference than this times its nearest take's distance is noise. Chosen on training
voices (benchmarks/PROFILE_NOISE.md: espeak-ng en-us+m3, +f2, +m1): at 1.0 one more command at 5 dB and one
more in a quiet room were lost; at 0.8 a clatter in the kitchen's 20 s no reference was cut from was voted."""


@dataclass(frozen=True)
class Take:
    """One enrolled take: the phrase said, its name (`stop-1`), its unit frames, the same take's frames with
    noise added for calibration only, and with noise added to be matched too (`variants`)."""

    phrase: str
    name: str
    frames: Frames
    noisy: tuple[Frames, ...] = field(default=())
    variants: tuple[Frames, ...] = field(default=())
    command: bool = True
    """False: words the person says that are no command ("okay", "thanks"), enrolled so that a segment nearer
    them than a command's takes is heard as none (Matcher)."""

    @property
    def references(self) -> tuple[Frames, ...]:
        """What a segment is matched against: the take as said, and its noisy variants."""
        return (self.frames, *self.variants)

    def distance(self, frames: Frames) -> float:
        """How far `frames` stand from this take as said, or from the nearest of its noisy variants."""
        return min(dtw_distances(frames, self.references))


@dataclass(frozen=True)
class Match:
    phrase: str
    distance: float
    take: str
    phrases: Mapping[str, float] = field(default_factory=dict, compare=False, hash=False)
    """Each enrolled phrase's nearest take's distance."""


class CalibrationError(ValueError):
    """Too few takes to tell how far a command's own takes stand apart."""


def spreads(takes: Sequence[Take], within: bool = False) -> dict[str, float]:
    """Each phrase's spread: how far its takes' noisy copies stand, at most, from the nearest *other* take of the
    same phrase (two clean takes alone are too alike to say how far a take said on the floor will be). `within`: as
    a segment is matched (dtw_distances)."""
    out: dict[str, float] = {}
    for take in takes:
        others = [o.frames for o in takes if o.phrase == take.phrase and o.name != take.name]
        for noisy in take.noisy:
            if others:
                out[take.phrase] = max(out.get(take.phrase, 0.0), min(dtw_distances(noisy, others, within)))
    return out


def calibrate(takes: Sequence[Take], within: bool = False) -> float:
    """The rejection threshold: the largest of the phrases' spreads, times MARGIN."""
    spread = spreads(takes, within)
    if not spread:
        raise CalibrationError("every command needs at least two takes, with noise added, to calibrate")
    return min(max(spread.values()) * MARGIN, CEILING)


class Matcher:
    """Nearest take by DTW distance; a segment farther than `threshold` from every take is no command."""

    def __init__(self, takes: Sequence[Take], threshold: float | None = None, within: bool = False,
                 noise: Sequence[Frames] = (), noise_margin: float = NOISE_MARGIN,
                 own: float | None = None, thresholds: Mapping[str, float] | None = None) -> None:
        """`within`: a take may match any stretch of a segment (dtw_distances). `noise`: noise references
        (noise.py); a segment nearer one of them than `noise_margin` times its nearest take's distance is noise.
        The takes that are no command (Take.command) are references of the same kind: the person's own words.
        Their margin is the noise's: chosen on training voices, it kept 13 of the 50 votes out that the tuning
        half of the short replies got, and lost none of 668 commands (benchmarks/NOT_COMMANDS.md)."""
        self.takes = [take for take in takes if take.command]
        if not self.takes:
            raise CalibrationError("no takes enrolled")
        self.within = within
        self.noise = [*noise, *(reference for take in takes if not take.command for reference in take.references)]
        self.noise_margin = noise_margin
        self._references = [reference for take in self.takes for reference in take.references]
        self.threshold = calibrate(self.takes, within) if threshold is None else threshold
        self.thresholds: dict[str, float] = dict(thresholds or {})
        """Phrases with a threshold of their own, tighter than `threshold`: `own` times their spread (spreads). None
        ship: two takes say too little of a command's spread, and commands in noise were lost
        (benchmarks/PROFILE_OWN.md)."""
        if own is not None:
            self.thresholds |= {phrase: min(own * spread, self.threshold)
                                for phrase, spread in spreads(self.takes, within).items()}

    def threshold_of(self, phrase: str) -> float:
        """How near a segment must stand to `phrase`'s nearest take to be that phrase."""
        return self.thresholds.get(phrase, self.threshold)

    def nearest(self, frames: Frames) -> Match:
        each = iter(dtw_distances(frames, self._references, self.within))
        distances = [min(next(each) for _ in take.references) for take in self.takes]
        best = int(np.argmin(distances))
        phrases: dict[str, float] = {}
        for take, distance in zip(self.takes, distances, strict=True):
            phrases[take.phrase] = min(distance, phrases.get(take.phrase, distance))
        return Match(self.takes[best].phrase, distances[best], self.takes[best].name, phrases)

    def decide(self, frames: Frames, allowed: frozenset[str] | None = None) -> Match | None:
        """The nearest take's phrase if it is within the threshold and among `allowed` (None: any)."""
        if len(frames) == 0:
            return None
        match = self.nearest(frames)
        if match.distance > self.threshold_of(match.phrase) or (allowed is not None and match.phrase not in allowed):
            return None
        if self.noise and min(dtw_distances(frames, self.noise, self.within)) < match.distance * self.noise_margin:
            return None
        return match
