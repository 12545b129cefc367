"""The `voicecoach` command line: check content, run dialog scripts, run the coach."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach import __version__
from voicecoach.asr.base import SENSITIVITY_CHOICES
from voicecoach.cli import enrol as enrol_cli
from voicecoach.cli import journal as journal_cli
from voicecoach.cli import ops as ops_cli
from voicecoach.cli.config import ASR_CHOICES, Settings, apply_routine, load_settings, overrides_from
from voicecoach.core.coach import Coach
from voicecoach.core.content import Content, load_content
from voicecoach.core.grammar import Grammar, load_grammar, word_uses
from voicecoach.core.tempo import DEFAULT_RATE
from voicecoach.errors import ContentError, VoicecoachError
from voicecoach.journal.recorder import SessionRecorder
from voicecoach.journal.store import JOURNAL_NAME, Journal
from voicecoach.paths import default_content_dir, default_grammar_dir
from voicecoach.runtime.reminding import Reminding

if TYPE_CHECKING:
    from voicecoach.audio.echo import EchoCanceller
    from voicecoach.runtime.live import Microphone, OpenSpeaker


def load(content_dir: Path | None, grammar_dir: Path | None = None) -> tuple[Content, Grammar]:
    """Load and check content and grammar; every command goes through the same checks."""
    content = load_content(content_dir or default_content_dir())
    return content, load_grammar(grammar_dir or default_grammar_dir(), content)


def settings(args: argparse.Namespace) -> Settings:
    """The effective settings: flags over the config file over the defaults."""
    import os

    return load_settings(overrides_from(args), os.environ)


def load_configured(config: Settings, args: argparse.Namespace) -> tuple[Content, Grammar]:
    """Content and grammar as the settings choose them: their content directory, then their routine."""
    import os

    content, grammar = load(config.content, args.grammar)
    from_flag = getattr(args, "routine", None) is not None
    return apply_routine(content, config, from_flag, os.environ), grammar


def model_path(config: Settings) -> str | None:
    return str(config.model) if config.model else None


def cmd_check(args: argparse.Namespace) -> int:
    import os

    from voicecoach.asr.pocketsphinx.model import DICTIONARY_NAME
    from voicecoach.runtime.recognizers import vocabulary

    config = settings(args)
    content, grammar = load(args.dir or config.content, args.grammar)
    # Every word the recognizer the settings choose must hear, as `run` and `demo` check when they start.
    recognizer, hears = vocabulary(config.asr, model_path(config), os.environ)
    grammar_file = (args.grammar or default_grammar_dir()) / "commands.toml"
    for use in word_uses(grammar, content, grammar_file):
        if not hears(use.word):
            raise ContentError(use.file, f"{use.where}: the word '{use.word}' (in \"{use.phrase}\") is not in the "
                               f"{recognizer} vocabulary, so it cannot be heard; use words the recognizer knows")
    print(f"{content.root}: {len(content.exercises)} exercises, {len(content.routines)} routines, "
          f"{len(grammar.phrases())} command phrases, every word in the {recognizer} vocabulary: all good")
    if config.second_opinion and recognizer == DICTIONARY_NAME:
        print(untrained_note(grammar.phrases()))
    return 0


def untrained_note(phrases: Sequence[str]) -> str:
    """What `check` says of the command model: the phrases it was not trained on, heard by PocketSphinx alone."""
    from voicecoach.asr.commands_model import CommandModel
    from voicecoach.asr.commands_model.model import RETRAIN

    unknown = CommandModel.load().unknown(phrases)
    if not unknown:
        return "the command model (PocketSphinx's second opinion) knows every phrase"
    return (f"the command model (PocketSphinx's second opinion) was not trained on {len(unknown)} phrase(s): "
            f"{', '.join(repr(p) for p in unknown)}; PocketSphinx hears them alone. To train it on them "
            f"(about 20 minutes on a 2-core x86 machine; needs pip install -e '.[train]'): {RETRAIN}")


def cmd_script(args: argparse.Namespace) -> int:
    import tempfile

    from voicecoach.testing.dialog import DialogRunner, trace_json

    content, grammar = load_configured(settings(args), args)
    on_line = (lambda line: print(trace_json(line))) if args.trace else None
    # Without --journal, each dialog file has a throwaway journal of its own: its sessions remember each other,
    # and no file's outcome depends on which files ran before it (a reminder is not due after another file's
    # session at a later date). With --journal, every file records into that one journal, in order.
    results = []
    with tempfile.TemporaryDirectory(prefix="voicecoach-script-") as scratch:
        for number, file in enumerate(args.files):
            path = args.journal.expanduser() if args.journal else Path(scratch) / f"{number}-{JOURNAL_NAME}"
            with Journal.open(path, durable=args.journal is not None) as journal:
                runner = DialogRunner(content, grammar, on_line=on_line, journal=journal)
                results.append(runner.run_file(Path(file)))
    failed = [result for result in results if not result.passed]
    for result in results:
        print(result.report(), file=sys.stderr if args.trace else sys.stdout)
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed", file=sys.stderr if args.trace else sys.stdout)
    return 1 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    config = settings(args)
    content, grammar = load_configured(config, args)
    coach = Coach(content, grammar, rate=config.rate, pace=config.pace)
    with Journal.open(journal_cli.journal_path(args)) as journal:
        recorder = SessionRecorder(journal)
        # The journal's last session counts: a reminder answered before a restart is not said again.
        reminding = Reminding(config.reminder_settings(), journal=journal) if config.reminders else None
        if args.text:
            from voicecoach.runtime.textmode import run_text_mode

            return run_text_mode(coach, grammar, recorder=recorder, reminding=reminding)
        return run_live(config, coach, grammar, args.record, echo_cancel=not args.no_echo_cancel, recorder=recorder,
                        profile=enrol_cli.profile_dir(args), reminding=reminding)


def run_live(config: Settings, coach: Coach, grammar: Grammar, record: Path | None = None,
             echo_cancel: bool = True, recorder: SessionRecorder | None = None, profile: Path | None = None,
             reminding: Reminding | None = None) -> int:
    import os

    from voicecoach.audio.output import refresh_devices_around
    from voicecoach.runtime.hearing import HearingPath
    from voicecoach.runtime.live import LiveLoop
    from voicecoach.runtime.recognizers import open_recognizer

    with live_audio(config, record, echo_cancel) as audio:
        recognizer = open_recognizer(config.asr, grammar, model_path(config), os.environ,
                                     sensitivity=config.sensitivity, profile=profile,
                                     second_opinion=config.second_opinion)
        hearing = HearingPath(recognizer, grammar, audio.echo)
        loop = LiveLoop(coach, hearing, audio.microphone, audio.open_speaker, clock=audio.clock,
                        refresh_devices=refresh_devices_around, recorder=recorder, reminding=reminding)
        return loop.run()


@dataclass(frozen=True)
class LiveAudio:
    """The live loop's outside world: where sound comes from and goes, and the clock they keep."""

    microphone: Microphone
    open_speaker: OpenSpeaker
    echo: EchoCanceller | None
    clock: Callable[[], float] = time.monotonic


