"""The journal's subcommands: `voicecoach history`, `voicecoach progress` and `voicecoach forget`; and --journal."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from voicecoach.errors import VoicecoachError
from voicecoach.journal.history import CSV_FIELDS, format_table, write_csv
from voicecoach.journal.store import (
    Journal,
    JournalError,
    SessionRecord,
    companions,
    default_journal_path,
    is_journal_file,
)


def journal_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--journal", type=Path, metavar="FILE",
                        help="the journal file (default: $XDG_STATE_HOME/voicecoach/journal.sqlite3, "
                             "~/.local/state/voicecoach/journal.sqlite3 without it)")


def journal_path(args: argparse.Namespace) -> Path:
    """The journal --journal names, else the default one."""
    chosen: Path | None = args.journal
    return chosen.expanduser() if chosen is not None else default_journal_path(os.environ)


def _read(path: Path) -> list[SessionRecord] | None:
    """The sessions in the journal at `path`; None when there is no file there (nothing recorded yet)."""
    if not os.path.lexists(path):
        return None
    with Journal.open(path) as journal:
        return journal.sessions()


def cmd_history(args: argparse.Namespace) -> int:
    path = journal_path(args)
    records = _read(path)
    if args.export == "csv":
        if records is None:
            print(f"voicecoach: no sessions recorded yet ({path} does not exist)", file=sys.stderr)
        write_csv(records or [], sys.stdout)
        return 0
    if not records:
        print(f"No sessions recorded yet in {path}.")
        return 0
    print(format_table(records))
    print(f"{len(records)} sessions in {path}")
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    from voicecoach.journal.progress import draw_progress

    path = journal_path(args)
    records = _read(path)
    if not records:
        print(f"No sessions recorded yet in {path}: nothing to draw.")
        return 0
    out: Path = args.out
    try:
        draw_progress(records, out)
    except OSError as error:
        raise VoicecoachError(f"{out}: cannot be written ({error.strerror or error}); "
                              "pass --out with a path in a writable directory") from None
    print(f"Wrote {out}: {len(records)} sessions from {path}")
    return 0


def cmd_forget(args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    if getattr(args, "voice", False):
        from voicecoach.cli.enrol import forget_voice

        return forget_voice(args)
    stdin = stdin or sys.stdin
    path = journal_path(args)
    if not os.path.lexists(path):
        print(f"Nothing to forget: {path} does not exist.")
        return 0
    if not is_journal_file(path):
        raise JournalError(path, "is not a voicecoach journal, so forget leaves it alone; delete it yourself if "
                                 "you mean to")
    if not args.yes:
        if not stdin.isatty():
            raise VoicecoachError(f"forget deletes {path} only when you type yes at a terminal, or with --yes")
        print(f"This deletes {path}: every session it holds, for good. Type yes to delete it: ", end="", flush=True)
        if stdin.readline().strip().lower() != "yes":
            print("Nothing deleted.")
            return 1
    for file in (path, *companions(path)):
        file.unlink(missing_ok=True)
    print(f"Deleted {path}.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add history, progress and forget to the command line."""
    history = sub.add_parser("history", help="the sessions the journal holds, as a table or CSV")
    history.add_argument("--export", choices=["csv"],
                         help=f"write CSV to standard output instead ({', '.join(CSV_FIELDS)})")
    journal_option(history)
    history.set_defaults(func=cmd_history)

    progress = sub.add_parser("progress", help="draw pain before and after sessions, and sessions per week (PNG)")
    progress.add_argument("--out", type=Path, required=True, metavar="FILE.png", help="where to write the picture")
    journal_option(progress)
    progress.set_defaults(func=cmd_progress)

    forget = sub.add_parser("forget", help="delete the journal and every session in it, after asking; or, with "
                                           "--voice, the voice profile")
    forget.add_argument("--yes", action="store_true", help="do not ask (needed when not at a terminal)")
    forget.add_argument("--voice", action="store_true",
                        help="delete the voice profile `voicecoach enroll` made instead (the journal stays)")
    journal_option(forget)
    from voicecoach.cli.enrol import profile_option

    profile_option(forget)
    forget.set_defaults(func=cmd_forget)
