"""The general recognizer wrapped with the person's voice profile, when they have one, else with the stock takes."""

from __future__ import annotations

import sys
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.asr.base import Recognizer
from voicecoach.asr.enrolled import profile

if TYPE_CHECKING:  # imported where used, as the functions below import what a profile needs
    from voicecoach.asr.commands_model.recognizer import SecondOpinion
    from voicecoach.asr.enrolled.dtw import Frames
    from voicecoach.asr.enrolled.matcher import Matcher, Take
    from voicecoach.asr.enrolled.recognizer import EnrolledSettings


def with_profile(general: Recognizer, directory: Path, phrases: frozenset[str],
                 meaning: Mapping[str, Hashable] | None = None,
                 spared: frozenset[Hashable] = frozenset()) -> Recognizer:
    """`general` as it is when `directory` holds no profile, else an EnrolledRecognizer around it (`meaning`: each
    phrase's command; `spared`: the commands a vote never overrules); ProfileError (one line) when the profile
    there cannot be read."""
    takes = profile.load(directory)
    if not takes:
        return general
    from voicecoach.asr.embedding import shared_embedding
    from voicecoach.asr.enrolled.matcher import CalibrationError
    from voicecoach.asr.enrolled.recognizer import EnrolledRecognizer

    usable = [take for take in takes if take.phrase in phrases or not take.command]
    if len(usable) < len(takes):
        print(f"voicecoach: warning: {len(takes) - len(usable)} enrolled takes are of phrases the grammar no "
              "longer has; they are not used.", file=sys.stderr)
    try:
        matcher = profile_matcher(usable)
    except CalibrationError as error:
        print(f"voicecoach: warning: the voice profile in {directory} is not used: {error} "
              "(voicecoach enroll --from DIR)", file=sys.stderr)
        return general
    opinion = second_opinion(general)
    return EnrolledRecognizer(general, matcher, shared_embedding(), meaning=meaning,
                              agrees=None if opinion is None else opinion.agrees, spared=spared,
                              likes=None if opinion is None else opinion.likes)


def profile_matcher(takes: Sequence[Take]) -> Matcher:
    """The matcher a person's takes are heard with: calibrated from them, with the noise references (noise.py);
    CalibrationError when the takes cannot be calibrated."""
    from voicecoach.asr.enrolled.matcher import Matcher

    return Matcher(takes, noise=_noise_references())


def _noise_references() -> list[Frames]:
    """The shipped noise references (noise.py), or none, with a warning, when they cannot be read."""
    from voicecoach.asr.enrolled import noise

    try:
        return noise.load()
    except noise.NoiseError as error:
        print(f"voicecoach: warning: {error}; a kitchen's clatter may be heard as a command.", file=sys.stderr)
        return []


def second_opinion(general: Recognizer) -> SecondOpinion | None:
    """The command model's veto inside `general` (PocketSphinx under it, and perhaps its own commits beside), to
    judge the takes' votes too: without it, a clatter in continuous kitchen noise stood near a short take ("stop")
    and was voted (benchmarks/ROOM.md); and its opinion, to weigh them (EnrolledSettings.opinion). None when
    `general` has no command model."""
    from voicecoach.asr.commands_model.combined import Combined
    from voicecoach.asr.commands_model.recognizer import SecondOpinion

    inner = general.first if isinstance(general, Combined) else general
    return inner if isinstance(inner, SecondOpinion) else None


def with_stock(general: Recognizer, phrases: frozenset[str],
               meaning: Mapping[str, Hashable] | None = None, settings: EnrolledSettings | None = None) -> Recognizer:
    """`general` with the stock takes (training voices saying the commands: stock.py) voting as a person's takes
    would (with `settings`), but never overruling the general recognizer (other voices' takes are no better witness
    of the person's words than it is); `general` alone, with a warning, when the stock takes file is missing or
    cannot be read."""
    import dataclasses

    from voicecoach.asr.embedding import shared_embedding
    from voicecoach.asr.enrolled import stock
    from voicecoach.asr.enrolled.matcher import Matcher
    from voicecoach.asr.enrolled.recognizer import EnrolledRecognizer, EnrolledSettings

    try:
        matcher = stock.load()
    except stock.StockError as error:
        print(f"voicecoach: warning: {error}; hearing without the stock takes.", file=sys.stderr)
        return general
    usable = [take for take in matcher.takes if take.phrase in phrases]
    if not usable:
        return general
    return EnrolledRecognizer(general, Matcher(usable, threshold=matcher.threshold, thresholds=matcher.thresholds),
                              shared_embedding(),
                              dataclasses.replace(settings or EnrolledSettings(), overrule=None), meaning=meaning)