@contextlib.contextmanager
def live_audio(config: Settings, record: Path | None = None, echo_cancel: bool = True,
               no_speaker: str | None = None,
               no_microphone: str = "to try the coach without one: `voicecoach run --text`, or `voicecoach demo`",
               ) -> Iterator[LiveAudio]:
    """The microphone (open while in the block), the speaker's opener and the echo canceller, as the settings
    choose them. Without a speaker the coach prints its lines; or, given `no_speaker` (what to do instead), the
    opener raises AudioUnavailable or TTSUnavailable saying so. Without a microphone, AudioUnavailable with
    `no_microphone`."""
    from voicecoach.audio.echo import EchoCanceller
    from voicecoach.audio.errors import AudioUnavailable, TTSUnavailable
    from voicecoach.audio.mic import TARGET_RATE
    from voicecoach.audio.mic import Microphone as SoundDeviceMicrophone
    from voicecoach.audio.speaker import open_speaker
    from voicecoach.audio.tts import Renderer
    from voicecoach.runtime.live import PlayedCallback, Speaker, TimeCallback
    from voicecoach.runtime.recording import RecordingMicrophone

    # The microphone first: without it there is nothing to run, and the message says what to plug in.
    try:
        mic = SoundDeviceMicrophone(config.input_device).open()
    except AudioUnavailable as error:
        raise AudioUnavailable(f"{error} ({no_microphone})") from None
    try:
        renderer = Renderer()
        try:
            renderer.start()
            renderer.warm([config.rate])  # the first count must start on its deadline too
        except TTSUnavailable as error:
            if no_speaker is not None:
                raise TTSUnavailable(f"{error} ({no_speaker})") from None
            # else open_speaker says so once and prints instead
        # What the microphone heard, before the echo canceller: only when asked (--record), for debugging.
        microphone = mic if record is None else RecordingMicrophone(mic, record)

        def speaker(started: TimeCallback, finished: TimeCallback, played: PlayedCallback) -> Speaker:
            try:
                return open_speaker(config.output_device, renderer=renderer, on_started=started,
                                    on_finished=finished, on_played=played if echo_cancel else None,
                                    volume=config.volume, required=no_speaker is not None)
            except (AudioUnavailable, TTSUnavailable) as error:
                raise type(error)(f"{error} ({no_speaker})") from None

        # The canceller is fed only by a real speaker (a PrintSpeaker plays nothing): with none, or with
        # nothing playing, it copies the microphone through untouched.
        yield LiveAudio(microphone, speaker, EchoCanceller(TARGET_RATE) if echo_cancel else None)
    finally:
        mic.close()


