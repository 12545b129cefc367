"""`voicecoach enroll --from DIR`: the person's recorded takes into their voice profile; and --profile."""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voicecoach.errors import VoicecoachError

if TYPE_CHECKING:
    from voicecoach.asr.enrolled.matcher import Take

TAKE_NAME = re.compile(r"^(?P<command>[a-z]+(?:_[a-z]+)*)-(?P<number>[0-9]+)\.wav$")


def profile_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="the voice profile's directory (default: $XDG_DATA_HOME/voicecoach, "
                             "~/.local/share/voicecoach without it)")


def profile_dir(args: argparse.Namespace) -> Path:
    from voicecoach.asr.enrolled.profile import default_profile_dir

    chosen: Path | None = getattr(args, "profile", None)
    return chosen.expanduser() if chosen is not None else default_profile_dir(os.environ)


def cmd_enroll(args: argparse.Namespace) -> int:
    from voicecoach.asr.embedding import shared_embedding
    from voicecoach.asr.enrolled import profile
    from voicecoach.asr.enrolled.enrol import TakeError, enrol_take
    from voicecoach.audio.wavinput import AudioFileError, read_pcm16
    from voicecoach.cli.main import load
    from voicecoach.runtime.enrolment import NOT_COMMANDS

    if args.source is None:
        return enrol_spoken(args)
    if args.command_words:
        raise VoicecoachError("give either --from DIR or a command to redo by voice, not both")
    source: Path = args.source.expanduser()
    if not source.is_dir():
        raise VoicecoachError(f"{source}: not a directory; --from takes a directory of WAV files, one per take")
    directory = profile_dir(args)
    old = profile.load(directory) or []  # a foreign or cut-short profile stops here, untouched
    _, grammar = load(args.content, args.grammar)
    phrases = set(grammar.phrases())
    files = sorted(source.glob("*.wav"))
    if not files:
        raise VoicecoachError(f"{source}: no .wav files; name each take after its command and number it "
                              "(stop-1.wav, start_bridge-2.wav, how_long-1.wav)")
    embedding = shared_embedding()
    new, bad = [], 0
    for file in files:
        found = TAKE_NAME.match(file.name)
        phrase = found["command"].replace("_", " ") if found else ""
        try:
            if found is None or (phrase not in phrases and phrase not in NOT_COMMANDS):
                raise TakeError("the name is not a command and a take number (stop-1.wav, start_bridge-2.wav; "
                                f"or one of the words that are no command: {', '.join(NOT_COMMANDS)}, as "
                                "all_set-1.wav); `voicecoach check` lists the commands")
            pcm = np.frombuffer(read_pcm16(file, 16000), "<i2")
            new.append(enrol_take(embedding, phrase, file.stem, pcm, command=phrase in phrases))
        except (TakeError, AudioFileError) as error:
            bad += 1
            message = str(error).removeprefix(f"{file}: ")
            print(f"voicecoach: {file}: skipped: {message}", file=sys.stderr)
    if new:
        path = profile.save(directory, profile.merge(old, new))
        print(f"Enrolled {len(new)} takes into {path}.")
    _warn_unpaired(profile.merge(old, new))
    return 1 if bad else 0


