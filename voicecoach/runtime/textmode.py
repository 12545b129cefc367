"""`voicecoach run --text`: typed commands in, the coach's words printed in real time."""

from __future__ import annotations

import select
import sys
import time
from typing import TextIO

from voicecoach.core.coach import Coach
from voicecoach.core.grammar import Grammar
from voicecoach.journal.recorder import SessionRecorder
from voicecoach.runtime.reminding import Reminding
from voicecoach.runtime.virtual import VirtualClock, VirtualSession, format_line

# While nothing is due, look at the input this often anyway: cheap, and it
# keeps Ctrl-C and the end of input prompt.
_IDLE_POLL_S = 0.5


def run_text_mode(coach: Coach, grammar: Grammar, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
                  recorder: SessionRecorder | None = None, reminding: Reminding | None = None) -> int:
    """Run until the end of input. Utterances last as long as their words take to say; nothing is spoken."""
    t0 = time.monotonic()
    session = VirtualSession(coach, grammar, clock=VirtualClock(0.0), recorder=recorder, reminding=reminding)
    printed = 0

    def catch_up() -> None:
        nonlocal printed
        session.advance(time.monotonic() - t0)
        for line in session.coach_lines[printed:session.heard_so_far()]:
            if not line.dropped:
                print(format_line(line), file=stdout, flush=True)
        printed = session.heard_so_far()

    print("Text mode: type a command (e.g. 'start bridge', 'pause', 'help'); end of input quits.", file=stdout)
    session.start()
    catch_up()
    while True:
        upcoming = session.next_event_time()
        timeout = _IDLE_POLL_S if upcoming is None else max(0.0, upcoming - (time.monotonic() - t0))
        ready, _, _ = select.select([stdin], [], [], min(timeout, _IDLE_POLL_S))
        catch_up()
        if not ready:
            continue
        text = stdin.readline()
        if not text:
            print("End of input: goodbye.", file=stdout)
            return 0
        if not text.strip():
            continue
        mode = coach.listening
        line = session.hear(text.strip())
        if line.command is None:
            print(f"  (not a command: {text.strip()!r}; type 'help' for what you can say)", file=stdout)
        elif (command := grammar.match(text)) is not None and not grammar.listens(command.name, mode):
            print(f"  (not listened for while {mode}: {text.strip()!r}; type 'help' for what you can say)",
                  file=stdout)
        catch_up()