def cmd_recognize(args: argparse.Namespace) -> int:
    import json
    import os

    from voicecoach.audio.wavinput import AudioFileError, chunks, read_pcm16
    from voicecoach.runtime.hearing import HearingPath, hear_stream
    from voicecoach.runtime.recognizers import open_recognizer

    config = settings(args)
    _, grammar = load_configured(config, args)
    failed = 0
    for file in args.files:
        # A fresh recognizer per file: audio times start at zero in each.
        recognizer = open_recognizer(config.asr, grammar, model_path(config), os.environ,
                                     sensitivity=config.sensitivity, profile=enrol_cli.profile_dir(args),
                                 second_opinion=config.second_opinion)
        try:
            pcm = read_pcm16(Path(file), recognizer.sample_rate)
        except AudioFileError as error:
            print(f"voicecoach: {error}", file=sys.stderr)
            failed += 1
            continue
        # Every phrase of the grammar, whatever the coach's mode; no loudspeaker plays.
        for heard in hear_stream(HearingPath(recognizer, grammar), chunks(pcm, recognizer.sample_rate)):
            if args.json:
                print(json.dumps({"file": file, "t": round(heard.t, 3), "command": heard.command.canonical,
                                  "text": heard.text, "sure": heard.sure}), flush=True)
            else:
                unsure = "" if heard.sure else ", unsure: asked back if it would change the session"
                print(f"{file}: {heard.t:7.2f}s  {heard.command.canonical}  (heard: {heard.text}{unsure})", flush=True)
    return 2 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    import os

    from voicecoach.audio.echo import EchoCanceller
    from voicecoach.audio.tts import Renderer
    from voicecoach.runtime.demo import MAX_TRIES, RATE, coach_voice_of, run_demo, user_voice, write_demo
    from voicecoach.runtime.hearing import HearingPath
    from voicecoach.runtime.recognizers import open_recognizer

    config = settings(args)
    content, grammar = load_configured(config, args)
    renderer = Renderer()
    renderer.start()
    coach_voice = coach_voice_of(renderer)

    recognizer = open_recognizer(config.asr, grammar, model_path(config), os.environ,
                                 sensitivity=config.sensitivity, profile=enrol_cli.profile_dir(args),
                                 second_opinion=config.second_opinion)
    print("Running a whole session on a virtual clock; the recognizer hears both voices...", flush=True)
    hearing = HearingPath(recognizer, grammar, None if args.no_echo_cancel else EchoCanceller(RATE))
    result = run_demo(content, grammar, hearing, coach_voice, user_voice)
    wav, transcript = write_demo(result, args.out)
    print(result.transcript(), end="")
    print(f"Wrote {wav} ({len(result.audio) / RATE:.0f} s) and {transcript}")
    if result.missed:
        print(f"voicecoach: the recognizer did not hear {result.missed[0]!r} after {MAX_TRIES} tries, "
              "so the session stopped there; the WAV holds what happened", file=sys.stderr)
        return 1
    return 0


