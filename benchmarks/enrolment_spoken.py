"""How long `voicecoach enroll` takes by voice, every command twice, on the simulated floor's clock.

Run: .venv/bin/python -m benchmarks.enrolment_spoken [--voice V ...]
Writes benchmarks/ENROLMENT-SPOKEN.md. The coach speaks with the real renderer at the default rate; the person is
an espeak-ng voice answering each request after REACTION_S, and the loop's reply to a take comes at most
REPLY_WITHIN_S after it ends (the floor waits for it): the time is the conversation's, not this machine's.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled.enrol import enrol_take
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.audio.echo import EchoCanceller
from voicecoach.audio.tts import Renderer
from voicecoach.core.content import load_content
from voicecoach.core.grammar import load_grammar
from voicecoach.core.tempo import DEFAULT_RATE
from voicecoach.paths import default_content_dir, default_grammar_dir
from voicecoach.runtime.demo import coach_voice_of
from voicecoach.runtime.enrolment import enrol_by_voice, enrolment_phrases
from voicecoach.testing import speech
from voicecoach.testing.floor import RATE, Floor

OUT = Path(__file__).resolve().parent / "ENROLMENT-SPOKEN.md"
VOICES = ("en-us", "en-us+f2")  # training voices: the figure is the conversation's length, not recognition
REACTION_S = 0.6
REPLY_WITHIN_S = 1.5
TARGET_S = 180.0


def measure(voice: str) -> tuple[float, int, int, list[str]]:
    """(seconds from the first word to the last, takes learned, commands, the coach's lines)."""
    grammar = load_grammar(default_grammar_dir(), load_content(default_content_dir()))
    phrases = enrolment_phrases(grammar)
    renderer = Renderer()
    renderer.start()
    render = coach_voice_of(renderer)

    def coach_voice(text: str) -> speech.Audio:
        return speech.to_int16(render(text, DEFAULT_RATE))

    answers: list[speech.Audio | None] = [speech.synthesize(p, voice, wpm) for p in phrases for wpm in (160, 175)]
    floor = Floor(answers, coach_voice, reaction=REACTION_S, reply_within=REPLY_WITHIN_S)
    general = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    takes = enrol_by_voice(phrases, functools.partial(enrol_take, SpeechEmbedding()), general, grammar,
                           floor.microphone(), floor.open_speaker, EchoCanceller(RATE), clock=floor.clock,
                           print_fn=lambda text: None)
    last = floor.lines[-1]
    return last.end / RATE, len(takes), len(phrases), floor.said()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.enrolment_spoken", description=__doc__.split("\n")[0])
    parser.add_argument("--voice", action="append", help=f"espeak-ng voice of the person (default: {VOICES})")
    args = parser.parse_args(argv)
    rows = []
    for voice in args.voice or VOICES:
        seconds, takes, commands, said = measure(voice)
        again = sum(1 for line in said if "once more" in line)
        print(f"{voice}: {seconds:.1f} s, {takes} takes of {commands} commands, {again} asked again", file=sys.stderr)
        rows.append(f"| {voice} | {seconds:.0f} s ({seconds / 60:.1f} min) | {takes} of {2 * commands} | {again} |")
    OUT.write_text("\n".join([
        "# Spoken enrolment: how long it takes",
        "",
        f"`python -m benchmarks.enrolment_spoken`: every command of the shipped grammar, two takes each, on the "
        f"simulated floor (voicecoach/testing/floor.py). The coach speaks with the real renderer at {DEFAULT_RATE} "
        f"words a minute; the person answers {REACTION_S} s after each request; the coach's reply to a take comes "
        f"at most {REPLY_WITHIN_S} s after the take ends. Target: at most {TARGET_S:.0f} s.",
        "",
        "| person's voice | from the first word to the last | takes learned | asked again |",
        "|---|---|---|---|",
        *rows,
        "",
    ]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
