"""Choosing and opening the recognizer the settings ask for, compiled from the grammar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path

from voicecoach.asr.base import Asr, ModelNotFoundError, Recognizer, Sensitivity
from voicecoach.core.grammar import Grammar


def open_recognizer(asr: Asr | None, grammar: Grammar, model: str | None, env: Mapping[str, str],
                    sample_rate: int = 16000, sensitivity: Sensitivity = "normal",
                    profile: Path | None = None, second_opinion: bool = True, stock: bool = False) -> Recognizer:
    """Vosk when a model is found (the default), else PocketSphinx with a warning unless Vosk was pinned; either
    compiled from the grammar's phrases, each with the command it means ("start cat" as "start cat stretch").

    `sensitivity` sets PocketSphinx's command weight; Vosk has no such knob, so it warns and goes on.
    The person's enrolled takes (in `profile`, else $XDG_DATA_HOME/voicecoach), when there are any, vote too;
    else, with PocketSphinx and the command model, the stock takes (training voices) if `stock`: not by default,
    since on the held-out benchmark they heard less in noise than the model's own commits, and later
    (benchmarks/COMMAND_MODEL.md).
    """
    from voicecoach.asr.commands_model.combined import Combined
    from voicecoach.asr.enrolled.profile import default_profile_dir
    from voicecoach.asr.enrolled.wrap import with_profile

    general = open_general(asr, grammar, model, env, sample_rate, sensitivity, second_opinion)
    if sample_rate != 16000:
        return general  # the embedding hears 16 kHz only
    phrases = frozenset(grammar.phrases())
    hearing = with_profile(general, profile or default_profile_dir(env), phrases, grammar.table,
                           grammar.barge_in_commands())
    if hearing is general:
        return with_stock_takes(general, phrases, grammar.table) if stock else general
    if isinstance(general, Combined):
        general.commits_alone = False  # the person's takes hear what the model alone would, and better
    return hearing


STOCK_GRACE = 0.5
"""Seconds after the speech a stock vote commits unless the general recognizer has: by then it mostly has
(PocketSphinx's p95 was 0.21 s after the speech on training voices, benchmarks/STOCK_TUNING.md; the model's own
commits come 0.3 s after it at the earliest), a later commit of the same words is dropped (EnrolledSettings
.after_vote), and a command said after 0.8 s of quiet is the next one."""


def with_stock_takes(general: Recognizer, phrases: frozenset[str], meaning: Mapping[str, Hashable],
                     grace: float = STOCK_GRACE, alone: bool = True, talk: float | None = None) -> Recognizer:
    """PocketSphinx with the command model (`general`), the stock takes voting beside it (`alone`: beside the
    model's own commits too, else instead of them), `grace` seconds after the speech, and (`talk`) dropping general
    commits in segments that much longer than the takes (benchmarks/COMMAND_MODEL.md). Any other recognizer as it
    is."""
    from voicecoach.asr.commands_model.combined import Combined
    from voicecoach.asr.enrolled.recognizer import EnrolledSettings
    from voicecoach.asr.enrolled.wrap import with_stock

    if not isinstance(general, Combined):
        return general
    hearing = with_stock(general, phrases, meaning, EnrolledSettings(grace=grace, talk=talk))
    if hearing is not general and not alone:
        general.commits_alone = False
    return hearing


def chosen_vosk_model(asr: Asr | None, model: str | None, env: Mapping[str, str]) -> Path | None:
    """The Vosk model the settings choose, or None for PocketSphinx: Vosk when a model is found and fits (auto),
    or always (`asr` "vosk", which raises ModelNotFoundError without one)."""
    if asr == "pocketsphinx":
        return None
    from voicecoach.asr.vosk.memory import check_fits
    from voicecoach.asr.vosk.model import resolve_vosk_model

    # ModelNotFoundError is a VoicecoachError: the CLI prints it as one line.
    try:
        path = resolve_vosk_model(model, env)
        if asr != "vosk":
            check_fits(path)  # auto: not where it would not fit (the error says how much it needs)
    except ModelNotFoundError as error:
        if asr == "vosk":
            raise
        print(f"voicecoach: warning: {error}. Using PocketSphinx for now.", file=sys.stderr)
        return None
    return path


def vocabulary(asr: Asr | None, model: str | None, env: Mapping[str, str]) -> tuple[str, Callable[[str], bool]]:
    """The recognizer the settings choose, named as its errors name it, and whether it can hear a word."""
    path = chosen_vosk_model(asr, model, env)
    if path is not None:
        from voicecoach.asr.vosk.model import check_model, model_words

        check_model(path)
        return f"Vosk model {path}", frozenset(model_words(path)).__contains__
    from voicecoach.asr.pocketsphinx.model import DICTIONARY_NAME, dictionary_words

    return DICTIONARY_NAME, dictionary_words().__contains__


def open_general(asr: Asr | None, grammar: Grammar, model: str | None, env: Mapping[str, str],
                 sample_rate: int = 16000, sensitivity: Sensitivity = "normal",
                 second_opinion: bool = True) -> Recognizer:
    """The general recognizer alone, without the person's takes (enrolment hears through it); PocketSphinx with
    the trained command model unless `second_opinion` is off: its veto on PocketSphinx's commits, and its own
    commits of commands said on their own."""
    phrases, meaning = grammar.phrases(), grammar.table
    # VocabularyError is a VoicecoachError: the CLI prints it as one line.
    path = chosen_vosk_model(asr, model, env)
    if path is not None:
        from voicecoach.asr.vosk.recognizer import VoskRecognizer

        if sensitivity != "normal":
            print(f"voicecoach: warning: sensitivity {sensitivity!r} applies to PocketSphinx only; "
                  "Vosk listens as at 'normal'.", file=sys.stderr)
        return VoskRecognizer(path, phrases, sample_rate, meaning=meaning)
    from voicecoach.asr.pocketsphinx import SENSITIVITY_WEIGHTS, PocketSphinxRecognizer
    from voicecoach.asr.pocketsphinx.settings import listening_settings

    second_opinion = second_opinion and sample_rate == 16000  # the embedding hears 16 kHz only
    settings = listening_settings(SENSITIVITY_WEIGHTS[sensitivity], second_opinion)
    sphinx = PocketSphinxRecognizer(phrases, sample_rate, settings=settings, meaning=meaning)
    if not second_opinion:
        return sphinx
    from voicecoach.asr.commands_model import CommandModel
    from voicecoach.asr.commands_model.combined import with_command_model

    return with_command_model(sphinx, phrases, meaning, CommandModel.load())