def cmd_model_download(args: argparse.Namespace) -> int:
    from voicecoach.asr.vosk.model import download_model

    path = download_model(args.dest.expanduser(), progress=sys.stderr.isatty())
    print(f"Vosk model ready in {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voicecoach", description=__doc__)
    parser.add_argument("--version", action="version", version=f"voicecoach {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def content_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--content", type=Path, metavar="DIR", help="content directory (default: the shipped one)")
        p.add_argument("--grammar", type=Path, metavar="DIR", help="grammar directory (default: the shipped one)")

    def routine_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--routine", metavar="NAME",
                       help="the routine \"start routine\" begins (default: the content's default_routine)")

    def asr_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--asr", choices=ASR_CHOICES,
                       help="recognizer (default: Vosk when a model is found, else PocketSphinx)")
        p.add_argument("--model", metavar="PATH", help="Vosk model directory")
        p.add_argument("--sensitivity", choices=SENSITIVITY_CHOICES,
                       help="how readily speech counts as a command (PocketSphinx; default normal)")
        enrol_cli.profile_option(p)

    run = sub.add_parser("run", help="run the coach (the default)")
    run.add_argument("--text", action="store_true", help="type commands instead of speaking them")
    # Defaults of None: a flag not given leaves the config file's value (see config.py).
    run.add_argument("--rate", type=int, help=f"speech rate, words per minute (default {DEFAULT_RATE})")
    run.add_argument("--pace", type=float, help="scale the time allowed for each movement (default 1.0)")
    run.add_argument("--input-device", metavar="NAME|INDEX", help="microphone, by name or index (see devices)")
    run.add_argument("--output-device", metavar="NAME|INDEX", help="loudspeaker, by name or index")
    run.add_argument("--record", type=Path, metavar="DIR",
                     help="also write what the microphone hears to DIR (for debugging; off by default)")
    run.add_argument("--no-echo-cancel", action="store_true",
                     help="do not subtract the coach's own voice from the microphone (on by default)")
    asr_options(run)
    content_options(run)
    routine_option(run)
    journal_cli.journal_option(run)
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check", help="validate content and grammar, and that the recognizer can hear every word")
    check.add_argument("dir", nargs="?", type=Path, help="content directory (default: the configured or shipped one)")
    check.add_argument("--grammar", type=Path, metavar="DIR", help="grammar directory")
    check.add_argument("--asr", choices=ASR_CHOICES,
                       help="the recognizer to check for (default: the configured one)")
    check.add_argument("--model", metavar="PATH", help="Vosk model directory")
    check.set_defaults(func=cmd_check)

    script = sub.add_parser("script", help="run .dialog scripts against the coach on a virtual clock")
    script.add_argument("files", nargs="+", metavar="FILE")
    script.add_argument("--trace", action="store_true", help="print every utterance as a JSON line")
    script.add_argument("--journal", type=Path, metavar="FILE",
                        help="record the dialogs' sessions in FILE (default: a throwaway journal)")
    content_options(script)
    routine_option(script)
    script.set_defaults(func=cmd_script)
    recognize = sub.add_parser("recognize", help="decode audio files into commands, as the microphone path does")
    recognize.add_argument("files", nargs="+", metavar="FILE")
    asr_options(recognize)
    recognize.add_argument("--json", action="store_true", help="one JSON line per command")
    content_options(recognize)
    recognize.set_defaults(func=cmd_recognize)
    demo = sub.add_parser("demo", help="a whole spoken session with no microphone or speaker, to a WAV")
    demo.add_argument("--out", type=Path, default=Path("voicecoach-demo"), metavar="DIR",
                      help="where to write session.wav and transcript.txt (default: ./voicecoach-demo)")
    demo.add_argument("--no-echo-cancel", action="store_true",
                      help="the recognizer hears the coach's voice as it is, as `run --no-echo-cancel`")
    asr_options(demo)
    content_options(demo)
    demo.set_defaults(func=cmd_demo)
    model = sub.add_parser("model", help="the Vosk speech model")
    model_sub = model.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    download = model_sub.add_parser("download", help="fetch and verify the small English Vosk model (~40 MB)")
    download.add_argument("--dest", type=Path, default=Path("~/.cache/vosk"), metavar="DIR",
                          help="where to put it (default: ~/.cache/vosk, where voicecoach looks)")
    download.set_defaults(func=cmd_model_download)
    ops_cli.register(sub)
    journal_cli.register(sub)
    enrol_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["run", *(argv or sys.argv[1:])])
    try:
        code: int = args.func(args)
        return code
    except VoicecoachError as error:
        print(f"voicecoach: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("voicecoach: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
