"""The `voicecoach` command line: check content, run dialog scripts, run the coach."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .coach import DEFAULT_RATE, Coach
from .content import Content, load_content
from .errors import VoicecoachError
from .grammar import Grammar, load_grammar
from .paths import default_content_dir, default_grammar_dir


def load(content_dir: Path | None, grammar_dir: Path | None = None) -> tuple[Content, Grammar]:
    """Load and check content and grammar; every command goes through the same checks."""
    content = load_content(content_dir or default_content_dir())
    return content, load_grammar(grammar_dir or default_grammar_dir(), content)


def cmd_check(args: argparse.Namespace) -> int:
    content, grammar = load(args.dir, args.grammar)
    print(f"{content.root}: {len(content.exercises)} exercises, {len(content.routines)} routines, "
          f"{len(grammar.phrases())} command phrases: all good")
    return 0


def cmd_script(args: argparse.Namespace) -> int:
    from .testing.dialog import DialogRunner, trace_json

    content, grammar = load(args.content, args.grammar)
    on_line = (lambda line: print(trace_json(line))) if args.trace else None
    runner = DialogRunner(content, grammar, on_line=on_line)
    results = [runner.run_file(Path(file)) for file in args.files]
    failed = [result for result in results if not result.passed]
    for result in results:
        print(result.report(), file=sys.stderr if args.trace else sys.stdout)
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed", file=sys.stderr if args.trace else sys.stdout)
    return 1 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    content, grammar = load(args.content, args.grammar)
    coach = Coach(content, grammar, rate=args.rate, pace=args.pace)
    if args.text:
        from .textmode import run_text_mode

        return run_text_mode(coach, grammar)
    raise VoicecoachError("the live coach (microphone and speaker) is not built yet: use `voicecoach run --text`")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voicecoach", description=__doc__)
    parser.add_argument("--version", action="version", version=f"voicecoach {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def content_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--content", type=Path, metavar="DIR", help="content directory (default: the shipped one)")
        p.add_argument("--grammar", type=Path, metavar="DIR", help="grammar directory (default: the shipped one)")

    run = sub.add_parser("run", help="run the coach (the default)")
    run.add_argument("--text", action="store_true", help="type commands instead of speaking them")
    run.add_argument("--rate", type=int, default=DEFAULT_RATE, help="speech rate, words per minute")
    run.add_argument("--pace", type=float, default=1.0, help="scale the time allowed for each movement")
    content_options(run)
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check", help="validate content and grammar")
    check.add_argument("dir", nargs="?", type=Path, help="content directory (default: the shipped one)")
    check.add_argument("--grammar", type=Path, metavar="DIR", help="grammar directory")
    check.set_defaults(func=cmd_check)

    script = sub.add_parser("script", help="run .dialog scripts against the coach on a virtual clock")
    script.add_argument("files", nargs="+", metavar="FILE")
    script.add_argument("--trace", action="store_true", help="print every utterance as a JSON line")
    content_options(script)
    script.set_defaults(func=cmd_script)
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