def enrol_spoken(args: argparse.Namespace) -> int:
    """`voicecoach enroll [COMMAND]`: the coach asks for each command (or COMMAND alone) and learns the takes."""
    import os

    from voicecoach.asr.embedding import shared_embedding
    from voicecoach.asr.enrolled import profile
    from voicecoach.asr.enrolled.enrol import enrol_take
    from voicecoach.asr.enrolled.stop_over import StopOver
    from voicecoach.cli.main import live_audio, load, model_path, settings
    from voicecoach.runtime.enrolment import NOT_COMMANDS, enrol_by_voice, enrolment_phrases
    from voicecoach.runtime.recognizers import open_general

    config = settings(args)
    _, grammar = load(config.content, args.grammar)
    phrases = enrolment_phrases(grammar)
    if args.command_words:
        command = grammar.match(" ".join(args.command_words))
        if command is None:
            raise VoicecoachError(f"{' '.join(args.command_words)!r} is not a command; `voicecoach check` lists "
                                  "them (voicecoach enroll stop, voicecoach enroll how long)")
        phrases = [p for p in enrolment_phrases(grammar, everything=True) if grammar.match(p) == command]
    directory = profile_dir(args)
    old = profile.load(directory) or []  # a foreign or cut-short profile stops here, untouched
    make_take = functools.partial(enrol_take, shared_embedding())
    instead = "record one WAV per take and use `voicecoach enroll --from DIR`"
    with live_audio(config, no_speaker=f"enrolling by voice needs a loudspeaker; without one, {instead}",
                    no_microphone=f"to enrol without one, {instead}") as audio:
        general = open_general(config.asr, grammar, model_path(config), os.environ, sensitivity=config.sensitivity)
        enrolled = enrol_by_voice(phrases, make_take, general, grammar, audio.microphone, audio.open_speaker,
                                  audio.echo, clock=audio.clock, rate=config.rate,
                                  hears_stop=StopOver(shared_embedding()),
                                  others=() if args.command_words else NOT_COMMANDS)
    new = enrolled.takes
    if new:
        path = profile.save(directory, profile.redo(old, new))
        print(f"Enrolled {len(new)} takes of {len({take.phrase for take in new if take.command})} commands into "
              f"{path}.")
        _warn_unpaired(profile.load(directory) or [])
    if enrolled.failure is not None:
        kept = ("the voice profile is as it was" if not new else "the take learned is saved" if len(new) == 1
                else f"the {len(new)} takes learned are saved")
        raise EnrolmentCutShort(f"{enrolled.failure}; {kept}. Check the microphone (`voicecoach devices`), then "
                                "run `voicecoach enroll` again")
    if not new:
        print("No takes learned; the voice profile is as it was.")
        return 1
    return 0


class EnrolmentCutShort(VoicecoachError):
    """The spoken enrolment ended before the person or the conversation ended it (the microphone lost)."""

    exit_code = 1


def _warn_unpaired(takes: Sequence[Take]) -> None:
    counts = Counter(take.phrase for take in takes if take.command)
    single = sorted(phrase for phrase, n in counts.items() if n < 2)
    if single:
        print(f"voicecoach: note: these commands have one take only and are not heard from the profile until "
              f"they have two: {', '.join(single)}", file=sys.stderr)


def forget_voice(args: argparse.Namespace) -> int:
    """`voicecoach forget --voice`: delete the voice profile (only if it is one)."""
    from voicecoach.asr.enrolled import profile

    directory = profile_dir(args)
    path = profile.profile_path(directory)
    if not path.exists():
        print(f"Nothing to forget: {path} does not exist.")
        return 0
    try:
        profile.load(directory)
    except profile.ProfileError as error:
        if error.foreign:
            raise  # a file voicecoach did not write: left alone
    path.unlink()
    print(f"Deleted {path}.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    enroll = sub.add_parser("enroll", help="learn your voice: the coach asks for each command and you say it back "
                                           "(or from recordings, with --from)")
    enroll.add_argument("command_words", nargs="*", metavar="COMMAND",
                        help="redo this one command by voice (e.g. stop, how long); its old takes are replaced")
    enroll.add_argument("--from", dest="source", type=Path, metavar="DIR",
                        help="a directory of WAV files, one per take, named after the command with its words "
                             "joined by _ and a take number: stop-1.wav, start_bridge-2.wav, how_long-1.wav")
    enroll.add_argument("--grammar", type=Path, metavar="DIR", help="grammar directory (default: the shipped one)")
    enroll.add_argument("--content", type=Path, metavar="DIR", help="content directory (default: the shipped one)")
    enroll.add_argument("--input-device", metavar="NAME|INDEX", help="microphone, by name or index (see devices)")
    enroll.add_argument("--output-device", metavar="NAME|INDEX", help="loudspeaker, by name or index")
    enroll.add_argument("--asr", choices=["vosk", "pocketsphinx", "auto"],
                        help="the recognizer that hears \"stop\" (default: Vosk when a model is found)")
    enroll.add_argument("--model", metavar="PATH", help="Vosk model directory")
    profile_option(enroll)
    enroll.set_defaults(func=cmd_enroll)
